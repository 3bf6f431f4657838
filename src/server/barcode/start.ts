/**
 * Starting a barcode payment (当面付条码): the cashier scanned the buyer's payment code.
 *
 * Persist intent → call → persist outcome (payments-reliability.md §3.5):
 *  1. one transaction (payments/start.ts): a barcode payment attempt with its own out_trade_no
 *     (at most one in flight per order, enforced by the database), the order created → paying,
 *     the event `barcode.started` with the code's last 4 digits, and a durable `barcode.settle`
 *     job due one poll interval later with the deadline in its payload. From here on the job
 *     alone can finish the attempt, so a crash at any later point is resolved by a query or a
 *     cancel (§3.3).
 *  2. alipay.trade.pay, outside any transaction.
 *  3. the answer, recorded with a compare-and-set from paying (the job, a notify or a close may
 *     have moved the attempt already; then nothing is written):
 *     10000 with the order's amount → paid (attempt and order); 10003 → stays paying
 *     (`barcode.waiting`, the job polls); a definite refusal → the attempt fails with Alipay's
 *     sub_code/sub_msg for the clerk (plus a `barcode.void` cancel job when Alipay had identified
 *     the buyer, see outcome.ts) and the order stays open for another scan; anything uncertain
 *     (20000, ACQ.SYSTEM_ERROR, an unverified answer, a timeout, a request that never left) →
 *     stays paying (`barcode.unknown`) and the job resolves it. pay is never sent twice.
 */
import { fenToYuan } from '../../alipay/index.js';
import type { TradePayResult } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { enqueue } from '../db/jobs.js';
import { crashPoint } from '../crash.js';
import type { Attempt } from '../payments/model.js';
import { getAttempt } from '../payments/repo.js';
import { endAttemptIn } from '../payments/record.js';
import { withTransaction } from '../db/tx.js';
import { startAttempt } from '../payments/start.js';
import {
  SETTLE_JOB, VOID_JOB, classifyPayError, confirmPaid, last4, noteWhilePaying, settleKey, voidKey, type SettlePayload, type VoidPayload,
} from './outcome.js';

/** Starts a barcode attempt of the order and charges the code; returns the attempt as it then stands. */
export async function startBarcodePayment(ctx: ServerContext, orderId: string, authCode: string): Promise<Attempt> {
  const now = ctx.now();
  const deadline = new Date(now.getTime() + ctx.config.barcode.deadlineMs);
  const { order, attempt: started } = await startAttempt(ctx, orderId, 'barcode', {
    eventType: 'barcode.started',
    eventData: { auth_code_last4: last4(authCode), deadline: deadline.toISOString() },
    inTransaction: async (c, attempt) => {
      const payload: SettlePayload = { orderId, attemptId: attempt.id, deadline: deadline.toISOString() };
      await enqueue(c, { kind: SETTLE_JOB, uniqueKey: settleKey(attempt.id), runAt: new Date(now.getTime() + ctx.config.barcode.pollIntervalMs), payload });
    },
  });

  crashPoint('barcode.after_paying_commit');
  let result: TradePayResult;
  try {
    result = await ctx.alipay.api.trade.pay(
      { out_trade_no: started.outTradeNo, scene: 'bar_code', auth_code: authCode, subject: order.subject, total_amount: fenToYuan(started.amountFen) },
      { notifyUrl: `${ctx.publicBaseUrl}/notify/alipay` },
    );
    crashPoint('barcode.after_alipay_pay');
  } catch (err) {
    try {
      await recordFailure(ctx, started, err, authCode);
    } catch (recordErr) {
      // The attempt is paying and its job is queued: the job settles it.
      ctx.log.error({ err: recordErr, order: orderId }, 'barcode: could not record the pay outcome; the settle job will resolve it');
    }
    return (await getAttempt(ctx.pool, started.id))!;
  }

  try {
    if (result.code === '10000') {
      const r = await confirmPaid(ctx, started, { tradeNo: result.trade_no, totalAmount: result.total_amount, buyerUserId: result.buyer_user_id, buyerOpenId: result.buyer_open_id, paidTime: result.gmt_payment }, 'pay');
      if (r.kind === 'incomplete') await noteWhilePaying(ctx, started.id, 'barcode.unknown', { reason: 'incomplete-answer', code: '10000' });
      // mismatch: alerted; the job keeps the attempt from staying open (it cancels at the deadline).
    } else {
      await noteWhilePaying(
        ctx,
        started.id,
        'barcode.waiting',
        { code: result.code, trade_no: result.trade_no ?? null },
        // trade_no is fixed once known (the schema refuses a change): keep it as soon as Alipay names it.
        result.trade_no ? { trade_no: result.trade_no, ...(result.buyer_user_id ? { buyer_user_id: result.buyer_user_id } : {}), ...(result.buyer_open_id ? { buyer_open_id: result.buyer_open_id } : {}) } : undefined,
      );
    }
  } catch (recordErr) {
    ctx.log.error({ err: recordErr, order: orderId }, 'barcode: could not record the pay answer; the settle job will resolve it');
  }
  return (await getAttempt(ctx.pool, started.id))!;
}

async function recordFailure(ctx: ServerContext, attempt: Attempt, err: unknown, authCode: string): Promise<void> {
  const f = classifyPayError(err, authCode);
  if (f.kind === 'unknown') {
    if (f.reason === 'error' || f.reason === 'unexpected-code') ctx.log.error({ order: attempt.orderId, reason: f.reason, detail: f.detail }, 'barcode: unexpected answer to alipay.trade.pay');
    await noteWhilePaying(ctx, attempt.id, 'barcode.unknown', { reason: f.reason, ...f.detail });
    return;
  }
  // The attempt fails; the order stays open, so the clerk can scan again (after a top-up, say).
  const now = ctx.now();
  await withTransaction(ctx.pool, async (c) => {
    const failed = await endAttemptIn(c, attempt.id, 'failed', { type: 'barcode.failed', data: { code: f.code, message: f.message, gateway_code: f.gatewayCode, void_trade: f.voidTrade } }, now, { failure: { code: f.code, message: f.message } });
    if (failed && f.voidTrade) {
      const payload: VoidPayload = { orderId: attempt.orderId, attemptId: attempt.id };
      await enqueue(c, { kind: VOID_JOB, uniqueKey: voidKey(attempt.id), runAt: now, payload });
    }
  });
}
