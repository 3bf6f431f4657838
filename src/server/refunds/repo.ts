/**
 * Refunds in PostgreSQL. Inserting a refund reserves its amount on the order (trigger
 * refunds_apply), and the order's CHECK orders_refund_bounds then refuses any reservation beyond
 * the paid amount, whatever the application believed. Every status change is a compare-and-set
 * (UPDATE … WHERE status = ANY($from) RETURNING) that appends an order event in the same
 * transaction, like orders/repo.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/jobs.js';
import { newId } from '../db/ids.js';
import { appendEvent } from '../orders/repo.js';
import { rowToRefund, type Refund, type RefundStatus } from './model.js';

/**
 * R + yyyyMMddHHmmss (UTC) + 12 random hex: unique per order with overwhelming odds (the UNIQUE
 * refunds_order_out_request_no_key has the last word), within Alipay's 64 [A-Za-z0-9_-], and
 * chosen without reading other refunds, so concurrent requests never collide on a counter.
 */
export function newOutRequestNo(now: Date): string {
  const ts = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `R${ts}${randomBytes(6).toString('hex').toUpperCase()}`;
}

export interface NewRefund {
  orderId: string;
  attemptId: string;
  kind?: 'merchant' | 'duplicate';
  amountFen: number;
  reason?: string;
  now: Date;
}

/** Inserts a pending refund (reserving its amount on the order); run inside a transaction. */
export async function insertRefund(db: Queryable, r: NewRefund): Promise<Refund> {
  const { rows } = await db.query(
    `INSERT INTO refunds (id, order_id, attempt_id, kind, out_request_no, amount_fen, reason, status, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) RETURNING *`,
    [newId('re'), r.orderId, r.attemptId, r.kind ?? 'merchant', newOutRequestNo(r.now), r.amountFen, r.reason ?? null, r.now],
  );
  return rowToRefund(rows[0]);
}

export async function getRefund(db: Queryable, id: string): Promise<Refund | undefined> {
  const { rows } = await db.query('SELECT * FROM refunds WHERE id = $1', [id]);
  return rows[0] ? rowToRefund(rows[0]) : undefined;
}

/** The refunds of one order, newest first (merchant refunds and the refunds of duplicate payments). */
export async function listRefunds(db: Queryable, orderId: string): Promise<Refund[]> {
  const { rows } = await db.query('SELECT * FROM refunds WHERE order_id = $1 ORDER BY created_at DESC, id DESC', [orderId]);
  return rows.map(rowToRefund);
}

export interface RefundTransition {
  from: readonly RefundStatus[];
  to?: RefundStatus;
  set?: Partial<Record<'fund_change' | 'gmt_refund_pay' | 'last_error', unknown>>;
  /** attempts + 1: an alipay.trade.refund call is about to be made. */
  countAttempt?: boolean;
  event: { type: string; data?: Record<string, unknown> };
  now: Date;
}

/**
 * Compare-and-set on the refund's status. Returns the new refund, or undefined when it was not in
 * one of `from` (nothing written, no event).
 */
export async function transitionRefund(db: Queryable, id: string, t: RefundTransition): Promise<Refund | undefined> {
  const sets: string[] = ['updated_at = $3'];
  const args: unknown[] = [id, t.from, t.now];
  if (t.to) sets.push(`status = $${args.push(t.to)}`);
  if (t.countAttempt) sets.push('attempts = attempts + 1');
  for (const [col, value] of Object.entries(t.set ?? {})) sets.push(`${col} = $${args.push(value)}`);
  const { rows } = await db.query(`UPDATE refunds SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2) RETURNING *`, args);
  if (!rows[0]) return undefined;
  const refund = rowToRefund(rows[0]);
  await appendEvent(
    db,
    refund.orderId,
    t.event.type,
    { refund_id: refund.id, out_request_no: refund.outRequestNo, amount: refund.amountFen, ...(refund.kind === 'duplicate' ? { kind: 'duplicate' } : {}), ...(t.event.data ?? {}), ...(t.to ? { status: t.to } : {}) },
    t.now,
    refund.attemptId,
  );
  return refund;
}

/** Notes why an attempt left the refund unresolved (no status change, no event). */
export async function noteUnresolved(db: Queryable, id: string, reason: string, now: Date): Promise<void> {
  await db.query(`UPDATE refunds SET last_error = $2, updated_at = $3 WHERE id = $1 AND status IN ('pending', 'processing')`, [id, JSON.stringify({ kind: 'unknown', reason }), now]);
}

/** Opens an alert for a person, unless one of this kind is already open for the refund. Returns whether it did. */
export async function openRefundAlert(db: Queryable, refund: Refund, kind: string, detail: Record<string, unknown>, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO alerts (kind, order_id, refund_id, detail, created_at)
     SELECT $1, $2, $3, $4, $5
      WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE refund_id = $3 AND kind = $1 AND resolved_at IS NULL)`,
    [kind, refund.orderId, refund.id, JSON.stringify(detail), now],
  );
  return rowCount === 1;
}
