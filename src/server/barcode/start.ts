/**
 * Starting a barcode payment (当面付条码): the cashier scanned the buyer's payment code.
 *
 * Persist intent → call → persist outcome (payments-reliability.md §3.5):
 *  1. one transaction: compare-and-set created → paying (channel barcode, event
 *     `barcode.started` with the code's last 4 digits) and a durable `barcode.settle` job due one
 *     poll interval later with the deadline in its payload. From here on the job alone can finish
 *     the order, so a crash at any later point is resolved by a query or a cancel (§3.3).
 *  2. alipay.trade.pay, outside any transaction.
 *  3. the answer, recorded with a compare-and-set from paying (the job, a notify or a close may
 *     have moved the order already; then nothing is written):
 *     10000 with the order's amount → paid; 10003 → stays paying (`barcode.waiting`, the job
 *     polls); a definite refusal → failed with Alipay's sub_code/sub_msg for the clerk (plus a
 *     `barcode.void` cancel job when Alipay had identified the buyer, see outcome.ts); anything
 *     uncertain (20000, ACQ.SYSTEM_ERROR, an unverified answer, a timeout, a request that never
 *     left) → stays paying (`barcode.unknown`) and the job resolves it. pay is never sent twice.
 */
import { fenToYuan } from '../../alipay/index.js';
import type { TradePayResult } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { enqueue } from '../db/jobs.js';
import { withTransaction } from '../db/tx.js';
import { crashPoint } from '../crash.js';
import { conflict, notFound } from '../http/problem.js';
import { getOrder, transition } from '../orders/repo.js';
import type { Order } from '../orders/model.js';
import {
  SETTLE_JOB, VOID_JOB, classifyPayError, confirmPaid, last4, noteWhilePaying, settleKey, voidKey, type SettlePayload, type VoidPayload,
} from './outcome.js';

export async function startBarcodePayment(ctx: ServerContext, orderId: string, authCode: string): Promise<Order> {
  const current = await getOrder(ctx.pool, orderId);
  if (!current) throw notFound(`no order ${orderId}`);
  const now = ctx.now();
  if (current.status === 'created' && current.expiresAt.getTime() <= now.getTime()) {
    throw conflict('order-expired', `order ${orderId} expired at ${current.expiresAt.toISOString()}; create a new order to take the payment`, { order_status: current.status });
  }
  const deadline = new Date(now.getTime() + ctx.config.barcode.deadlineMs);
  const started = await withTransaction(ctx.pool, async (c) => {
    const o = await transition(c, orderId, {
      from: ['created'],
      to: 'paying',
      set: { channel: 'barcode' },
      event: { type: 'barcode.started', data: { auth_code_last4: last4(authCode), amount: current.amountFen, deadline: deadline.toISOString() } },
      now,
    });
    if (!o) return undefined;
    const payload: SettlePayload = { orderId, deadline: deadline.toISOString() };
    await enqueue(c, { kind: SETTLE_JOB, uniqueKey: settleKey(orderId), runAt: new Date(now.getTime() + ctx.config.barcode.pollIntervalMs), payload });
    return o;
  });
  if (!started) {
    const o = (await getOrder(ctx.pool, orderId))!;
    const why = o.status === 'paying' ? 'a payment is already in progress; follow it with GET' : 'it is final; create a new order to take another payment';
    throw conflict('order-not-payable', `order ${orderId} is ${o.status}: ${why}`, { order_status: o.status });
  }

  crashPoint('barcode.after_paying_commit');
  let result: TradePayResult;
  try {
    result = await ctx.alipay.api.trade.pay(
      { out_trade_no: started.outTradeNo, scene: 'bar_code', auth_code: authCode, subject: started.subject, total_amount: fenToYuan(started.amountFen) },
      { notifyUrl: `${ctx.publicBaseUrl}/notify/alipay` },
    );
    crashPoint('barcode.after_alipay_pay');
  } catch (err) {
    try {
      await recordFailure(ctx, started, err, authCode);
    } catch (recordErr) {
      // The order is paying and its job is queued: the job settles it.
      ctx.log.error({ err: recordErr, order: orderId }, 'barcode: could not record the pay outcome; the settle job will resolve it');
    }
    return (await getOrder(ctx.pool, orderId))!;
  }

  try {
    if (result.code === '10000') {
      const r = await confirmPaid(ctx, started, { tradeNo: result.trade_no, totalAmount: result.total_amount, buyerUserId: result.buyer_user_id, buyerOpenId: result.buyer_open_id, paidTime: result.gmt_payment }, 'pay');
      if (r.kind === 'incomplete') await noteWhilePaying(ctx, orderId, 'barcode.unknown', { reason: 'incomplete-answer', code: '10000' });
      // mismatch: alerted; the job keeps the order from staying open (it cancels at the deadline).
    } else {
      await noteWhilePaying(
        ctx,
        orderId,
        'barcode.waiting',
        { code: result.code, trade_no: result.trade_no ?? null },
        // trade_no is fixed once known (the schema refuses a change): keep it as soon as Alipay names it.
        result.trade_no ? { trade_no: result.trade_no, ...(result.buyer_user_id ? { buyer_user_id: result.buyer_user_id } : {}), ...(result.buyer_open_id ? { buyer_open_id: result.buyer_open_id } : {}) } : undefined,
      );
    }
  } catch (recordErr) {
    ctx.log.error({ err: recordErr, order: orderId }, 'barcode: could not record the pay answer; the settle job will resolve it');
  }
  return (await getOrder(ctx.pool, orderId))!;
}

async function recordFailure(ctx: ServerContext, order: Order, err: unknown, authCode: string): Promise<void> {
  const f = classifyPayError(err, authCode);
  if (f.kind === 'unknown') {
    if (f.reason === 'error' || f.reason === 'unexpected-code') ctx.log.error({ order: order.id, reason: f.reason, detail: f.detail }, 'barcode: unexpected answer to alipay.trade.pay');
    await noteWhilePaying(ctx, order.id, 'barcode.unknown', { reason: f.reason, ...f.detail });
    return;
  }
  const now = ctx.now();
  await withTransaction(ctx.pool, async (c) => {
    const failed = await transition(c, order.id, {
      from: ['paying'],
      to: 'failed',
      set: { closed_at: now },
      event: { type: 'barcode.failed', data: { code: f.code, message: f.message, gateway_code: f.gatewayCode, void_trade: f.voidTrade } },
      now,
    });
    if (failed && f.voidTrade) {
      const payload: VoidPayload = { orderId: order.id };
      await enqueue(c, { kind: VOID_JOB, uniqueKey: voidKey(order.id), runAt: now, payload });
    }
  });
}
