/**
 * The `barcode.settle` job: brings a paying barcode order to paid or cancelled
 * (payments-reliability.md §3.3, §3.5; alipay-protocol.md §6.9, §6.10).
 *
 * Poll phase, every barcode.pollIntervalMs until the deadline in the payload:
 *   alipay.trade.query → TRADE_SUCCESS / TRADE_FINISHED with the order's amount → paid;
 *   TRADE_CLOSED → cancelled; WAIT_BUYER_PAY, ACQ.TRADE_NOT_EXIST or an error → poll again.
 *   Each change of what the query shows is a `barcode.poll` event.
 * At the deadline (right after that run's query, with no gap, as Alipay asks) — or at once when
 * the pay request provably never left this process and Alipay knows no trade — the cancel phase:
 *   `barcode.cancel_requested`, then alipay.trade.cancel, repeated after a short delay while
 *   retry_flag is Y, on transport errors and on 20000 / ACQ.SYSTEM_ERROR (`barcode.cancel_retry`);
 *   then paying → cancelled with Alipay's `action` (`close`: it was unpaid; `refund`: it had been
 *   paid in the meantime and Alipay gave the money back — documented cancel behaviour).
 *   A cancel Alipay refuses for good (ACQ.TRADE_CANCEL_TIME_OUT, ACQ.TRADE_HAS_FINISHED, …) is
 *   followed by a query: paid with the right amount → paid, closed → cancelled, otherwise an
 *   alert for a person and another try later. A cancel still failing after a minute raises an
 *   alert too, and keeps being retried.
 * The job stops as soon as the order is no longer paying (a notify or the close API settled it).
 */
import { AlipayGatewayError, AlipaySignatureError, AlipayTransportError } from '../../alipay/index.js';
import type { TradeQueryResult } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import type { Job, JobHandler, RunAgain } from '../db/jobs.js';
import { withTransaction } from '../db/tx.js';
import { getOrder } from '../orders/repo.js';
import type { Order } from '../orders/model.js';
import { confirmPaid, markCancelled, noteWhilePaying, raiseAlert, type SettlePayload } from './outcome.js';

/** Alipay's F2F demo repeats a cancel every 2 s; never slower than the poll interval. */
const CANCEL_RETRY_MS = 2000;
/** After this long in the cancel phase a person is told (§4.1: "cancel retried for about 1 min"). */
const CANCEL_ALERT_AFTER_MS = 60_000;
/** How often a stuck cancel is tried after that. */
const CANCEL_SLOW_RETRY_MS = 30_000;

type Seen =
  | { kind: 'paid'; label: string; q: TradeQueryResult }
  | { kind: 'closed'; label: string; q: TradeQueryResult }
  | { kind: 'open'; label: string };

/** What alipay.trade.query says about the order's trade. Throws only for non-Alipay errors. */
export async function queryTrade(ctx: ServerContext, order: Order): Promise<Seen> {
  try {
    const q = await ctx.alipay.api.trade.query({ out_trade_no: order.outTradeNo });
    const status = q.trade_status ?? 'UNKNOWN';
    if (status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED') return { kind: 'paid', label: status, q };
    if (status === 'TRADE_CLOSED') return { kind: 'closed', label: status, q };
    return { kind: 'open', label: status };
  } catch (err) {
    if (err instanceof AlipayGatewayError) return { kind: 'open', label: err.subCode === 'ACQ.TRADE_NOT_EXIST' && (err as { verified?: boolean }).verified === true ? 'TRADE_NOT_EXIST' : `error:${err.subCode ?? err.gatewayCode}` };
    if (err instanceof AlipayTransportError || err instanceof AlipaySignatureError) return { kind: 'open', label: `error:${err.code}` };
    throw err;
  }
}

const factsOf = (q: TradeQueryResult) => ({ tradeNo: q.trade_no, totalAmount: q.total_amount, buyerUserId: q.buyer_user_id, buyerOpenId: q.buyer_open_id, paidTime: q.send_pay_date });

export function settleHandler(ctx: ServerContext): JobHandler {
  return async (job: Job): Promise<void | RunAgain> => {
    const p = job.payload as SettlePayload;
    const order = await getOrder(ctx.pool, p.orderId);
    if (!order || order.status !== 'paying' || order.channel !== 'barcode') return; // settled elsewhere
    if (p.phase === 'cancel') return cancelStep(ctx, order, p);

    const seen = await queryTrade(ctx, order);
    let label = seen.label;
    if (seen.kind === 'paid') {
      const r = await confirmPaid(ctx, order, factsOf(seen.q), 'query');
      if (r.kind === 'paid' || r.kind === 'moved') return;
      label = `${seen.label}:${r.kind}`; // an amount that does not match is not a payment of this order
    }
    if (seen.kind === 'closed') {
      await markCancelled(ctx, order, { via: 'query', trade_status: 'TRADE_CLOSED', trade_no: seen.q.trade_no ?? null });
      return;
    }
    if (label !== p.lastSeen) await noteWhilePaying(ctx, order.id, 'barcode.poll', { trade_status: label });

    const now = ctx.now();
    const notSent = label === 'TRADE_NOT_EXIST' && (await payNeverSent(ctx, order.id));
    if (now.getTime() < new Date(p.deadline).getTime() && !notSent) {
      return { rescheduleAt: new Date(now.getTime() + ctx.config.barcode.pollIntervalMs), payload: { ...p, lastSeen: label } };
    }
    // Time is up: cancel right after this last query.
    const moved = !(await noteWhilePaying(ctx, order.id, 'barcode.cancel_requested', { reason: notSent ? 'pay-not-sent' : 'deadline', last_seen: label }));
    if (moved) return;
    return cancelStep(ctx, order, { ...p, phase: 'cancel', lastSeen: label, cancelSince: now.toISOString(), cancelTries: 0 });
  };
}

/** True when the pay request provably never reached Alipay (transport 'not-sent'). */
async function payNeverSent(ctx: ServerContext, orderId: string): Promise<boolean> {
  const { rows } = await ctx.pool.query(
    `SELECT 1 FROM order_events WHERE order_id = $1 AND type = 'barcode.unknown' AND data->>'reason' = 'not-sent' LIMIT 1`,
    [orderId],
  );
  return rows.length > 0;
}

async function cancelStep(ctx: ServerContext, order: Order, p: SettlePayload): Promise<void | RunAgain> {
  const tries = (p.cancelTries ?? 0) + 1;
  try {
    const r = await ctx.alipay.api.trade.cancel({ out_trade_no: order.outTradeNo });
    if (r.retry_flag === 'Y') return retryCancel(ctx, order, p, tries, { reason: 'retry_flag', action: r.action ?? null });
    await markCancelled(ctx, order, { via: 'cancel', action: r.action ?? null, trade_no: r.trade_no ?? null, gmt_refund_pay: r.gmt_refund_pay ?? null, attempts: tries });
    return;
  } catch (err) {
    if (err instanceof AlipayTransportError || err instanceof AlipaySignatureError) return retryCancel(ctx, order, p, tries, { reason: err.code });
    if (err instanceof AlipayGatewayError) {
      const verified = (err as { verified?: boolean }).verified === true;
      if (err.retryable || !verified) return retryCancel(ctx, order, p, tries, { reason: err.subCode ?? err.gatewayCode });
      return cancelRefused(ctx, order, p, tries, err);
    }
    throw err;
  }
}

async function retryCancel(ctx: ServerContext, order: Order, p: SettlePayload, tries: number, why: Record<string, unknown>): Promise<RunAgain | void> {
  const now = ctx.now();
  const since = p.cancelSince ? new Date(p.cancelSince) : now;
  const stuck = now.getTime() - since.getTime() >= CANCEL_ALERT_AFTER_MS;
  if (!stuck) {
    if (!(await noteWhilePaying(ctx, order.id, 'barcode.cancel_retry', { attempt: tries, ...why }))) return;
  } else {
    const raised = await withTransaction(ctx.pool, (c) => raiseAlert(c, 'barcode_cancel_stuck', order.id, { out_trade_no: order.outTradeNo, since: since.toISOString(), attempts: tries, ...why }, now));
    if (raised) await noteWhilePaying(ctx, order.id, 'barcode.cancel_stuck', { attempt: tries, ...why });
  }
  const delay = stuck ? CANCEL_SLOW_RETRY_MS : Math.min(CANCEL_RETRY_MS, ctx.config.barcode.pollIntervalMs);
  return { rescheduleAt: new Date(now.getTime() + delay), payload: { ...p, phase: 'cancel', cancelTries: tries, cancelSince: since.toISOString() } };
}

/** Alipay refused the cancel for good: find out what the trade is and settle on that. */
async function cancelRefused(ctx: ServerContext, order: Order, p: SettlePayload, tries: number, err: AlipayGatewayError): Promise<RunAgain | void> {
  const refusal = { sub_code: err.subCode ?? err.gatewayCode, sub_msg: err.subMsg ?? null };
  const seen = await queryTrade(ctx, order);
  if (seen.kind === 'paid') {
    const r = await confirmPaid(ctx, order, factsOf(seen.q), 'query', { cancel_refused: refusal.sub_code });
    if (r.kind === 'paid' || r.kind === 'moved') return;
  }
  if (seen.kind === 'closed') {
    await markCancelled(ctx, order, { via: 'query', trade_status: 'TRADE_CLOSED', cancel_refused: refusal.sub_code });
    return;
  }
  const now = ctx.now();
  const raised = await withTransaction(ctx.pool, (c) => raiseAlert(c, 'barcode_cancel_refused', order.id, { out_trade_no: order.outTradeNo, ...refusal, trade_status: seen.label }, now));
  if (raised) await noteWhilePaying(ctx, order.id, 'barcode.cancel_refused', { attempt: tries, ...refusal, trade_status: seen.label });
  return { rescheduleAt: new Date(now.getTime() + CANCEL_SLOW_RETRY_MS), payload: { ...p, phase: 'cancel', cancelTries: tries } };
}
