/**
 * Talking to Alipay about one refund, and recording what it said. Never inside a transaction:
 * each database step is its own short transaction before or after the network call
 * (payments-reliability.md §3.5: persist intent → call → persist outcome).
 *
 *  - sendRefund: alipay.trade.refund with the refund's own out_request_no and amount (the first
 *    call and every retry alike, so Alipay refunds at most once), then, when fund_change is not
 *    "Y", alipay.trade.fastpay.refund.query to confirm (§3.4, alipay-protocol.md §6.12–6.13);
 *  - queryRefund: the refund query alone (what the confirm job does first);
 *  - recordOutcome: succeeded / failed by compare-and-set with an order event, or a note of why
 *    it is still unresolved.
 */
import { fenToYuan } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import { crashPoint } from '../crash.js';
import { getRefund, noteUnresolved, transitionRefund } from './repo.js';
import type { Refund } from './model.js';
import { fromQueryAnswer, fromRefundAnswer, fromRefundError, queryError, type Outcome } from './outcome.js';

/** `outTradeNo`: of the attempt whose trade is refunded (refund.attemptId). */
export async function queryRefund(ctx: ServerContext, outTradeNo: string, refund: Refund): Promise<Outcome> {
  try {
    const answer = await ctx.alipay.api.trade.refundQuery({ out_trade_no: outTradeNo, out_request_no: refund.outRequestNo });
    return fromQueryAnswer(answer, refund);
  } catch (err) {
    return queryError(err);
  }
}

export async function sendRefund(ctx: ServerContext, outTradeNo: string, refund: Refund): Promise<Outcome> {
  let answer;
  try {
    answer = await ctx.alipay.api.trade.refund({
      out_trade_no: outTradeNo,
      refund_amount: fenToYuan(refund.amountFen),
      out_request_no: refund.outRequestNo,
      ...(refund.reason ? { refund_reason: refund.reason } : {}),
    });
    crashPoint('refund.after_alipay_refund');
  } catch (err) {
    return fromRefundError(err);
  }
  const direct = fromRefundAnswer(answer);
  if (direct) return direct;
  // 10000 does not mean money moved (fund_change N: e.g. a repeat of a request no. already done).
  const fundChange = answer.fund_change === 'N' ? 'N' : undefined;
  const confirmed = await queryRefund(ctx, outTradeNo, refund);
  if (confirmed.kind === 'succeeded') return { ...confirmed, fundChange };
  return { kind: 'unknown', reason: `alipay.trade.refund answered 10000 with fund_change ${answer.fund_change ?? '(absent)'}; ${confirmed.kind === 'unknown' ? confirmed.reason : 'not confirmed'}` };
}

/** Writes the outcome and returns the refund as it now stands. `by` names who called (api, job). */
export async function recordOutcome(ctx: ServerContext, refund: Refund, outcome: Outcome, by: string): Promise<Refund> {
  const now = ctx.now();
  if (outcome.kind === 'succeeded') {
    await withTransaction(ctx.pool, (c) =>
      transitionRefund(c, refund.id, {
        from: ['pending', 'processing'],
        to: 'succeeded',
        set: { ...(outcome.fundChange ? { fund_change: outcome.fundChange } : {}), gmt_refund_pay: outcome.refundedAt ?? now, last_error: null },
        event: { type: 'refund.succeeded', data: { via: outcome.via, fund_change: outcome.fundChange ?? null, by } },
        now,
      }),
    );
    ctx.log.info({ order_id: refund.orderId, refund_id: refund.id, out_request_no: refund.outRequestNo, via: outcome.via, by }, 'refund succeeded');
  } else if (outcome.kind === 'failed') {
    const f = outcome.failure;
    await withTransaction(ctx.pool, (c) =>
      transitionRefund(c, refund.id, {
        from: ['pending', 'processing'],
        to: 'failed',
        set: { last_error: JSON.stringify({ kind: 'failed', ...f }) },
        event: { type: 'refund.failed', data: { code: f.code, msg: f.msg, sub_code: f.sub_code ?? null, sub_msg: f.sub_msg ?? null, by } },
        now,
      }),
    );
    ctx.log.warn({ order_id: refund.orderId, refund_id: refund.id, out_request_no: refund.outRequestNo, sub_code: f.sub_code, by }, 'refund failed');
  } else {
    await noteUnresolved(ctx.pool, refund.id, outcome.reason, now);
    ctx.log.warn({ order_id: refund.orderId, refund_id: refund.id, out_request_no: refund.outRequestNo, reason: outcome.reason, by }, 'refund outcome not known yet');
  }
  return (await getRefund(ctx.pool, refund.id)) ?? refund;
}
