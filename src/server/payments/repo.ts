/**
 * Payment attempts in PostgreSQL. Every status change is a compare-and-set (UPDATE … WHERE status
 * = ANY($from) RETURNING) that appends an order event naming the attempt, in the caller's
 * transaction, like orders/repo.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/jobs.js';
import { newId } from '../db/ids.js';
import { appendEvent } from '../orders/repo.js';
import type { Order } from '../orders/model.js';
import { rowToAttempt, type Attempt, type AttemptStatus, type PayMethod } from './model.js';

/**
 * The first attempt of an order uses the order's out_trade_no (what the merchant sees in Alipay's
 * bill and console); later ones the order's number with a random suffix, cut to Alipay's 64
 * characters. The UNIQUE (app_id, out_trade_no) has the last word; a collision is retried with a
 * fresh suffix by insertAttempt.
 */
export function attemptOutTradeNo(order: Order, first: boolean): string {
  if (first) return order.outTradeNo;
  const suffix = `_${randomBytes(5).toString('hex').toUpperCase()}`;
  return `${order.outTradeNo.slice(0, 64 - suffix.length)}${suffix}`;
}

export interface NewAttempt {
  order: Order;
  method: PayMethod;
  buyerUserId?: string;
  buyerOpenId?: string;
  now: Date;
}

/** Inserts a paying attempt with its out_trade_no (before Alipay is called); run inside a transaction. */
export async function insertAttempt(db: Queryable, a: NewAttempt): Promise<Attempt> {
  const { rows: prior } = await db.query('SELECT 1 FROM payment_attempts WHERE order_id = $1 LIMIT 1', [a.order.id]);
  for (let tries = 0; ; tries++) {
    const outTradeNo = attemptOutTradeNo(a.order, prior.length === 0 && tries === 0);
    await db.query('SAVEPOINT attempt_insert');
    try {
      const { rows } = await db.query(
        `INSERT INTO payment_attempts (id, order_id, app_id, out_trade_no, method, amount_fen, buyer_user_id, buyer_open_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *`,
        [newId('pa'), a.order.id, a.order.appId, outTradeNo, a.method, a.order.amountFen, a.buyerUserId ?? null, a.buyerOpenId ?? null, a.now],
      );
      await db.query('RELEASE SAVEPOINT attempt_insert');
      return rowToAttempt(rows[0]);
    } catch (err) {
      await db.query('ROLLBACK TO SAVEPOINT attempt_insert');
      if ((err as { constraint?: string }).constraint === 'payment_attempts_app_out_trade_no_key' && tries < 3) continue;
      throw err;
    }
  }
}

export async function getAttempt(db: Queryable, id: string): Promise<Attempt | undefined> {
  const { rows } = await db.query('SELECT * FROM payment_attempts WHERE id = $1', [id]);
  return rows[0] ? rowToAttempt(rows[0]) : undefined;
}

export async function getAttemptByOutTradeNo(db: Queryable, appId: string, outTradeNo: string): Promise<Attempt | undefined> {
  const { rows } = await db.query('SELECT * FROM payment_attempts WHERE app_id = $1 AND out_trade_no = $2', [appId, outTradeNo]);
  return rows[0] ? rowToAttempt(rows[0]) : undefined;
}

/** An order's attempts, oldest first. */
export async function listAttempts(db: Queryable, orderId: string): Promise<Attempt[]> {
  const { rows } = await db.query('SELECT * FROM payment_attempts WHERE order_id = $1 ORDER BY created_at, id', [orderId]);
  return rows.map(rowToAttempt);
}

/** The newest attempt of the order with this method still paying, if any. */
export async function openAttemptOf(db: Queryable, orderId: string, method: PayMethod): Promise<Attempt | undefined> {
  const { rows } = await db.query(
    `SELECT * FROM payment_attempts WHERE order_id = $1 AND method = $2 AND status = 'paying' ORDER BY created_at DESC, id DESC LIMIT 1`,
    [orderId, method],
  );
  return rows[0] ? rowToAttempt(rows[0]) : undefined;
}

export interface AttemptTransition {
  from: readonly AttemptStatus[];
  to?: AttemptStatus;
  set?: Partial<Record<'trade_no' | 'buyer_user_id' | 'buyer_open_id' | 'qr_code' | 'failure' | 'paid_at' | 'closed_at', unknown>>;
  /** Omit for a silent write (a qr_code or trade_no learnt without a change of state worth a history line). */
  event?: { type: string; data?: Record<string, unknown> };
  now: Date;
}

/**
 * Compare-and-set on the attempt's status. Returns the new attempt, or undefined when it was not in
 * one of `from` (nothing written, no event).
 */
export async function transitionAttempt(db: Queryable, id: string, t: AttemptTransition): Promise<Attempt | undefined> {
  const sets: string[] = ['updated_at = $3'];
  const args: unknown[] = [id, t.from, t.now];
  if (t.to) sets.push(`status = $${args.push(t.to)}`);
  for (const [col, value] of Object.entries(t.set ?? {})) sets.push(`${col} = $${args.push(col === 'failure' && value !== null ? JSON.stringify(value) : value)}`);
  const { rows } = await db.query(`UPDATE payment_attempts SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2) RETURNING *`, args);
  if (!rows[0]) return undefined;
  const attempt = rowToAttempt(rows[0]);
  if (t.event) {
    await appendEvent(db, attempt.orderId, t.event.type, { ...(t.event.data ?? {}), ...(t.to ? { attempt_status: t.to } : {}), out_trade_no: attempt.outTradeNo }, t.now, attempt.id);
  }
  return attempt;
}
