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
 * The job stops as soon as the attempt is no longer paying (a notify or the close API settled
 * it). When the order stops being open meanwhile (paid another way, or closed), the attempt goes
 * straight to the cancel phase: nobody waits for this trade any more, and a cancel gives back a
 * payment that went through all the same.
 */
import { AlipayGatewayError, AlipaySignatureError, AlipayTransportError } from '../../alipay/index.js';
import type { TradeQueryResult } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import type { Job, JobHandler, RunAgain } from '../db/jobs.js';
import { withTransaction } from '../db/tx.js';
import { getOrder } from '../orders/repo.js';
import type { Attempt } from '../payments/model.js';
import { confirmPaid, jobAttempt, markCancelled, noteWhilePaying, raiseAlert, type SettlePayload } from './outcome.js';

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
export async function queryTrade(ctx: ServerContext, attempt: Attempt): Promise<Seen> {
  try {
    const q = await ctx.alipay.api.trade.query({ out_trade_no: attempt.outTradeNo });
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
    const attempt = await jobAttempt(ctx, p);
    if (!attempt || attempt.status !== 'paying' || attempt.method !== 'barcode') return; // settled elsewhere
    if (p.phase === 'cancel') return cancelStep(ctx, attempt, p);

    const order = await getOrder(ctx.pool, attempt.orderId);
    const orderOpen = order?.status === 'created' || order?.status === 'paying';
    const seen = await queryTrade(ctx, attempt);
    let label = seen.label;
    if (seen.kind === 'paid' && orderOpen) {
      const r = await confirmPaid(ctx, attempt, factsOf(seen.q), 'query');
      if (r.kind === 'paid' || r.kind === 'moved') return;
      label = `${seen.label}:${r.kind}`; // an amount that does not match is not a payment of this order
    }
    if (seen.kind === 'closed') {
      await markCancelled(ctx, attempt, { via: 'query', trade_status: 'TRADE_CLOSED', trade_no: seen.q.trade_no ?? null });
      return;
    }
    if (label !== p.lastSeen) await noteWhilePaying(ctx, attempt.id, 'barcode.poll', { trade_status: label });

    const now = ctx.now();
    const notSent = label === 'TRADE_NOT_EXIST' && (await payNeverSent(ctx, attempt.id));
    if (now.getTime() < new Date(p.deadline).getTime() && !notSent && orderOpen) {
      return { rescheduleAt: new Date(now.getTime() + ctx.config.barcode.pollIntervalMs), payload: { ...p, lastSeen: label } };
    }
    // Time is up (or nobody waits for this trade any more): cancel right after this last query.
    const reason = !orderOpen ? `order-${order?.status ?? 'gone'}` : notSent ? 'pay-not-sent' : 'deadline';
    const moved = !(await noteWhilePaying(ctx, attempt.id, 'barcode.cancel_requested', { reason, last_seen: label }));
    if (moved) return;
    return cancelStep(ctx, attempt, { ...p, phase: 'cancel', lastSeen: label, cancelSince: now.toISOString(), cancelTries: 0 });
  };
}

/** True when the pay request provably never reached Alipay (transport 'not-sent'). */
async function payNeverSent(ctx: ServerContext, attemptId: string): Promise<boolean> {
  const { rows } = await ctx.pool.query(
    `SELECT 1 FROM order_events WHERE attempt_id = $1 AND type = 'barcode.unknown' AND data->>'reason' = 'not-sent' LIMIT 1`,
    [attemptId],
  );
  return rows.length > 0;
}

async function cancelStep(ctx: ServerContext, attempt: Attempt, p: SettlePayload): Promise<void | RunAgain> {
  const tries = (p.cancelTries ?? 0) + 1;
  try {
    const r = await ctx.alipay.api.trade.cancel({ out_trade_no: attempt.outTradeNo });
    if (r.retry_flag === 'Y') return retryCancel(ctx, attempt, p, tries, { reason: 'retry_flag', action: r.action ?? null });
    await markCancelled(ctx, attempt, { via: 'cancel', action: r.action ?? null, trade_no: r.trade_no ?? null, gmt_refund_pay: r.gmt_refund_pay ?? null, attempts: tries });
    return;
  } catch (err) {
    if (err instanceof AlipayTransportError || err instanceof AlipaySignatureError) return retryCancel(ctx, attempt, p, tries, { reason: err.code });
    if (err instanceof AlipayGatewayError) {
      const verified = (err as { verified?: boolean }).verified === true;
      if (err.retryable || !verified) return retryCancel(ctx, attempt, p, tries, { reason: err.subCode ?? err.gatewayCode });
      return cancelRefused(ctx, attempt, p, tries, err);
    }
    throw err;
  }
}

async function retryCancel(ctx: ServerContext, attempt: Attempt, p: SettlePayload, tries: number, why: Record<string, unknown>): Promise<RunAgain | void> {
  const now = ctx.now();
  const since = p.cancelSince ? new Date(p.cancelSince) : now;
  const stuck = now.getTime() - since.getTime() >= CANCEL_ALERT_AFTER_MS;
  if (!stuck) {
    if (!(await noteWhilePaying(ctx, attempt.id, 'barcode.cancel_retry', { attempt: tries, ...why }))) return;
  } else {
    const raised = await withTransaction(ctx.pool, (c) => raiseAlert(c, 'barcode_cancel_stuck', attempt.orderId, { out_trade_no: attempt.outTradeNo, since: since.toISOString(), attempts: tries, ...why }, now));
    if (raised) await noteWhilePaying(ctx, attempt.id, 'barcode.cancel_stuck', { attempt: tries, ...why });
  }
  const delay = stuck ? CANCEL_SLOW_RETRY_MS : Math.min(CANCEL_RETRY_MS, ctx.config.barcode.pollIntervalMs);
  return { rescheduleAt: new Date(now.getTime() + delay), payload: { ...p, phase: 'cancel', cancelTries: tries, cancelSince: since.toISOString() } };
}

/** Alipay refused the cancel for good: find out what the trade is and settle on that. */
async function cancelRefused(ctx: ServerContext, attempt: Attempt, p: SettlePayload, tries: number, err: AlipayGatewayError): Promise<RunAgain | void> {
  const refusal = { sub_code: err.subCode ?? err.gatewayCode, sub_msg: err.subMsg ?? null };
  const seen = await queryTrade(ctx, attempt);
  if (seen.kind === 'paid') {
    const r = await confirmPaid(ctx, attempt, factsOf(seen.q), 'query', { cancel_refused: refusal.sub_code });
    if (r.kind === 'paid' || r.kind === 'moved') return;
  }
  if (seen.kind === 'closed') {
    await markCancelled(ctx, attempt, { via: 'query', trade_status: 'TRADE_CLOSED', cancel_refused: refusal.sub_code });
    return;
  }
  const now = ctx.now();
  const raised = await withTransaction(ctx.pool, (c) => raiseAlert(c, 'barcode_cancel_refused', attempt.orderId, { out_trade_no: attempt.outTradeNo, ...refusal, trade_status: seen.label }, now));
  if (raised) await noteWhilePaying(ctx, attempt.id, 'barcode.cancel_refused', { attempt: tries, ...refusal, trade_status: seen.label });
  return { rescheduleAt: new Date(now.getTime() + CANCEL_SLOW_RETRY_MS), payload: { ...p, phase: 'cancel', cancelTries: tries } };
}
