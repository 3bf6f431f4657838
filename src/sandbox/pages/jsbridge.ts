/**
 * `/jsbridge.js`: a stand-in for the Alipay app's `AlipayJSBridge`, so a merchant page written for
 * the Alipay app (生活号 / H5 pay, seed 000) runs in any browser against the sandbox.
 *
 *   <script src="http://127.0.0.1:PORT/jsbridge.js"></script>
 *
 * Like the real container, it defines `window.AlipayJSBridge` asynchronously, after
 * DOMContentLoaded, and then fires the `AlipayJSBridgeReady` event on document; pages should
 * check `window.AlipayJSBridge` and otherwise wait for the event (both paths get exercised).
 * A page that already has a real AlipayJSBridge keeps it.
 *
 * `AlipayJSBridge.call(name, params, callback)`:
 *  - `tradePay` with `{ tradeNO }` (an Alipay trade_no, e.g. from alipay.trade.create) or
 *    `{ orderStr }` (a signed app-pay order string): opens the sandbox cashier in an overlay
 *    (`/cashier/<trade_no>?bridge=1&origin=…`); the buyer logs in and pays, or cancels; the
 *    callback gets `{ resultCode, memo, result, callbackUrl }` with Alipay's codes
 *    (huifu-and-jsapi.md §3): 9000 paid, 4000 failed (closed/unknown trade, bad order string, bad
 *    or missing origin), 6001 cancelled, 5000 when another tradePay is still open. 8000, 6002,
 *    6004 and 99 only come from the knobs below.
 *  - `getAuthCode` with `{ scopeNicks: ['auth_base' | 'auth_user'] }` (also `scopes`), optional
 *    `appId`: the OAuth page in the overlay, in bridge mode; silent for auth_base when the
 *    sandbox's `zfb_buyer` cookie says who is logged in. Callback `{ authCode, authSuccessScopes,
 *    authErrorScopes }`, or `{ error, errorMessage }`: 2 invalid parameter (unknown app, bad
 *    scope, bad or missing origin), 3 another request is still open, 4 this page's origin is not
 *    allowed for the app (ORIGIN below), 11 declined. Exchange the code with
 *    alipay.system.oauth.token like any auth_code.
 *  - harmless page APIs (setTitle, toast, showLoading, hideLoading, closeWebview, popWindow,
 *    setOptionMenu, showOptionMenu, hideOptionMenu, ready…) do nothing and call back `{}`;
 *    anything else calls back `{ error: 1, errorMessage }` and warns in the console.
 *
 * ORIGIN — the overlay pages post their outcome to the merchant page, and only to it. The script
 * adds `origin=<location.origin>` to every URL it opens (cashier, OAuth page, /jsbridge/order,
 * which passes it on to the cashier), and the result page uses it as postMessage's targetOrigin:
 * the browser drops the message if the parent is of another origin, so a page that frames the
 * sandbox with a false `origin=` learns nothing. Without it, any site could frame the OAuth page
 * and collect an auth_base code for whoever is logged in to the sandbox.
 *  - `origin` must be exactly an http(s) origin (`https://shop.example`, no path). Missing or not
 *    (a page from file:, a sandboxed iframe's "null"): the page refuses before anything else,
 *    tradePay with 4000 and getAuthCode with error 2, the message saying the page must be opened
 *    by /jsbridge.js. That refusal is the one message posted to any origin ('*'): there is no
 *    origin to address, and it carries nothing but the error.
 *  - getAuthCode also applies the redirect_uri rule of oauth.ts to the origin, as Alipay binds
 *    authorisation to the app's domains (授权回调地址): when the app has redirectUris, the
 *    origin's host must be the host of one of them, else error 4 (JSAPI "no permission"; the
 *    sandbox's choice of code) before any login, and no code. An app without redirectUris, like
 *    the sandbox's default app, accepts any origin, as it accepts any redirect_uri: configure
 *    them (admin API) to test the rule.
 *  - tradePay has no domain rule: nothing is paid unless the buyer logs in and pays.
 *
 * TEST KNOBS — make the reported resultCode disagree with what happened, so a merchant learns to
 * confirm the payment on the server (notify or alipay.trade.query) and never on the callback:
 *  1. page-wide: `<script src=".../jsbridge.js?report=9000">`, or the attribute
 *     `data-zfb-report="6004"` on that script tag: every tradePay callback reports this code
 *     (including a cancel: "9000 but unpaid").
 *  2. per trade, server side: `setBridgeReport(ctx, tradeNo, '6004')` (bridge-result.ts; the admin
 *     API exposes it) stores an override in the `bridge_reports` collection: "6004 but paid".
 *     It wins over knob 1.
 *  3. per payment, by hand: the cashier's "开发者选项 / developer options" select in the overlay
 *     (or `report=CODE` on the cashier URL). Also wins over knob 1.
 * Also on the script tag: `data-app-id` (or `?app_id=`) sets the app for getAuthCode (default: the
 * sandbox's first app).
 *
 * `/jsbridge/order?order_str=…&origin=…`: how tradePay({ orderStr }) reaches the cashier. The
 * order string goes through the gateway like any request (signature, app, timestamp checked); the
 * trade it opens (alipay.trade.app.pay) is then paid in the cashier.
 */
import type { SandboxContext } from '../context.js';
import type { Router, SandboxRequest, SandboxResponse } from '../http/router.js';
import { HANG } from '../http/router.js';
import { handleGateway } from '../gateway/handler.js';
import { decodeText } from '../../alipay/charset.js';
import { parseForm } from '../../alipay/form.js';
import { scriptJson } from './html.js';
import { ANY_ORIGIN, bridgeOrigin, bridgeResultPage, RESULT_MEMO, tradePayPayload } from './bridge-result.js';

export function registerJsBridge(router: Router, ctx: SandboxContext): void {
  router.on('GET', '/jsbridge.js', (req) => ({
    status: 200,
    headers: { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'no-cache', 'access-control-allow-origin': '*' },
    body: bridgeScript(ctx, req),
  }));
  router.on('GET', '/jsbridge/order', (req) => orderString(ctx, req));
}

function defaultAppId(ctx: SandboxContext): string {
  const apps = ctx.ledger.apps().sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.appId.localeCompare(b.appId));
  return apps[0]?.appId ?? '';
}

function bridgeScript(ctx: SandboxContext, req: SandboxRequest): string {
  const host = typeof req.headers.host === 'string' ? req.headers.host : '';
  const origin = host ? `http://${host}` : ctx.baseUrl;
  const config = { origin, appId: defaultAppId(ctx), memo: RESULT_MEMO };
  return `/* zfb sandbox: AlipayJSBridge stand-in. Knobs: ?report=CODE or data-zfb-report on this script tag; data-app-id / ?app_id= for getAuthCode. */
(function () {
  'use strict';
  var CONFIG = ${scriptJson(config)};
  if (window.AlipayJSBridge && !window.AlipayJSBridge.zfbSandbox) return;
  var script = document.currentScript;
  var src = null;
  try { src = script && script.src ? new URL(script.src, location.href) : null; } catch (e) { src = null; }
  var BASE = src ? src.origin : CONFIG.origin;
  function knob(attr, param) {
    var v = script && script.getAttribute ? script.getAttribute(attr) : null;
    if (!v && src) v = src.searchParams.get(param);
    return v || '';
  }
  var REPORT = knob('data-zfb-report', 'report');
  var APP_ID = knob('data-app-id', 'app_id') || CONFIG.appId;
  // Where the overlay pages may post their answer (ORIGIN in jsbridge.ts), URL-encoded.
  var ORIGIN = encodeURIComponent(location.origin);
  var NOOPS = ['ready', 'setTitle', 'toast', 'showLoading', 'hideLoading', 'closeWebview', 'popWindow', 'setOptionMenu', 'showOptionMenu', 'hideOptionMenu', 'setTitleColor', 'hideBackButton', 'showBackButton', 'setCanPullDown'];
  var open = null;

  function later(fn, value) { setTimeout(function () { if (typeof fn === 'function') fn(value); }, 0); }

  function withKnob(payload, forced) {
    if (REPORT && !forced) {
      payload.resultCode = REPORT;
      payload.memo = CONFIG.memo[REPORT] || '';
    }
    return payload;
  }

  function overlay(type, url, onDone) {
    var box = document.createElement('div');
    box.setAttribute('data-zfb-bridge', type);
    box.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.45);display:flex;align-items:flex-end;justify-content:center';
    var frame = document.createElement('iframe');
    frame.src = url;
    frame.title = 'zfb sandbox ' + type;
    frame.style.cssText = 'width:100%;max-width:460px;height:88vh;border:0;border-radius:12px 12px 0 0;background:#f5f6f8';
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = '\\u00d7';
    close.setAttribute('aria-label', 'close');
    close.style.cssText = 'position:absolute;top:10px;right:14px;width:36px;height:36px;border:0;border-radius:18px;background:#fff;font-size:22px;cursor:pointer';
    box.appendChild(frame);
    box.appendChild(close);
    (document.body || document.documentElement).appendChild(box);
    var finished = false;
    function finish(message) {
      if (finished) return;
      finished = true;
      window.removeEventListener('message', onMessage);
      if (box.parentNode) box.parentNode.removeChild(box);
      open = null;
      onDone(message);
    }
    function onMessage(e) {
      if (e.origin !== BASE || e.source !== frame.contentWindow) return;
      var m = e.data;
      if (!m || m.zfbBridge !== true || m.type !== type) return;
      finish(m);
    }
    window.addEventListener('message', onMessage);
    close.addEventListener('click', function () { finish(null); });
    open = box;
  }

  function tradePay(params, cb) {
    params = params || {};
    if (open) return later(cb, withKnob({ resultCode: '5000', memo: CONFIG.memo['5000'], result: '', callbackUrl: null }, false));
    var url;
    if (params.tradeNO) url = BASE + '/cashier/' + encodeURIComponent(String(params.tradeNO)) + '?bridge=1&origin=' + ORIGIN;
    else if (params.orderStr) url = BASE + '/jsbridge/order?order_str=' + encodeURIComponent(String(params.orderStr)) + '&origin=' + ORIGIN;
    else return later(cb, withKnob({ resultCode: '4000', memo: CONFIG.memo['4000'] + ': tradeNO or orderStr is required', result: '', callbackUrl: null }, false));
    overlay('tradePay', url, function (m) {
      if (!m) return later(cb, withKnob({ resultCode: '6001', memo: CONFIG.memo['6001'], result: '', callbackUrl: null }, false));
      later(cb, withKnob(m.payload, m.forced === true));
    });
  }

  function getAuthCode(params, cb) {
    params = params || {};
    if (open) return later(cb, { error: 3, errorMessage: "another request is in progress" });
    var scopes = params.scopeNicks || params.scopes || ['auth_base'];
    if (typeof scopes === 'string') scopes = [scopes];
    var url = BASE + '/oauth2/publicAppAuthorize.htm?bridge=1&app_id=' + encodeURIComponent(params.appId || APP_ID) + '&scope=' + encodeURIComponent(scopes.join(',')) + '&origin=' + ORIGIN;
    overlay('getAuthCode', url, function (m) {
      later(cb, m ? m.payload : { error: 11, errorMessage: '用户取消授权' });
    });
  }

  var bridge = {
    zfbSandbox: true,
    call: function (name, params, cb) {
      if (typeof params === 'function') { cb = params; params = {}; }
      if (name === 'tradePay') return tradePay(params, cb);
      if (name === 'getAuthCode') return getAuthCode(params, cb);
      if (NOOPS.indexOf(name) >= 0) return later(cb, {});
      if (window.console) console.warn('[zfb sandbox] AlipayJSBridge.call("' + name + '") is not emulated');
      later(cb, { error: 1, errorMessage: 'zfb sandbox: ' + name + ' is not available' });
    },
  };

  function ready() {
    setTimeout(function () {
      window.AlipayJSBridge = bridge;
      var ev;
      try { ev = new Event('AlipayJSBridgeReady'); } catch (e) { ev = document.createEvent('Event'); ev.initEvent('AlipayJSBridgeReady', false, false); }
      document.dispatchEvent(ev);
    }, 0);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
`;
}

/** tradePay({ orderStr }): run the order string through the gateway, then pay its trade in the cashier. */
async function orderString(ctx: SandboxContext, req: SandboxRequest): Promise<SandboxResponse> {
  const orderStr = req.url.searchParams.get('order_str') ?? '';
  const checked = bridgeOrigin(req.url.searchParams.get('origin'));
  const origin = 'origin' in checked ? checked.origin : '';
  const fail = (why: string) => bridgeResultPage({ type: 'tradePay', payload: tradePayPayload('4000', '', `${RESULT_MEMO['4000']}: ${why}`) }, origin || ANY_ORIGIN, '订单信息无效', why, false);
  // Before the gateway: no trade is opened for a page the answer cannot be sent to.
  if ('error' in checked) return fail(checked.error);
  if (!orderStr) return fail('缺少 orderStr');
  const gatewayReq: SandboxRequest = {
    method: 'POST',
    url: new URL('http://sandbox.local/gateway.do'),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(orderStr, 'latin1'),
    params: {},
  };
  const res = await handleGateway(ctx, gatewayReq);
  if (res === HANG) return fail('网关无响应 (gateway hang fault)');
  const location = res.headers?.location;
  const toCashier = (tradeNo: string): SandboxResponse => ({ status: 302, headers: { location: `/cashier/${encodeURIComponent(tradeNo)}?bridge=1&origin=${encodeURIComponent(origin)}` }, body: '' });
  const fromLocation = location ? /^\/cashier\/([^/?]+)/.exec(location) : null;
  if (fromLocation) return toCashier(decodeURIComponent(fromLocation[1]!));
  let charset: 'utf-8' | 'gbk' = 'utf-8';
  try {
    charset = parseForm(orderStr).charset;
  } catch {
    // the gateway has already said what is wrong with it
  }
  const text = Buffer.isBuffer(res.body) ? decodeText(res.body, charset) : String(res.body ?? '');
  try {
    const envelope = JSON.parse(text) as Record<string, unknown>;
    const node = Object.entries(envelope).find(([k]) => k.endsWith('_response'))?.[1] as Record<string, unknown> | undefined;
    if (node && typeof node.trade_no === 'string' && (node.code === '10000' || node.code === undefined)) return toCashier(node.trade_no);
    if (node) return fail(`${String(node.sub_msg ?? node.msg ?? '')} (${String(node.sub_code ?? node.code ?? '')})`);
  } catch {
    // not JSON: an error page of a page method
  }
  return fail('orderStr 无法处理 (the order string was not accepted)');
}
