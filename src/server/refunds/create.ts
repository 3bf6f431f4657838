/**
 * Requesting a refund (payments-reliability.md §3.4, §3.5):
 *  1. one transaction: the refund row (status pending, its out_request_no chosen now), which
 *     reserves the amount on the order (trigger) — the CHECK orders_refund_bounds refuses a
 *     reservation beyond the paid amount, so concurrent refunds can never together exceed it —,
 *     the order event refund.requested, and the durable job refund.confirm (runs after
 *     refundConfirmDelayMs, so a crash after the Alipay call is still resolved);
 *  2. pending → processing (event refund.processing), committed before Alipay is called, so a
 *     crash leaves the refund visibly in flight;
 *  3. alipay.trade.refund, then the outcome (attempt.ts).
 */
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import { crashPoint } from '../crash.js';
import { enqueue } from '../db/jobs.js';
import { conflict, notFound, type Problem } from '../http/problem.js';
import { appendEvent, getOrder } from '../orders/repo.js';
import type { Order } from '../orders/model.js';
import { getRefund, insertRefund, transitionRefund } from './repo.js';
import { getAttempt } from '../payments/repo.js';
import type { Refund } from './model.js';
import { recordOutcome, sendRefund } from './attempt.js';

export const REFUND_CONFIRM_JOB = 'refund.confirm';
export const DEFAULT_REFUND_CONFIRM_DELAY_MS = 10_000;

export const confirmDelayMs = (ctx: ServerContext): number => ctx.config.refundConfirmDelayMs ?? DEFAULT_REFUND_CONFIRM_DELAY_MS;

function exceeds(orderId: string, amountFen: number, order: Order | undefined): Problem {
  const refundable = order && order.status === 'paid' ? order.amountFen - order.refundReservedFen : 0;
  return conflict('refund-exceeds-refundable', `amount: ${amountFen} fen is more than the ${refundable} fen still refundable on order ${orderId} (paid amount minus what is refunded or being refunded)`, { field: 'amount', amount_refundable: refundable });
}

const notPaid = (order: Order) => conflict('order-not-paid', `order ${order.id} is ${order.status}; only a paid order can be refunded`, { order_status: order.status });

/** Step 1: the refund row, its event and its confirm job, in one transaction. */
export async function requestRefund(ctx: ServerContext, orderId: string, input: { amountFen: number; reason?: string }): Promise<Refund> {
  const now = ctx.now();
  try {
    return await withTransaction(ctx.pool, async (c) => {
      const order = await getOrder(c, orderId);
      if (!order) throw notFound(`no order ${orderId}`);
      if (order.status !== 'paid') throw notPaid(order);
      // The quick answer; the CHECK on the order decides when requests race.
      if (input.amountFen > order.amountFen - order.refundReservedFen) throw exceeds(orderId, input.amountFen, order);
      // A merchant refund gives back money of the trade that paid the order.
      const refund = await insertRefund(c, { orderId, attemptId: order.paidAttemptId!, amountFen: input.amountFen, reason: input.reason, now });
      await appendEvent(c, orderId, 'refund.requested', { refund_id: refund.id, out_request_no: refund.outRequestNo, amount: refund.amountFen, reason: refund.reason, status: 'pending' }, now);
      await enqueue(c, { kind: REFUND_CONFIRM_JOB, payload: { refundId: refund.id }, uniqueKey: `refund:${refund.id}`, runAt: new Date(now.getTime() + confirmDelayMs(ctx)) });
      return refund;
    });
  } catch (err) {
    const constraint = (err as { constraint?: unknown }).constraint;
    if (constraint === 'orders_refund_bounds') throw exceeds(orderId, input.amountFen, await getOrder(ctx.pool, orderId));
    if (constraint === 'orders_refund_only_paid') {
      const order = await getOrder(ctx.pool, orderId);
      if (order) throw notPaid(order);
    }
    throw err;
  }
}

/**
 * Steps 2 and 3. Never throws: once the refund row is committed the caller must answer with it
 * (a 5xx would let a retry with the same Idempotency-Key create a second refund), so anything
 * that goes wrong here leaves the refund to its confirm job and answers its current state.
 */
export async function startRefund(ctx: ServerContext, refund: Refund): Promise<Refund> {
  try {
    const attempt = await getAttempt(ctx.pool, refund.attemptId);
    if (!attempt) throw new Error(`payment attempt ${refund.attemptId} vanished`);
    const now = ctx.now();
    const sending = await withTransaction(ctx.pool, (c) =>
      transitionRefund(c, refund.id, { from: ['pending'], to: 'processing', countAttempt: true, event: { type: 'refund.processing', data: { attempt: 1, by: 'api' } }, now }),
    );
    // Not pending any more: the confirm job got to it first and owns it.
    if (!sending) return (await getRefund(ctx.pool, refund.id)) ?? refund;
    crashPoint('refund.after_row_commit');
    const outcome = await sendRefund(ctx, attempt.outTradeNo, sending);
    return await recordOutcome(ctx, sending, outcome, 'api');
  } catch (err) {
    ctx.log.error({ err, order_id: refund.orderId, refund_id: refund.id }, 'refund: left to the confirm job');
    try {
      return (await getRefund(ctx.pool, refund.id)) ?? refund;
    } catch {
      return refund;
    }
  }
}
