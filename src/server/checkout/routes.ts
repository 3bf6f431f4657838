/**
 * The simplest checkout (public, no API key):
 *
 * GET /checkout/{id} — a phone-browser wap payment (alipay.trade.wap.pay, alipay-protocol.md §6.3).
 *   created → CAS created → paying, channel 'wap' (event `checkout.wap`), committed before the
 *   buyer can reach Alipay (§3.5: the order exists as `paying` before any trade can); then 302 to
 *   the signed gateway URL with time_expire = the order's expiry (Asia/Shanghai), return_url
 *   /return/alipay and notify_url /notify/alipay on this server. A `paying` wap order gets the
 *   same link again (Alipay reopens the waiting trade for the same out_trade_no and parameters).
 *   Paid → "已支付" page; closed/cancelled/failed or past expiry → "已关闭"; paying another way
 *   (barcode) → "in progress" page; unknown → 404 page.
 *
 * GET /return/alipay — where Alipay sends the browser back. The parameters are verified (a bad
 *   link is a 400 page), but they are never trusted for fulfilment (payments-reliability.md §2.3):
 *   if the order is not paid here yet, alipay.trade.query decides, and only a verified query
 *   saying TRADE_SUCCESS/TRADE_FINISHED with our amount records the payment (event
 *   `return.query_paid`). Then to the merchant's return_url with ?order_id=…&status=…, or a small
 *   status page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fenToYuan, formatAlipayTime, type ReturnParams } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import { crashPoint } from '../crash.js';
import type { Order } from '../orders/model.js';
import { getOrder, getOrderByOutTradeNo, transition } from '../orders/repo.js';
import { isPaidStatus, recordPaidFromQuery } from '../orders/query-result.js';
import { errorPage, expiredPage, inProgressPage, invalidLinkPage, merchantReturnUrl, notFoundPage, orderStatusPage } from './pages.js';

const ORDER_ID = /^ord_[0-9A-Za-z]{16,64}$/;

export function registerCheckoutRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/checkout/:id', { schema: { hide: true } }, (req, reply) => checkout(ctx, (req.params as { id: string }).id, req, reply));
  app.get('/return/alipay', { schema: { hide: true } }, (req, reply) => returnFromAlipay(ctx, req, reply));
}

/** The signed wap.pay URL for the order (pure: signs, sends nothing). */
export function wapPayUrl(ctx: ServerContext, o: Order): string {
  return ctx.alipay.api.trade.wapPayUrl(
    {
      out_trade_no: o.outTradeNo,
      total_amount: fenToYuan(o.amountFen),
      subject: o.subject,
      product_code: 'QUICK_WAP_WAY',
      time_expire: formatAlipayTime(o.expiresAt),
    },
    { returnUrl: `${ctx.publicBaseUrl}/return/alipay`, notifyUrl: `${ctx.publicBaseUrl}/notify/alipay` },
  );
}

const redirect = (reply: FastifyReply, url: string) => reply.header('cache-control', 'no-store').redirect(url, 302);

async function checkout(ctx: ServerContext, id: string, req: FastifyRequest, reply: FastifyReply, again = true): Promise<FastifyReply> {
  if (!ORDER_ID.test(id)) return notFoundPage(reply);
  const order = await getOrder(ctx.pool, id);
  if (!order) return notFoundPage(reply);
  if (order.status !== 'created' && order.status !== 'paying') return orderStatusPage(reply, order);
  if (order.status === 'paying' && order.channel !== 'wap') return inProgressPage(reply, order);
  // Past its expiry the order can no longer be offered (Alipay would refuse the time_expire); the
  // sweeper closes it.
  if (order.expiresAt.getTime() <= ctx.now().getTime()) return expiredPage(reply, order);
  let url: string;
  try {
    // Built before the order moves, so a link that cannot be built leaves it `created`.
    url = wapPayUrl(ctx, order);
  } catch (err) {
    req.log.error({ err, orderId: order.id }, 'checkout: cannot build the wap pay link');
    return errorPage(reply);
  }
  if (order.status === 'created') {
    const now = ctx.now();
    const moved = await withTransaction(ctx.pool, (c) =>
      transition(c, order.id, { from: ['created'], to: 'paying', set: { channel: 'wap' }, event: { type: 'checkout.wap', data: { out_trade_no: order.outTradeNo, time_expire: formatAlipayTime(order.expiresAt) } }, now }),
    );
    // Someone else moved it first (another tab, the sweeper, a barcode payment): start over once.
    if (!moved) return again ? checkout(ctx, id, req, reply, false) : orderStatusPage(reply, (await getOrder(ctx.pool, id)) ?? order);
    crashPoint('checkout.after_paying_commit');
  }
  return redirect(reply, url);
}

async function returnFromAlipay(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let p: ReturnParams;
  try {
    p = ctx.alipay.verifyReturn(req.url);
  } catch {
    return invalidLinkPage(reply);
  }
  if (p.app_id !== ctx.alipay.appId) return invalidLinkPage(reply);
  let order = await getOrderByOutTradeNo(ctx.pool, ctx.alipay.appId, p.out_trade_no);
  if (!order) return notFoundPage(reply);
  if (order.status === 'created' || order.status === 'paying') {
    // The notify may not have arrived: ask Alipay. The return parameters themselves decide nothing.
    try {
      const q = await ctx.alipay.api.trade.query({ out_trade_no: order.outTradeNo });
      if (isPaidStatus(q.trade_status)) order = await recordPaidFromQuery(ctx, order, q, 'return.query_paid');
    } catch (err) {
      req.log.warn({ orderId: order.id, err: (err as Error)?.message }, 'return: trade.query failed; showing the status we have');
    }
  }
  const back = merchantReturnUrl(order);
  return back ? redirect(reply, back) : orderStatusPage(reply, order);
}
