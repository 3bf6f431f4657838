/**
 * The sandbox cashier (收银台), `/cashier/<trade_no>`: where wap/page pay send the browser (methods/
 * trade-wap-pay.ts), where a precreate QR code leads (qr.ts), and what the JS bridge's tradePay
 * opens (`?bridge=1&origin=…`).
 *
 *  - GET shows the merchant, subject and amount, and a login form (`logon_id`, `password`; the
 *    sandbox buyers are listed as hints). Plain HTML: a form post, no JavaScript needed.
 *  - POST checks the credentials and pays from the buyer's balance (Ledger.pay). Wrong password,
 *    insufficient balance, or a trade bound to another buyer: the form again with the reason
 *    (HTTP 400), the trade still WAIT_BUYER_PAY. Paid: 302 to return_url with the signed return
 *    parameters (return-url.ts), or a "支付成功" page when there is no return_url.
 *  - A precreated trade gets its buyer here, at the first login (the "scan"), before paying: from
 *    then on it exists for alipay.trade.query (trade-precreate.ts).
 *  - A trade that is not waiting shows its status (already paid, closed).
 *  - Cancel: the wap quit_url when given, else a page saying the trade is still waiting.
 *  - Bridge mode: no redirects; the outcome is posted back to the bridge (bridge-result.ts), with
 *    a "developer options" select to report another resultCode than the truth. Posted only to
 *    the merchant page's origin (`origin=`, carried on every link and form of the cashier);
 *    without a valid one the cashier refuses at once with 4000 (jsbridge.ts, ORIGIN). No domain
 *    rule here, unlike getAuthCode: nothing happens unless the buyer logs in and pays.
 */
import type { SandboxContext } from '../context.js';
import type { Router, SandboxRequest, SandboxResponse } from '../http/router.js';
import { LedgerError } from '../state/ledger.js';
import type { SandboxApp, Trade } from '../state/model.js';
import { maskLogon } from '../ids.js';
import { formatAlipayTime } from '../../alipay/time.js';
import { cashierPageOf } from '../methods/trade-wap-pay.js';
import { PAGE_METHODS } from '../gateway/handler.js';
import { esc, htmlResponse, messagePage, page, statusBadge, yuan } from './html.js';
import { buyerHints, loginFields } from './login.js';
import { checkLogin, formBody, loggedInBuyer, loginCookie } from './session.js';
import { returnLocation } from './return-url.js';
import { ANY_ORIGIN, bridgeOrigin, bridgeResultPage, paidResultString, RESULT_CODES, RESULT_MEMO, reportedCode, tradePayPayload } from './bridge-result.js';

export function registerCashier(router: Router, ctx: SandboxContext): void {
  const path = /^\/cashier\/(?<tradeNo>[^/]+)$/;
  router.on('GET', path, (req) => cashierGet(ctx, req));
  router.on('POST', path, (req) => cashierPost(ctx, req));
}

interface View {
  bridge: boolean;
  /** Bridge mode: the merchant page's origin, the only one the outcome is posted to ('' otherwise). */
  origin: string;
  /** The resultCode picked in the developer options (bridge mode). */
  report?: string;
}

/** The view of a request, or in bridge mode without a valid `origin`, the refusal to answer with. */
function viewOf(req: SandboxRequest, body: Record<string, string> = {}): { view: View } | { refused: SandboxResponse } {
  const q = req.url.searchParams;
  const bridge = q.get('bridge') === '1';
  const report = body.report || q.get('report') || undefined;
  if (!bridge) return { view: { bridge, origin: '', report } };
  const checked = bridgeOrigin(q.get('origin'));
  if ('error' in checked) {
    // 4000 is what tradePay reports for a bad request (jsbridge.ts); the trade is not shown.
    const payload = tradePayPayload('4000', '', `${RESULT_MEMO['4000']}: ${checked.error}`);
    return { refused: bridgeResultPage({ type: 'tradePay', payload }, ANY_ORIGIN, '无法打开收银台', checked.error, false) };
  }
  return { view: { bridge, origin: checked.origin, report } };
}

/** The query that keeps a cashier link in bridge mode, for the same merchant page. */
const bridgeQuery = (view: View): string => (view.bridge ? `?bridge=1&origin=${encodeURIComponent(view.origin)}` : '');

function cashierGet(ctx: SandboxContext, req: SandboxRequest): SandboxResponse {
  const viewed = viewOf(req);
  if ('refused' in viewed) return viewed.refused;
  const { view } = viewed;
  const tradeNo = req.params.tradeNo ?? '';
  const trade = ctx.ledger.trade(tradeNo);
  if (!trade) return notFound(ctx, tradeNo, view);
  const app = ctx.ledger.app(trade.appId);
  if (!app) return notFound(ctx, tradeNo, view);
  if (req.url.searchParams.get('cancel') === '1') return cancelled(ctx, trade, view);
  if (trade.status !== 'WAIT_BUYER_PAY') return statusPage(ctx, app, trade, view);
  const buyer = loggedInBuyer(ctx, req);
  return htmlResponse(cashierPage(ctx, app, trade, view, { logonId: buyer?.logonId, loggedInAs: buyer?.name }));
}

function cashierPost(ctx: SandboxContext, req: SandboxRequest): SandboxResponse {
  const body = formBody(req);
  const viewed = viewOf(req, body);
  if ('refused' in viewed) return viewed.refused;
  const { view } = viewed;
  const tradeNo = req.params.tradeNo ?? '';
  let trade = ctx.ledger.trade(tradeNo);
  if (!trade) return notFound(ctx, tradeNo, view);
  const app = ctx.ledger.app(trade.appId);
  if (!app) return notFound(ctx, tradeNo, view);
  if (trade.status !== 'WAIT_BUYER_PAY') return statusPage(ctx, app, trade, view);

  const login = checkLogin(ctx, body.logon_id, body.password);
  if ('error' in login) return htmlResponse(cashierPage(ctx, app, trade, view, { logonId: body.logon_id, error: login.error }), 400);
  const { buyer } = login;
  const cookie = { 'set-cookie': loginCookie(ctx, buyer.userId) };

  try {
    if (trade.method === 'alipay.trade.precreate' && !trade.buyerUserId) {
      // The scan: from now on the trade exists for the merchant, with this buyer.
      trade = ctx.ledger.updateWaiting(trade.tradeNo, { buyerUserId: buyer.userId });
    }
    trade = ctx.ledger.pay(trade.tradeNo, buyer.userId);
  } catch (err) {
    if (!(err instanceof LedgerError)) throw err;
    const now = ctx.ledger.trade(tradeNo);
    if (now && now.status !== 'WAIT_BUYER_PAY') return statusPage(ctx, app, now, view);
    const error =
      err.subCode === 'ACQ.BUYER_BALANCE_NOT_ENOUGH'
        ? `余额不足：账户余额 ¥${yuan(buyer.balanceFen)}，需支付 ¥${yuan(trade.totalFen)} (insufficient balance)`
        : err.subCode === 'ACQ.TRADE_BUYER_NOT_MATCH'
          ? '该订单只能由指定的买家支付，请切换账户 (this trade belongs to another buyer)'
          : `${err.subMsg} (${err.subCode})`;
    return htmlResponse(cashierPage(ctx, app, now ?? trade, view, { logonId: buyer.logonId, loggedInAs: buyer.name, error }), 400, cookie);
  }

  if (view.bridge) {
    const { code, forced } = reportedCode(ctx, trade.tradeNo, '9000', view.report);
    return withHeaders(bridgeResultPage({ type: 'tradePay', payload: tradePayPayload(code, paidResultString(ctx, trade)), forced }, view.origin, '支付成功', `¥${yuan(trade.totalFen)} 已从 ${buyer.name} 的余额支付`, true), cookie);
  }
  const method = pageMethodOf(ctx, trade);
  if (trade.returnUrl && method) {
    return { status: 302, headers: { location: returnLocation(ctx, app, trade, trade.returnUrl, method), ...cookie }, body: '' };
  }
  return htmlResponse(successPage(ctx, app, trade), 200, cookie);
}

function pageMethodOf(ctx: SandboxContext, trade: Trade): string | undefined {
  const recorded = cashierPageOf(ctx, trade.tradeNo)?.method;
  if (recorded) return recorded;
  return PAGE_METHODS.has(trade.method) ? trade.method : undefined;
}

function withHeaders(res: SandboxResponse, headers: Record<string, string>): SandboxResponse {
  return { ...res, headers: { ...res.headers, ...headers } };
}

function summary(app: SandboxApp, trade: Trade): string {
  return (
    `<div class="card"><div class="muted center">${esc(app.name)} <span class="en">merchant</span></div>` +
    `<div class="amount"><small>¥</small>${yuan(trade.totalFen)}</div>` +
    `<div class="center">${esc(trade.subject)}</div>` +
    `<details><summary>订单详情 <span class="en">details</span></summary><dl class="kv">` +
    `<dt>商户订单号</dt><dd>${esc(trade.outTradeNo)}</dd><dt>交易号</dt><dd>${esc(trade.tradeNo)}</dd>` +
    `<dt>状态</dt><dd>${statusBadge(trade.status)}</dd>` +
    (trade.body ? `<dt>描述</dt><dd>${esc(trade.body)}</dd>` : '') +
    (trade.expiresAt ? `<dt>关闭时间</dt><dd>${esc(formatAlipayTime(new Date(trade.expiresAt)))}</dd>` : '') +
    `</dl></details></div>`
  );
}

function cashierPage(ctx: SandboxContext, app: SandboxApp, trade: Trade, view: View, state: { logonId?: string; loggedInAs?: string; error?: string }): string {
  const q = bridgeQuery(view);
  const quitUrl = cashierPageOf(ctx, trade.tradeNo)?.quitUrl;
  const cancelHref = view.bridge ? `/cashier/${encodeURIComponent(trade.tradeNo)}${q}&cancel=1` : (quitUrl ?? `/cashier/${encodeURIComponent(trade.tradeNo)}?cancel=1`);
  const devOptions = view.bridge
    ? `<details><summary>开发者选项 <span class="en">developer options: what tradePay reports</span></summary>` +
      `<label for="report">回调 resultCode <span class="en">reported to the page (the trade's real state does not change)</span></label>` +
      `<select id="report" name="report"><option value="">按实际结果 (truthful)</option>` +
      RESULT_CODES.map((c) => `<option value="${c}"${view.report === c ? ' selected' : ''}>${c} ${esc(RESULT_MEMO[c]!.slice(0, 18))}</option>`).join('') +
      `</select></details>`
    : '';
  const form =
    `<div class="card"><h2>登录支付宝账户付款 <span class="en">log in to pay</span></h2>` +
    (state.loggedInAs ? `<p class="muted">当前账户 <span class="en">logged in as</span> ${esc(state.loggedInAs)}</p>` : '') +
    (state.error ? `<div class="error">${esc(state.error)}</div>` : '') +
    `<form method="post" action="/cashier/${encodeURIComponent(trade.tradeNo)}${esc(q)}">${loginFields(ctx, { logonId: state.logonId })}${devOptions}` +
    `<button type="submit">确认付款 ¥${yuan(trade.totalFen)} <span class="en">pay</span></button></form>` +
    `<a class="btn secondary" href="${esc(cancelHref)}">取消 <span class="en">cancel</span></a>` +
    `${buyerHints(ctx, { balances: true })}</div>`;
  return page(`支付宝 - ${trade.subject}`, summary(app, trade) + form, { bridge: view.bridge });
}

function successPage(ctx: SandboxContext, app: SandboxApp, trade: Trade): string {
  const buyer = trade.buyerUserId ? ctx.ledger.buyer(trade.buyerUserId) : undefined;
  return page(
    '支付成功',
    `<div class="card center"><h1>支付成功 <span class="en">paid</span></h1><div class="amount"><small>¥</small>${yuan(trade.totalFen)}</div>` +
      `<div class="ok">${esc(trade.subject)} — ${esc(app.name)}</div>` +
      (buyer ? `<p class="muted">付款账户 ${esc(maskLogon(buyer.logonId))}，余额 ¥${yuan(buyer.balanceFen)}</p>` : '') +
      `<p class="muted">商户将收到异步通知 <span class="en">the merchant gets the async notify; no return_url was given</span></p></div>`,
  );
}

function statusPage(ctx: SandboxContext, app: SandboxApp, trade: Trade, view: View): SandboxResponse {
  const paid = trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED';
  const title = paid ? '该订单已支付' : '交易已关闭';
  const text = paid ? '该订单已支付，请勿重复付款 (this trade is already paid)' : '交易已关闭，无法付款 (this trade is closed)';
  if (view.bridge) {
    const { code, forced } = reportedCode(ctx, trade.tradeNo, '4000', view.report);
    return bridgeResultPage({ type: 'tradePay', payload: tradePayPayload(code, '', `${RESULT_MEMO['4000']}: ${title}`), forced }, view.origin, title, text, false);
  }
  const method = pageMethodOf(ctx, trade);
  const back = paid && trade.returnUrl && method ? `<a class="btn" href="${esc(returnLocation(ctx, app, trade, trade.returnUrl, method))}">返回商户 <span class="en">back to the merchant</span></a>` : '';
  return htmlResponse(page(title, summary(app, trade) + `<div class="card"><div class="${paid ? 'ok' : 'error'}">${esc(text)}</div>${back}</div>`), 200);
}

function cancelled(ctx: SandboxContext, trade: Trade, view: View): SandboxResponse {
  if (view.bridge) {
    const { code, forced } = reportedCode(ctx, trade.tradeNo, '6001', view.report);
    return bridgeResultPage({ type: 'tradePay', payload: tradePayPayload(code, ''), forced }, view.origin, '已取消', '用户中途取消 (cancelled)', false);
  }
  return htmlResponse(
    page(
      '已取消付款',
      `<div class="card"><h1>已取消付款 <span class="en">payment cancelled</span></h1><p>订单仍在等待付款 <span class="en">the trade is still waiting for payment</span> ${statusBadge(trade.status)}</p>` +
        `<a class="btn" href="/cashier/${encodeURIComponent(trade.tradeNo)}">继续付款 <span class="en">pay after all</span></a></div>`,
    ),
  );
}

function notFound(ctx: SandboxContext, tradeNo: string, view: View): SandboxResponse {
  if (view.bridge) {
    return bridgeResultPage({ type: 'tradePay', payload: tradePayPayload('4000', '', `${RESULT_MEMO['4000']}: 交易不存在`) }, view.origin, '交易不存在', `没有这笔交易 (no trade ${tradeNo})`, false);
  }
  return messagePage('交易不存在', `没有这笔交易 (no trade ${tradeNo})`, '', 404);
}
