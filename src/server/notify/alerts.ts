/**
 * Alerts: things a person must look at (the `alerts` table, migrations/001_init.ts). Raised in
 * the transaction that records what caused them, and de-duplicated so that Alipay's retries of
 * one notify (8 over 25 h, same notify_id) or a sweeper passing every minute raise one alert,
 * not hundreds.
 */
import type { Queryable } from '../db/jobs.js';

/** Every kind this part raises, with what a person should do about it. */
export type AlertKind =
  /** A notify whose signature or form could not be verified (forged, tampered, RSA downgrade, garbage). One open alert at a time: the notifies table has every arrival. */
  | 'notify_rejected'
  /** Signed by Alipay, but for another app_id. */
  | 'notify_app_mismatch'
  /** Signed by Alipay, but seller_id is not our merchant PID. */
  | 'notify_seller_mismatch'
  /** Signed by Alipay, but total_amount differs from the order's amount (or cannot be read). */
  | 'notify_amount_mismatch'
  /** Signed by Alipay, for an out_trade_no we never created. */
  | 'notify_unknown_order'
  /** Signed by Alipay, but names another trade_no than the one the order already has. */
  | 'notify_trade_no_mismatch'
  /** Money arrived for an order we had already closed (or an attempt that failed): a person must refund it. */
  | 'paid_after_close'
  /** A second attempt of an already paid order was paid too: refunded in full automatically (payments/record.ts); the alert names both trades. */
  | 'duplicate_payment'
  /** A notify shows a refund zfb did not make (refund_fee on a trade we had not seen paid). */
  | 'refund_not_in_zfb'
  /** TRADE_CLOSED without a refund for an order we hold as paid. */
  | 'closed_notify_for_paid_order'
  /** A verified trade.query says paid, but for another amount. */
  | 'query_amount_mismatch'
  /** A job stopped retrying: the order or refund it was finishing needs a person. Raised by the database (migration 002). */
  | 'job_failed';

export interface NewAlert {
  kind: AlertKind;
  orderId?: string | null;
  notifyRowId?: number | null;
  detail: Record<string, unknown>;
  now: Date;
}

/**
 * Inserts the alert unless one of the same kind already points at a notify with the same
 * notify_id (Alipay's retries of one notify share it). Only verified notifies raise these, and
 * rejected rows never count, so a forged notify cannot pre-empt a real alert by naming its id.
 */
export async function raiseNotifyAlert(db: Queryable, a: NewAlert & { notifyId: string }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO alerts (kind, order_id, notify_row_id, detail, created_at)
     SELECT $1, $2, $3, $4, $5
      WHERE NOT EXISTS (SELECT 1 FROM alerts a JOIN notifies n ON n.id = a.notify_row_id
                         WHERE a.kind = $1 AND n.notify_id = $6 AND n.outcome IS DISTINCT FROM 'rejected')`,
    [a.kind, a.orderId ?? null, a.notifyRowId ?? null, JSON.stringify({ ...a.detail, notify_id: a.notifyId }), a.now, a.notifyId],
  );
  return rowCount === 1;
}

/**
 * Inserts the alert unless an unresolved one of the same kind exists (for the same order, when
 * given). Call it inside a transaction: a transaction-scoped advisory lock on (kind, order) makes
 * concurrent raisers take turns, so a flood of forged notifies on PostgreSQL raises one alert, not
 * one per connection that checked before the first insert committed (found by the fuzz suite).
 */
export async function raiseOpenAlert(db: Queryable, a: NewAlert): Promise<boolean> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('zfb.alert:' || $1 || ':' || coalesce($2::text, '')))`, [a.kind, a.orderId ?? null]);
  const { rowCount } = await db.query(
    `INSERT INTO alerts (kind, order_id, notify_row_id, detail, created_at)
     SELECT $1, $2, $3, $4, $5
      WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE kind = $1 AND resolved_at IS NULL AND ($2::text IS NULL OR order_id = $2))`,
    [a.kind, a.orderId ?? null, a.notifyRowId ?? null, JSON.stringify(a.detail), a.now],
  );
  return rowCount === 1;
}
