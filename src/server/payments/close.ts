/**
 * Ending an open attempt on Alipay, so that nobody can pay its trade after we stop waiting for
 * it: shared by the expiry sweeper, the order close API and the `attempts.close_others` job.
 * Query first (the trade may be paid: then the payment is recorded, never lost), then
 * alipay.trade.close for a waiting trade (alipay-protocol.md §6.10, §6.11). A QR code
 * (precreate) nobody has scanned yet is no trade for Alipay (query and close answer
 * ACQ.TRADE_NOT_EXIST, §6.8) yet stays scannable until it expires, so it is ended with
 * alipay.trade.cancel, the face-to-face call that kills it (action close; or refund, when the
 * buyer paid in the instant between query and cancel: Alipay gives the money back by itself and
 * the attempt ends cancelled):
 *   TRADE_SUCCESS / TRADE_FINISHED with the attempt's amount → recorded paid (record.ts)  'paid'
 *   TRADE_CLOSED, or ACQ.TRADE_NOT_EXIST (a wap/page link never opened; if it is opened later
 *     and paid, the notify records it and, the order being closed or paid, a person or the
 *     duplicate refund takes care of it)                                                'closed'
 *   WAIT_BUYER_PAY → close → closed; close answers ACQ.TRADE_STATUS_ERROR (paid meanwhile) →
 *     query again and record what it says
 *   anything else (timeout, system error, bad signature) → nothing written              'left'
 * Never inside a transaction; never throws for an Alipay problem (the caller retries later).
 */
import { AlipayGatewayError, yuanToFen, type TradeQueryResult } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { raiseOpenAlert } from '../notify/alerts.js';
import { withTransaction } from '../db/tx.js';
import type { Attempt } from './model.js';
import { endAttempt, recordPaid } from './record.js';

export type CloseResult = 'paid' | 'closed' | 'left';

export const isPaidStatus = (s: string | undefined): boolean => s === 'TRADE_SUCCESS' || s === 'TRADE_FINISHED';

const notExist = (err: unknown) => err instanceof AlipayGatewayError && err.subCode === 'ACQ.TRADE_NOT_EXIST' && (err as { verified?: boolean }).verified !== false;

function amountOf(yuan: unknown): number | undefined {
  try {
    return yuanToFen(String(yuan));
  } catch {
    return undefined;
  }
}

/**
 * What a verified alipay.trade.query that says paid means for the attempt: recorded if the
 * amount and trade_no agree, otherwise an alert `query_amount_mismatch` and nothing written.
 */
export async function recordPaidFromQuery(ctx: ServerContext, attempt: Attempt, q: TradeQueryResult, eventType: string): Promise<CloseResult> {
  const mismatch = amountOf(q.total_amount) !== attempt.amountFen ? 'total_amount' : !q.trade_no ? 'trade_no missing' : attempt.tradeNo && attempt.tradeNo !== q.trade_no ? 'trade_no' : undefined;
  if (mismatch) {
    await withTransaction(ctx.pool, (c) => raiseOpenAlert(c, {
      kind: 'query_amount_mismatch',
      orderId: attempt.orderId,
      detail: { via: eventType, mismatch, attempt_id: attempt.id, out_trade_no: attempt.outTradeNo, order_amount: attempt.amountFen, query_total_amount: q.total_amount ?? null, query_trade_no: q.trade_no ?? null, attempt_trade_no: attempt.tradeNo, trade_status: q.trade_status },
      now: ctx.now(),
    }));
    ctx.log.warn({ orderId: attempt.orderId, attemptId: attempt.id, mismatch }, 'trade.query says paid but does not match the attempt: not recorded, alert raised');
    return 'left';
  }
  await recordPaid(ctx, attempt.id, { tradeNo: q.trade_no!, buyerUserId: q.buyer_user_id, buyerOpenId: q.buyer_open_id, paidTime: q.send_pay_date }, eventType, { trade_status: q.trade_status, total_amount: q.total_amount });
  return 'paid';
}

/** Queries the attempt's trade and records paid or closed; 'left' when it is still waiting or unknown. */
export async function settleFromQuery(ctx: ServerContext, attempt: Attempt, eventType: string, reason: string): Promise<CloseResult | 'waiting'> {
  let q: TradeQueryResult;
  try {
    q = await ctx.alipay.api.trade.query({ out_trade_no: attempt.outTradeNo });
  } catch (err) {
    if (notExist(err)) return 'waiting';
    ctx.log.warn({ attemptId: attempt.id, err: describe(err) }, 'trade.query failed');
    return 'left';
  }
  if (isPaidStatus(q.trade_status)) return recordPaidFromQuery(ctx, attempt, q, eventType);
  if (q.trade_status === 'TRADE_CLOSED') {
    await endAttempt(ctx, attempt.id, 'closed', { type: 'attempt.closed', data: { reason, alipay: 'TRADE_CLOSED', trade_no: q.trade_no ?? null } }, q.trade_no && !attempt.tradeNo ? { trade_no: q.trade_no } : {});
    return 'closed';
  }
  return 'waiting';
}

/** Closes the attempt on Alipay (query, then close), recording what Alipay says. */
export async function closeOnAlipay(ctx: ServerContext, attempt: Attempt, reason: string, eventType: string): Promise<CloseResult> {
  try {
    let q: TradeQueryResult | undefined;
    try {
      q = await ctx.alipay.api.trade.query({ out_trade_no: attempt.outTradeNo });
    } catch (err) {
      if (!notExist(err)) throw err;
    }
    if (q && isPaidStatus(q.trade_status)) return await recordPaidFromQuery(ctx, attempt, q, eventType);
    if (attempt.method === 'precreate' && q?.trade_status !== 'TRADE_CLOSED') return await cancelQr(ctx, attempt, reason);
    if (!q || q.trade_status === 'TRADE_CLOSED') {
      const alipay = q ? 'TRADE_CLOSED' : 'TRADE_NOT_EXIST';
      await endAttempt(ctx, attempt.id, 'closed', { type: 'attempt.closed', data: { reason, alipay, trade_no: q?.trade_no ?? null } }, q?.trade_no && !attempt.tradeNo ? { trade_no: q.trade_no } : {});
      return 'closed';
    }
    try {
      await ctx.alipay.api.trade.close({ out_trade_no: attempt.outTradeNo });
    } catch (err) {
      if (notExist(err)) {
        await endAttempt(ctx, attempt.id, 'closed', { type: 'attempt.closed', data: { reason, alipay: 'TRADE_NOT_EXIST' } });
        return 'closed';
      }
      if (err instanceof AlipayGatewayError && err.subCode === 'ACQ.TRADE_STATUS_ERROR') {
        // No longer waiting: the buyer paid (or Alipay closed it) just now. Ask again.
        const again = await settleFromQuery(ctx, attempt, eventType, reason);
        return again === 'waiting' ? 'left' : again;
      }
      throw err;
    }
    await endAttempt(ctx, attempt.id, 'closed', { type: 'attempt.closed', data: { reason, alipay: 'closed', trade_no: q.trade_no ?? null } }, q.trade_no && !attempt.tradeNo ? { trade_no: q.trade_no } : {});
    return 'closed';
  } catch (err) {
    ctx.log.warn({ orderId: attempt.orderId, attemptId: attempt.id, err: describe(err) }, 'could not close the attempt on Alipay; it will be tried again');
    return 'left';
  }
}

/** alipay.trade.cancel of a QR attempt (§6.10): retry_flag Y or an error leaves it for later. */
async function cancelQr(ctx: ServerContext, attempt: Attempt, reason: string): Promise<CloseResult> {
  const r = await ctx.alipay.api.trade.cancel({ out_trade_no: attempt.outTradeNo });
  if (r.retry_flag === 'Y') return 'left';
  const data = { reason, alipay: 'cancel', action: r.action ?? null, trade_no: r.trade_no ?? null };
  await endAttempt(ctx, attempt.id, r.action === 'refund' ? 'cancelled' : 'closed', { type: 'attempt.closed', data }, r.trade_no && !attempt.tradeNo ? { trade_no: r.trade_no } : {});
  return 'closed';
}

export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
