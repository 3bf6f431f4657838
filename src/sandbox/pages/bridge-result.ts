/**
 * How the sandbox's pages answer the JS bridge (jsbridge.ts). In bridge mode (`?bridge=1`) the
 * cashier and the OAuth page run inside the bridge's overlay; when they are done, instead of
 * redirecting they render a page that posts the outcome to the merchant page with postMessage:
 * `{ zfbBridge: true, type: 'tradePay' | 'getAuthCode', payload, forced }`, posted only to the
 * merchant page's origin, which the bridge passes as `origin=` (see `bridgeOrigin` and the ORIGIN
 * section of jsbridge.ts).
 *
 * tradePay result codes (huifu-and-jsapi.md §3): 9000 paid, 8000 processing, 4000 failed,
 * 5000 duplicate request, 6001 user cancelled, 6002 network error, 6004 result unknown, 99 user
 * left via "forgot password". The truthful cashier only produces 9000, 4000 and 6001 (and the
 * bridge itself 5000 for a second tradePay while one is open); the rest exist to be reported on
 * purpose, see `reportedCode`.
 *
 * The `result` of a paid trade is the app-pay synchronous result of alipay-protocol.md §1.6: a JSON
 * string `{"alipay_trade_app_pay_response":{…},"sign":"…","sign_type":"RSA2"}`, the node signed
 * with the sandbox's Alipay key over its exact text, like a gateway answer. The H5 tradePay(tradeNO)
 * result shape is not documented in what we read; the sandbox uses the same one. Anything that did
 * not pay has an empty `result` (so a forced 9000 on an unpaid trade has nothing to verify).
 */
import { fenToYuan } from '../../alipay/money.js';
import { formatAlipayTime } from '../../alipay/time.js';
import { signText } from '../../alipay/sign/rsa.js';
import { alipayJson } from '../gateway/respond.js';
import type { SandboxContext } from '../context.js';
import type { Trade } from '../state/model.js';
import { esc, htmlResponse, page, scriptJson } from './html.js';
import type { SandboxResponse } from '../http/router.js';

export const RESULT_MEMO: Record<string, string> = {
  '9000': '支付成功',
  '8000': '正在处理中，支付结果未知（有可能已经支付成功），请查询商户订单列表中订单的支付状态',
  '4000': '订单支付失败',
  '5000': '重复请求',
  '6001': '用户中途取消',
  '6002': '网络连接出错',
  '6004': '支付结果未知（有可能已经支付成功），请查询商户订单列表中订单的支付状态',
  '99': '用户点击忘记密码导致快捷界面退出',
};

export const RESULT_CODES = Object.keys(RESULT_MEMO);

/** Per-trade overrides set by the admin API (or a test): what tradePay reports for that trade. */
export const BRIDGE_REPORTS = 'bridge_reports';

export interface BridgeReport {
  tradeNo: string;
  reportCode: string;
  createdAt: string;
}

/**
 * Makes every tradePay of this trade report `code` whatever happens in the cashier (undefined
 * removes the override). For the admin API: "9000 but unpaid", "6004 but paid".
 */
export function setBridgeReport(ctx: SandboxContext, tradeNo: string, code: string | undefined): BridgeReport | undefined {
  if (code === undefined) {
    ctx.store.delete(BRIDGE_REPORTS, tradeNo);
    return undefined;
  }
  if (!RESULT_CODES.includes(code)) throw new Error(`reportCode must be one of ${RESULT_CODES.join(', ')}, got ${JSON.stringify(code)}`);
  return ctx.store.put(BRIDGE_REPORTS, tradeNo, { tradeNo, reportCode: code, createdAt: ctx.clock.now().toISOString() });
}

export function bridgeReportOf(ctx: SandboxContext, tradeNo: string): BridgeReport | undefined {
  return ctx.store.get<BridgeReport>(BRIDGE_REPORTS, tradeNo);
}

/**
 * The code tradePay reports: the trade's override if one is set, else the code picked in the
 * cashier's developer options (`report` field or query), else what really happened. `forced`
 * tells the bridge script not to apply its own page-wide knob on top.
 */
export function reportedCode(ctx: SandboxContext, tradeNo: string, truthful: string, picked: string | undefined): { code: string; forced: boolean } {
  const override = bridgeReportOf(ctx, tradeNo);
  if (override) return { code: override.reportCode, forced: true };
  if (picked && RESULT_CODES.includes(picked)) return { code: picked, forced: true };
  return { code: truthful, forced: false };
}

/** The signed app-pay sync result string for a paid trade (§1.6). */
export function paidResultString(ctx: SandboxContext, trade: Trade): string {
  const app = ctx.ledger.app(trade.appId);
  const signType = app?.signType ?? 'RSA2';
  const node = alipayJson({
    code: '10000',
    msg: 'Success',
    app_id: trade.appId,
    auth_app_id: trade.appId,
    charset: trade.charset,
    timestamp: formatAlipayTime(ctx.clock.now()),
    out_trade_no: trade.outTradeNo,
    trade_no: trade.tradeNo,
    total_amount: fenToYuan(trade.totalFen),
    seller_id: trade.sellerId,
  });
  const sign = signText(node, ctx.identity.alipayPrivateKey, signType, 'utf-8');
  return `{"alipay_trade_app_pay_response":${node},"sign":"${sign}","sign_type":"${signType}"}`;
}

/**
 * The targetOrigin of the one kind of answer that has no origin to go to: the refusal of a
 * bridge-mode page opened without a valid `origin`. It carries nothing but that error, so anyone
 * may read it; without it the bridge's overlay would hang with no callback.
 */
export const ANY_ORIGIN = '*';

/**
 * The `origin` parameter of a bridge-mode page: the merchant page's `location.origin`, exactly
 * (`https://shop.example`, `http://127.0.0.1:8080`; no path, no trailing slash), http or https.
 * A page that is not on http(s) (file:, a sandboxed iframe's "null") cannot be addressed by
 * postMessage, so it is refused too. The error texts are for the bridge's callback.
 */
export function bridgeOrigin(value: string | null): { origin: string } | { error: string } {
  if (!value) return { error: '缺少参数 origin，本页须由 /jsbridge.js 打开 (missing origin: this page must be opened by /jsbridge.js)' };
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value) {
    return { error: `origin 不是合法的 http(s) 源：${value} (origin must be the page's location.origin, like https://shop.example)` };
  }
  return { origin: value };
}

export interface BridgeMessage {
  type: 'tradePay' | 'getAuthCode';
  payload: Record<string, unknown>;
  forced?: boolean;
}

/**
 * A page that hands `message` to the bridge (the parent frame, or the opener of a popup) and
 * shows `title`/`text` meanwhile. Without a bridge around it (opened directly), it just shows.
 * `targetOrigin` is the merchant page's origin (a checked `bridgeOrigin`): the browser delivers
 * the message only to a parent of that origin, so a page of another origin that frames ours, even
 * one that passed a false `origin=`, never sees an auth code or a payment result.
 */
export function bridgeResultPage(message: BridgeMessage, targetOrigin: string, title: string, text: string, ok: boolean): SandboxResponse {
  const script =
    `<script type="application/json" id="zfb-bridge-message">${scriptJson({ zfbBridge: true, ...message })}</script>` +
    `<script>(function(){var m=JSON.parse(document.getElementById('zfb-bridge-message').textContent);` +
    `var t=window.parent&&window.parent!==window?window.parent:window.opener;` +
    `function send(){if(t){t.postMessage(m,${scriptJson(targetOrigin)});}}` +
    `var b=document.getElementById('zfb-done');if(b)b.addEventListener('click',send);setTimeout(send,${ok ? 700 : 900});})();</script>`;
  const body =
    `<div class="card center"><h1>${esc(title)}</h1><div class="${ok ? 'ok' : 'error'}">${esc(text)}</div>` +
    `<p class="muted">返回商户页面… <span class="en">returning to the merchant page (resultCode ${esc(String(message.payload.resultCode ?? ''))})</span></p>` +
    `<button type="button" id="zfb-done">完成 <span class="en">done</span></button></div>${script}`;
  return htmlResponse(page(title, body, { bridge: true }));
}

/** The payload of a tradePay callback. */
export function tradePayPayload(code: string, result: string, memo?: string): Record<string, unknown> {
  return { resultCode: code, memo: memo ?? RESULT_MEMO[code] ?? '', result, callbackUrl: null };
}
