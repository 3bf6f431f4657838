/**
 * The hosted checkout (public, no API key): one link per order that works wherever the buyer
 * opens it (via.ts says which buyer gets which way to pay).
 *
 * GET  /checkout/{id}                 the page. In the Alipay app: without a JSAPI attempt for this
 *                                     buyer yet, a redirect to OAuth auth_base (state: oauth-state.ts);
 *                                     with one (`?a=`), the page that calls tradePay. Phone: the wap
 *                                     button. Desktop: page pay and a precreate QR code. Paid,
 *                                     closed, expired: says so, nothing to pay.
 * GET  /checkout/{id}/oauth           Alipay's OAuth return: state checked (a missing, forged or
 *                                     replayed one is a 400 page and nothing is created), auth_code
 *                                     exchanged, alipay.trade.create for that buyer (pay/jsapi.ts),
 *                                     303 to the page.
 * GET  /checkout/{id}/wap, /page      start (or reuse) the attempt, 302 to Alipay's cashier.
 * GET  /checkout/{id}/status          JSON: what the page should show (state.ts); while the page
 *                                     confirms a reported payment, Alipay is asked on each poll.
 * POST /checkout/{id}/attempts/{a}/result  { resultCode } from tradePay: recorded as an event,
 *                                     then Alipay is asked; the code itself decides nothing.
 * GET  /return/alipay                 where Alipay sends the browser back (verified, never trusted:
 *                                     alipay.trade.query decides), then the merchant's return_url or
 *                                     the checkout page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReturnParams } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import { Problem } from '../http/problem.js';
import type { Order } from '../orders/model.js';
import { appendEvent, getOrder } from '../orders/repo.js';
import type { Attempt } from '../payments/model.js';
import { getAttempt, getAttemptByOutTradeNo } from '../payments/repo.js';
import { settleFromQuery } from '../payments/close.js';
import { redirectPayment } from '../pay/redirect.js';
import { qrPayment } from '../pay/qr.js';
import { jsapiPayment } from '../pay/jsapi.js';
import { merchantReturnUrl } from './return-url.js';
import { checkoutState, CONFIRMING_CODES, recentlyReported, type CheckoutState, type StatusAnswer } from './state.js';
import { chooseVia, type Via } from './via.js';
import { consumeState, issueState } from './oauth-state.js';
import { pickLang, type Lang } from '../../web/i18n.js';
import { renderCheckoutPage, renderMessagePage, type CheckoutPageModel, type MessageKind } from '../../web/checkout/page.js';
import { registerHelperScript } from './helper-script.js';

const ORDER_ID = /^ord_[0-9A-Za-z]{16,64}$/;
const ATTEMPT_ID = /^pa_[0-9A-Za-z]{16,64}$/;

type Query = Record<string, string | undefined>;

const html = (reply: FastifyReply, status: number, body: string) => reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

export function registerCheckoutRoutes(app: FastifyInstance, ctx: ServerContext): void {
  registerHelperScript(app);
  app.get('/checkout/:id', { schema: { hide: true } }, (req, reply) => withOrder(ctx, req, reply, (order, lang) => checkoutPage(ctx, req, reply, order, lang)));
  app.get('/checkout/:id/oauth', { schema: { hide: true } }, (req, reply) => withOrder(ctx, req, reply, (order, lang) => oauthReturn(ctx, req, reply, order, lang)));
  app.get('/checkout/:id/wap', { schema: { hide: true } }, (req, reply) => withOrder(ctx, req, reply, (order, lang) => toCashier(ctx, reply, order, lang, 'wap')));
  app.get('/checkout/:id/page', { schema: { hide: true } }, (req, reply) => withOrder(ctx, req, reply, (order, lang) => toCashier(ctx, reply, order, lang, 'page')));
  app.get('/checkout/:id/status', { schema: { hide: true } }, async (req, reply) => {
    const order = await orderOf(ctx, req);
    if (!order) return noStore(reply).status(404).send({ state: 'closed' });
    return noStore(reply).send(await statusFor(ctx, order, (req.query as Query).attempt));
  });
  app.post('/checkout/:id/attempts/:attempt/result', { schema: { hide: true } }, async (req, reply) => {
    const order = await orderOf(ctx, req);
    const attemptId = (req.params as { attempt: string }).attempt;
    const code = String((req.body as { resultCode?: unknown } | undefined)?.resultCode ?? '').slice(0, 16);
    const attempt = order && ATTEMPT_ID.test(attemptId) ? await getAttempt(ctx.pool, attemptId) : undefined;
    if (!order || !attempt || attempt.orderId !== order.id) return noStore(reply).status(404).send({ state: 'closed' });
    if (!/^\d{1,6}$/.test(code)) return noStore(reply).status(400).send({ state: 'failed', failure: { code: 'resultCode', message: 'resultCode: the digits tradePay called back with' } });
    return noStore(reply).send(await reportResult(ctx, order, attempt, code));
  });
  app.get('/return/alipay', { schema: { hide: true } }, (req, reply) => returnFromAlipay(ctx, req, reply));
}

const brandOf = (ctx: ServerContext) => ctx.config.merchantName ?? '商户';
function message(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, status: number, lang: Lang, kind: MessageKind, retryHref?: string): FastifyReply {
  return html(reply, status, renderMessagePage({ lang, kind, brand: brandOf(ctx), href: req.url, ...(retryHref ? { retryHref } : {}) }));
}

async function orderOf(ctx: ServerContext, req: FastifyRequest): Promise<Order | undefined> {
  const id = (req.params as { id: string }).id;
  return ORDER_ID.test(id) ? getOrder(ctx.pool, id) : undefined;
}

async function withOrder(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, fn: (order: Order, lang: Lang) => Promise<FastifyReply>): Promise<FastifyReply> {
  const lang = pickLang((req.query as Query).lang, req.headers['accept-language']);
  const order = await orderOf(ctx, req);
  if (!order) return message(ctx, req, reply, 404, lang, 'not_found');
  try {
    return await fn(order, lang);
  } catch (err) {
    if (err instanceof Problem && err.status === 409) return checkoutPage(ctx, req, reply, (await getOrder(ctx.pool, order.id)) ?? order, lang);
    req.log.error({ err, orderId: order.id }, 'checkout: cannot start the payment');
    return message(ctx, req, reply, 503, lang, 'error', `/checkout/${order.id}${lang === 'en' ? '?lang=en' : ''}`);
  }
}

const isOpen = (ctx: ServerContext, o: Order) => (o.status === 'created' || o.status === 'paying') && o.expiresAt.getTime() > ctx.now().getTime();

/** The ?via= links to the other ways (kept with the page's language). */
function otherWays(order: Order, current: Via, lang: Lang): NonNullable<CheckoutPageModel['otherWays']> {
  const all = ['wap', 'page', 'qr', 'alipay'] as const;
  return all.filter((v) => v !== current).map((v) => ({ via: v, href: `/checkout/${order.id}?via=${v}${lang === 'en' ? '&lang=en' : ''}` }));
}

function baseModel(ctx: ServerContext, req: FastifyRequest, order: Order, lang: Lang, via: CheckoutPageModel['via'], status: StatusAnswer, attempt?: Attempt): CheckoutPageModel {
  return {
    lang,
    href: req.url,
    merchantName: brandOf(ctx),
    order: { id: order.id, subject: order.subject, amountFen: order.amountFen, expiresAt: order.expiresAt.toISOString() },
    state: status.state,
    ...(status.failure ? { failure: status.failure } : {}),
    via,
    actions: {},
    statusUrl: `/checkout/${order.id}/status${attempt ? `?attempt=${attempt.id}` : ''}`,
    ...(status.returnUrl ? { returnUrl: status.returnUrl } : {}),
  };
}

async function checkoutPage(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, order: Order, lang: Lang): Promise<FastifyReply> {
  const q = req.query as Query;
  const via = chooseVia(req.headers['user-agent'], q.via);
  const pageVia: CheckoutPageModel['via'] = via === 'alipay' ? 'alipay' : via === 'wap' ? 'wap' : 'desktop';
  if (!isOpen(ctx, order)) return html(reply, 200, await renderCheckoutPage(baseModel(ctx, req, order, lang, pageVia, await checkoutState(ctx, order))));
  const lq = lang === 'en' ? '?lang=en' : '';

  if (via === 'alipay') {
    const attempt = q.a && ATTEMPT_ID.test(q.a) ? await getAttempt(ctx.pool, q.a) : undefined;
    if (!attempt || attempt.orderId !== order.id || attempt.method !== 'jsapi' || !attempt.tradeNo) {
      // Who is paying? Ask Alipay (auth_base is silent inside the app).
      const state = await issueState(ctx, reply, order.id);
      const url = ctx.alipay.oauth.authorizeUrl({ scope: 'auth_base', redirectUri: `${ctx.publicBaseUrl}/checkout/${order.id}/oauth`, state });
      return noStore(reply).redirect(url, 302);
    }
    const m = baseModel(ctx, req, order, lang, 'alipay', await checkoutState(ctx, order, attempt), attempt);
    m.actions.jsapi = { tradeNo: attempt.tradeNo, resultUrl: `/checkout/${order.id}/attempts/${attempt.id}/result` };
    if (ctx.config.jsBridgeScriptUrl) m.bridgeScriptUrl = ctx.config.jsBridgeScriptUrl;
    m.otherWays = otherWays(order, via, lang);
    return html(reply, 200, await renderCheckoutPage(m));
  }

  if (via === 'wap') {
    const m = baseModel(ctx, req, order, lang, 'wap', await checkoutState(ctx, order));
    m.actions.wapUrl = `/checkout/${order.id}/wap${lq}`;
    m.otherWays = otherWays(order, via, lang);
    return html(reply, 200, await renderCheckoutPage(m));
  }

  // Desktop: page pay beside a QR code drawn from a precreate attempt.
  let qrAttempt: Attempt | undefined;
  const m = baseModel(ctx, req, order, lang, 'desktop', await checkoutState(ctx, order));
  if (via !== 'qr') m.actions.pagePayUrl = `/checkout/${order.id}/page${lq}`;
  if (via !== 'page') {
    try {
      const qr = await qrPayment(ctx, order);
      qrAttempt = qr.attempt;
      m.actions.qr = { text: qr.qrCode };
    } catch (err) {
      // No QR code this time (Alipay unreachable): page pay still works; a reload tries again.
      req.log.warn({ orderId: order.id, err: (err as Error)?.message }, 'checkout: no QR code');
      if (via === 'qr') throw err;
    }
  }
  if (qrAttempt) m.statusUrl = `/checkout/${order.id}/status?attempt=${qrAttempt.id}`;
  m.otherWays = otherWays(order, via === 'desktop' ? 'page' : via, lang).filter((w) => via === 'desktop' ? w.via !== 'qr' : true);
  return html(reply, 200, await renderCheckoutPage(m));
}

async function toCashier(ctx: ServerContext, reply: FastifyReply, order: Order, lang: Lang, method: 'wap' | 'page'): Promise<FastifyReply> {
  if (!isOpen(ctx, order)) return noStore(reply).redirect(`/checkout/${order.id}${lang === 'en' ? '?lang=en' : ''}`, 303);
  const { url } = await redirectPayment(ctx, order, method);
  return noStore(reply).redirect(url, 302);
}

async function oauthReturn(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, order: Order, lang: Lang): Promise<FastifyReply> {
  const q = req.query as Query;
  if (!(await consumeState(ctx, req, reply, order.id, q.state))) {
    req.log.warn({ orderId: order.id }, 'checkout: OAuth return with a missing, forged or replayed state: refused');
    return message(ctx, req, reply, 400, lang, 'invalid_oauth', `/checkout/${order.id}?via=alipay${lang === 'en' ? '&lang=en' : ''}`);
  }
  if (!q.auth_code || q.auth_code.length > 128) return message(ctx, req, reply, 400, lang, 'invalid_oauth', `/checkout/${order.id}?via=alipay${lang === 'en' ? '&lang=en' : ''}`);
  if (!isOpen(ctx, order)) return noStore(reply).redirect(`/checkout/${order.id}?via=alipay${lang === 'en' ? '&lang=en' : ''}`, 303);
  const token = await ctx.alipay.oauth.exchangeCode(q.auth_code);
  const buyer = token.userId ? { userId: token.userId } : token.openId ? { openId: token.openId } : undefined;
  if (!buyer) throw new Error('alipay.system.oauth.token answered neither user_id nor open_id');
  const { attempt } = await jsapiPayment(ctx, order, buyer);
  return noStore(reply).redirect(`/checkout/${order.id}?via=alipay&a=${attempt.id}${lang === 'en' ? '&lang=en' : ''}`, 303);
}

/** The status, asking Alipay first while the page confirms a reported payment. */
async function statusFor(ctx: ServerContext, order: Order, attemptId: string | undefined): Promise<StatusAnswer> {
  const attempt = attemptId && ATTEMPT_ID.test(attemptId) ? await getAttempt(ctx.pool, attemptId) : undefined;
  const own = attempt && attempt.orderId === order.id ? attempt : undefined;
  if (own && own.status === 'paying' && (order.status === 'created' || order.status === 'paying') && (await recentlyReported(ctx, own))) {
    await settleFromQuery(ctx, own, 'checkout.query_paid', 'confirming');
    order = (await getOrder(ctx.pool, order.id)) ?? order;
  }
  return checkoutState(ctx, order, own && (await getAttempt(ctx.pool, own.id)));
}

/**
 * A tradePay result code (huifu-and-jsapi.md §3): recorded, then Alipay is asked whatever the
 * code says (a 9000 may be unpaid, a 6004 paid). Only the server's answer shows `paid`.
 */
async function reportResult(ctx: ServerContext, order: Order, attempt: Attempt, code: string): Promise<StatusAnswer> {
  const now = ctx.now();
  await withTransaction(ctx.pool, (c) => appendEvent(c, order.id, 'checkout.result_code', { result_code: code }, now, attempt.id));
  if (attempt.status === 'paying' && (order.status === 'created' || order.status === 'paying')) {
    await settleFromQuery(ctx, attempt, 'checkout.query_paid', `result-${code}`);
  }
  const after = await checkoutState(ctx, (await getOrder(ctx.pool, order.id)) ?? order, (await getAttempt(ctx.pool, attempt.id)) ?? attempt);
  if (after.state !== 'waiting') return after;
  const byCode: CheckoutState = CONFIRMING_CODES.has(code) ? 'confirming' : code === '6001' || code === '99' ? 'cancelled' : code === '6002' ? 'network' : 'failed';
  return byCode === 'failed' ? { state: 'failed', failure: { code: `tradePay ${code}`, message: code === '5000' ? 'duplicate request' : 'payment failed' } } : { state: byCode };
}

async function returnFromAlipay(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const lang = pickLang((req.query as Query).lang, req.headers['accept-language']);
  let p: ReturnParams;
  try {
    p = ctx.alipay.verifyReturn(req.url);
  } catch {
    return message(ctx, req, reply, 400, lang, 'invalid_return');
  }
  if (p.app_id !== ctx.alipay.appId) return message(ctx, req, reply, 400, lang, 'invalid_return');
  const attempt = await getAttemptByOutTradeNo(ctx.pool, ctx.alipay.appId, p.out_trade_no);
  let order = attempt && (await getOrder(ctx.pool, attempt.orderId));
  if (!attempt || !order) return message(ctx, req, reply, 404, lang, 'not_found');
  if ((order.status === 'created' || order.status === 'paying') && attempt.status !== 'paid') {
    // The notify may not have arrived: ask Alipay. The return parameters themselves decide nothing.
    await settleFromQuery(ctx, attempt, 'return.query_paid', 'return');
    order = (await getOrder(ctx.pool, order.id)) ?? order;
  }
  const back = merchantReturnUrl(order);
  return noStore(reply).redirect(back ?? `/checkout/${order.id}${lang === 'en' ? '?lang=en' : ''}`, 302);
}
