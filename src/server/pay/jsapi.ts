/**
 * JSAPI pay (inside the Alipay app: 生活号 / H5 pages, mini programs): the trade is created on the
 * server for a known buyer (alipay.trade.create, product_code JSAPI_PAY, buyer_id or
 * buyer_open_id from OAuth auth_base; huifu-and-jsapi.md §3), and the page pays it with
 * `AlipayJSBridge.call('tradePay', { tradeNO })` (or `my.tradePay`). The attempt is committed
 * first; an open JSAPI attempt of the same buyer is reused (the same trade_no is handed out again;
 * a create whose answer was lost is sent again with the same out_trade_no and parameters). The
 * trade is bound to its buyer, so another buyer gets another attempt.
 */
import { fenToYuan, formatAlipayTime } from '../../alipay/index.js';
import { alipayProblem } from './alipay-problem.js';
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import { Problem } from '../http/problem.js';
import type { Order } from '../orders/model.js';
import type { Attempt } from '../payments/model.js';
import { transitionAttempt } from '../payments/repo.js';
import { reuseOrStartAttempt } from '../payments/start.js';

export type JsapiBuyer = { userId: string; openId?: undefined } | { openId: string; userId?: undefined };

export async function jsapiPayment(ctx: ServerContext, order: Order, buyer: JsapiBuyer): Promise<{ attempt: Attempt; tradeNo: string }> {
  const sameBuyer = (a: Attempt) => (buyer.userId !== undefined ? a.buyerUserId === buyer.userId : a.buyerOpenId === buyer.openId);
  const { order: current, attempt } = await reuseOrStartAttempt(ctx, order, 'jsapi', {
    eventType: 'checkout.jsapi',
    buyerUserId: buyer.userId,
    buyerOpenId: buyer.openId,
    accept: sameBuyer,
  });
  if (attempt.tradeNo) return { attempt, tradeNo: attempt.tradeNo };
  let tradeNo: string | undefined;
  try {
    const r = await ctx.alipay.api.trade.create(
      {
        out_trade_no: attempt.outTradeNo,
        total_amount: fenToYuan(attempt.amountFen),
        subject: current.subject,
        product_code: 'JSAPI_PAY',
        time_expire: formatAlipayTime(current.expiresAt),
        ...(buyer.userId !== undefined ? { buyer_id: buyer.userId } : { buyer_open_id: buyer.openId }),
      },
      { notifyUrl: `${ctx.publicBaseUrl}/notify/alipay` },
    );
    tradeNo = r.trade_no;
  } catch (err) {
    ctx.log.warn({ orderId: order.id, attemptId: attempt.id, err: (err as Error)?.message }, 'jsapi: alipay.trade.create failed');
    throw alipayProblem(err, 'the trade');
  }
  if (!tradeNo) throw new Problem(502, 'alipay-bad-answer', 'Unexpected answer from Alipay', 'alipay.trade.create answered without a trade_no', {});
  const now = ctx.now();
  const kept = await withTransaction(ctx.pool, (c) => transitionAttempt(c, attempt.id, { from: ['paying'], set: { trade_no: tradeNo }, event: { type: 'jsapi.created', data: { trade_no: tradeNo } }, now }));
  return { attempt: kept ?? attempt, tradeNo };
}
