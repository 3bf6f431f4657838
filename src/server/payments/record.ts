/**
 * The order state machine, in one place: what Alipay says about one payment attempt, recorded on
 * the attempt and on its order in one transaction (payments-reliability.md §0 rules 1, 4; §3.2).
 *
 * Paid (a verified notify, query, pay answer or cancel refusal says TRADE_SUCCESS/TRADE_FINISHED
 * with the attempt's amount): under a row lock on the order,
 *   attempt paying | closed → paid (trade_no, paid_at, buyer);
 *   then the order, by what it is:
 *     created | paying → paid by this attempt (paid_attempt_id, trade_no, paid_at, buyer,
 *       channel = its way to pay), and the durable job `attempts.close_others` closes or cancels
 *       the order's other open attempts on Alipay;                                     'paid'
 *     paid by another attempt → a duplicate payment: a full refund of this attempt's trade
 *       (kind 'duplicate', its out_request_no stored now, sent by the refund.confirm job, which
 *       retries with the same out_request_no), an alert `duplicate_payment` naming both trades;
 *                                                                                    'duplicate'
 *     closed (or final from before attempts) → money for an order we gave up on: an alert
 *       `paid_after_close` for a person (the merchant may still deliver, or refund);  'after-close'
 *   attempt already paid with the same trade → nothing;                             'already'
 *   attempt cancelled (alipay.trade.cancel gives a paid trade's money back by itself) or failed
 *     (a definite refusal; the barcode void job cancels such trades) → nothing;     'ignored'
 * Amount and trade_no are checked by the callers first (each raises its own alert kind).
 *
 * Closed: attempt paying → closed. The order stays open: the buyer may pay another way until the
 * order is paid, closed by the merchant, or expires (the sweeper closes it then).
 */
import { parseAlipayTime } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { enqueue, type Queryable } from '../db/jobs.js';
import { withTransaction } from '../db/tx.js';
import { rowToOrder, type Order } from '../orders/model.js';
import { appendEvent, transition } from '../orders/repo.js';
import { insertRefund } from '../refunds/repo.js';
import { REFUND_CONFIRM_JOB } from '../refunds/create.js';
import { rowToAttempt, type Attempt, type AttemptStatus } from './model.js';
import { transitionAttempt } from './repo.js';

export const CLOSE_OTHERS_JOB = 'attempts.close_others';
export const closeOthersKey = (orderId: string) => `attempts.close_others:${orderId}`;

/** What Alipay says about a paid trade (from a notify, a query or a pay answer). */
export interface PaidFacts {
  tradeNo: string;
  buyerUserId?: string;
  buyerOpenId?: string;
  /** gmt_payment / send_pay_date, Alipay time. */
  paidTime?: string;
}

export type PaidKind = 'paid' | 'already' | 'duplicate' | 'after-close' | 'ignored';

export interface PaidResult {
  kind: PaidKind;
  order: Order;
  attempt: Attempt;
}

/** Locks the attempt's order, then reads both (lock order: order row first, everywhere). */
export async function lockAttempt(c: Queryable, attemptId: string): Promise<{ order: Order; attempt: Attempt } | undefined> {
  const { rows } = await c.query('SELECT o.* FROM orders o JOIN payment_attempts a ON a.order_id = o.id WHERE a.id = $1 FOR UPDATE OF o', [attemptId]);
  if (!rows[0]) return undefined;
  const a = await c.query('SELECT * FROM payment_attempts WHERE id = $1 FOR UPDATE', [attemptId]);
  return { order: rowToOrder(rows[0]), attempt: rowToAttempt(a.rows[0]) };
}

/**
 * Records a paid trade for the attempt, inside the caller's transaction. `eventType` names who
 * learnt it (notify.paid, barcode.paid, return.query_paid, sweep.paid, …); `data` goes in the event.
 */
export async function recordPaidIn(c: Queryable, ctx: ServerContext, attemptId: string, facts: PaidFacts, eventType: string, data: Record<string, unknown>, now: Date): Promise<PaidResult> {
  const locked = await lockAttempt(c, attemptId);
  if (!locked) throw new Error(`no payment attempt ${attemptId}`);
  const { order, attempt } = locked;
  if (attempt.status === 'paid') return { kind: 'already', order, attempt };
  if (attempt.status === 'cancelled' || attempt.status === 'failed') return { kind: 'ignored', order, attempt };

  const paidAt = (facts.paidTime && parseAlipayTime(facts.paidTime)) || now;
  const buyer = { ...(facts.buyerUserId ? { buyer_user_id: facts.buyerUserId } : {}), ...(facts.buyerOpenId ? { buyer_open_id: facts.buyerOpenId } : {}) };
  const paidAttempt = await transitionAttempt(c, attempt.id, { from: ['paying', 'closed'], to: 'paid', set: { trade_no: facts.tradeNo, paid_at: paidAt, ...buyer }, now });
  if (!paidAttempt) throw new Error(`payment attempt ${attempt.id} moved under a row lock`);

  if (order.status === 'created' || order.status === 'paying') {
    const paid = await transition(c, order.id, {
      from: ['created', 'paying'],
      to: 'paid',
      set: { trade_no: facts.tradeNo, paid_at: paidAt, paid_attempt_id: attempt.id, channel: attempt.method, ...buyer },
      event: { type: eventType, data: { ...data, trade_no: facts.tradeNo } },
      attemptId: attempt.id,
      now,
    });
    if (!paid) throw new Error(`order ${order.id} moved under a row lock`);
    const { rows } = await c.query(`SELECT 1 FROM payment_attempts WHERE order_id = $1 AND status = 'paying' AND method <> 'barcode' LIMIT 1`, [order.id]);
    if (rows.length > 0) await enqueue(c, { kind: CLOSE_OTHERS_JOB, uniqueKey: closeOthersKey(order.id), runAt: now, payload: { orderId: order.id } });
    return { kind: 'paid', order: paid, attempt: paidAttempt };
  }

  if (order.status === 'paid') {
    // The buyer paid twice (the QR on the laptop and then in the app): give the second back, in full.
    const refund = await insertRefund(c, { orderId: order.id, attemptId: attempt.id, kind: 'duplicate', amountFen: attempt.amountFen, reason: '重复支付退款 / duplicate payment', now });
    await enqueue(c, { kind: REFUND_CONFIRM_JOB, payload: { refundId: refund.id }, uniqueKey: `refund:${refund.id}`, runAt: now });
    const detail = { order_trade_no: order.tradeNo, paid_attempt_id: order.paidAttemptId, duplicate_trade_no: facts.tradeNo, duplicate_attempt_id: attempt.id, duplicate_out_trade_no: attempt.outTradeNo, amount: attempt.amountFen, refund_id: refund.id, via: eventType };
    await c.query(`INSERT INTO alerts (kind, order_id, refund_id, detail, created_at) VALUES ('duplicate_payment', $1, $2, $3, $4)`, [order.id, refund.id, JSON.stringify(detail), now]);
    await appendEvent(c, order.id, 'attempt.duplicate_paid', { ...data, ...detail }, now, attempt.id);
    await appendEvent(c, order.id, 'refund.requested', { refund_id: refund.id, out_request_no: refund.outRequestNo, amount: refund.amountFen, kind: 'duplicate', reason: refund.reason, status: 'pending' }, now, attempt.id);
    return { kind: 'duplicate', order, attempt: paidAttempt };
  }

  // Closed (or cancelled / failed from before attempts): a person decides.
  const detail = { order_status: order.status, trade_no: facts.tradeNo, attempt_id: attempt.id, out_trade_no: attempt.outTradeNo, amount: attempt.amountFen, via: eventType, ...data };
  await c.query(
    `INSERT INTO alerts (kind, order_id, detail, created_at)
     SELECT 'paid_after_close', $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE kind = 'paid_after_close' AND order_id = $1 AND detail->>'trade_no' = $4)`,
    [order.id, JSON.stringify(detail), now, facts.tradeNo],
  );
  await appendEvent(c, order.id, 'attempt.paid_after_close', detail, now, attempt.id);
  return { kind: 'after-close', order, attempt: paidAttempt };
}

/** recordPaidIn in its own transaction. */
export function recordPaid(ctx: ServerContext, attemptId: string, facts: PaidFacts, eventType: string, data: Record<string, unknown> = {}): Promise<PaidResult> {
  const now = ctx.now();
  return withTransaction(ctx.pool, (c) => recordPaidIn(c, ctx, attemptId, facts, eventType, data, now));
}

/** Ends a paying attempt without money: closed, cancelled or failed. Undefined when it was no longer paying. */
export interface EndSet {
  failure?: { code: string; message: string };
  trade_no?: string;
  /** When Alipay closed it (gmt_close), if it said; default now. */
  closed_at?: Date;
}

export async function endAttemptIn(c: Queryable, attemptId: string, to: Exclude<AttemptStatus, 'paying' | 'paid'>, event: { type: string; data?: Record<string, unknown> }, now: Date, set: EndSet = {}): Promise<Attempt | undefined> {
  return transitionAttempt(c, attemptId, { from: ['paying'], to, set: { closed_at: now, ...set }, event, now });
}

export function endAttempt(ctx: ServerContext, attemptId: string, to: Exclude<AttemptStatus, 'paying' | 'paid'>, event: { type: string; data?: Record<string, unknown> }, set: EndSet = {}): Promise<Attempt | undefined> {
  const now = ctx.now();
  return withTransaction(ctx.pool, (c) => endAttemptIn(c, attemptId, to, event, now, set));
}
