/**
 * Starting a payment attempt: the intent is committed before Alipay is called
 * (payments-reliability.md §3.5), in one transaction under a row lock on the order:
 * the order must be open (created or paying) and not past its expiry; the attempt row is written
 * with its out_trade_no (UNIQUE); the order moves created → paying (or stays paying) with
 * `channel` = this way to pay and the event `attempt.started`; and the caller's own durable work
 * (the barcode settle job) is enqueued in the same transaction.
 */
import type pg from 'pg';
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import { conflict, notFound } from '../http/problem.js';
import { rowToOrder, type Order } from '../orders/model.js';
import { transition } from '../orders/repo.js';
import type { Attempt, PayMethod } from './model.js';
import { insertAttempt, openAttemptOf } from './repo.js';

export interface StartOptions {
  buyerUserId?: string;
  buyerOpenId?: string;
  /** The history line (default `attempt.started`) and its extra data (e.g. the last 4 digits of a payment code). */
  eventType?: string;
  eventData?: Record<string, unknown>;
  /** Runs in the same transaction, after the attempt is written. */
  inTransaction?: (c: pg.PoolClient, attempt: Attempt, order: Order) => Promise<void>;
}

/** Why an order cannot take a new attempt, as a 409 the API and the pages can show. */
export function notPayable(order: Order, now: Date) {
  if (order.status === 'paid') return conflict('order-paid', `order ${order.id} is already paid`, { order_status: order.status });
  if (order.status !== 'created' && order.status !== 'paying') return conflict('order-not-payable', `order ${order.id} is ${order.status}: create a new order to take another payment`, { order_status: order.status });
  if (order.expiresAt.getTime() <= now.getTime()) return conflict('order-expired', `order ${order.id} expired at ${order.expiresAt.toISOString()}; create a new order to take the payment`, { order_status: order.status });
  return undefined;
}

export async function startAttempt(ctx: ServerContext, orderId: string, method: PayMethod, o: StartOptions = {}): Promise<{ order: Order; attempt: Attempt }> {
  const now = ctx.now();
  try {
    return await withTransaction(ctx.pool, async (c) => {
      const { rows } = await c.query('SELECT * FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
      if (!rows[0]) throw notFound(`no order ${orderId}`);
      const current = rowToOrder(rows[0]);
      const refusal = notPayable(current, now);
      if (refusal) throw refusal;
      const attempt = await insertAttempt(c, { order: current, method, buyerUserId: o.buyerUserId, buyerOpenId: o.buyerOpenId, now });
      const order = await transition(c, orderId, {
        from: ['created', 'paying'],
        to: 'paying',
        set: { channel: method },
        event: { type: o.eventType ?? 'attempt.started', data: { method, out_trade_no: attempt.outTradeNo, amount: attempt.amountFen, ...(o.eventData ?? {}) } },
        attemptId: attempt.id,
        now,
      });
      if (!order) throw new Error(`order ${orderId} moved under a row lock`);
      await o.inTransaction?.(c, attempt, order);
      return { order, attempt };
    });
  } catch (err) {
    if ((err as { constraint?: string }).constraint === 'payment_attempts_one_barcode_in_flight') {
      throw conflict('payment-in-progress', `order ${orderId}: a barcode payment is already in progress; follow it with GET /v1/orders/${orderId}`, { order_status: 'paying' });
    }
    throw err;
  }
}

/**
 * The open attempt of this way to pay when there is one (a buyer reopening the checkout gets the
 * same trade back: same out_trade_no and parameters), otherwise a new one. `accept` may refuse
 * an open attempt (a JSAPI trade bound to another buyer).
 */
export async function reuseOrStartAttempt(ctx: ServerContext, order: Order, method: PayMethod, o: StartOptions & { accept?: (a: Attempt) => boolean } = {}): Promise<{ order: Order; attempt: Attempt; reused: boolean }> {
  const open = await openAttemptOf(ctx.pool, order.id, method);
  if (open && (o.accept?.(open) ?? true)) {
    const refusal = notPayable(order, ctx.now());
    if (refusal) throw refusal;
    return { order, attempt: open, reused: true };
  }
  return { ...(await startAttempt(ctx, order.id, method, o)), reused: false };
}
