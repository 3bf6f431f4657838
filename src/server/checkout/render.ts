/**
 * TEMPORARY: the checkout page until src/web/checkout/page.ts lands (the web part renders the
 * same model). Plain HTML; no behaviour beyond links and the tradePay call.
 */
import { fenToYuan } from '../../alipay/index.js';
import { esc, page } from './pages.js';
import type { CheckoutState, StatusAnswer } from './state.js';

export type Lang = 'zh' | 'en';
export function pickLang(q?: string, accept?: string): Lang {
  if (q === 'en' || q === 'zh') return q;
  return /^\s*en/i.test(accept ?? '') ? 'en' : 'zh';
}

export interface CheckoutPageModel {
  lang: Lang;
  merchantName: string;
  order: { id: string; subject: string; amountFen: number; expiresAt: string };
  state: CheckoutState;
  failure?: { code: string; message: string };
  via: 'alipay' | 'wap' | 'desktop';
  actions: { wapUrl?: string; pagePayUrl?: string; qr?: { text: string }; jsapi?: { tradeNo: string; resultUrl: string } };
  statusUrl: string;
  returnUrl?: string;
  bridgeScriptUrl?: string;
  otherWays?: { via: 'wap' | 'page' | 'qr' | 'alipay'; href: string }[];
}
export type { StatusAnswer };

export function renderCheckoutPage(m: CheckoutPageModel): string {
  const a = m.actions;
  const parts = [`<h1>${esc(m.merchantName)}</h1><p>${esc(m.order.subject)}</p><p class="amount">¥${fenToYuan(m.order.amountFen)}</p><p id="state" data-checkout-state="${m.state}">${m.state}</p>`];
  const open = m.state === 'waiting' || m.state === 'confirming';
  if (open && a.wapUrl) parts.push(`<a class="button" data-action="wap" href="${esc(a.wapUrl)}">wap</a>`);
  if (open && a.pagePayUrl) parts.push(`<a class="button" data-action="page" href="${esc(a.pagePayUrl)}">page</a>`);
  if (open && a.qr) parts.push(`<p data-action="qr" data-text="${esc(a.qr.text)}">${esc(a.qr.text)}</p>`);
  const script = `<script>var M=${JSON.stringify({ statusUrl: m.statusUrl, jsapi: a.jsapi ?? null }).replace(/</g, '\\u003c')};
function show(s){var e=document.getElementById('state');e.textContent=s.state;e.setAttribute('data-checkout-state',s.state);if(s.state!=='waiting'&&s.state!=='confirming'){var x=document.querySelectorAll('[data-action]');for(var i=0;i<x.length;i++)x[i].remove();}}
function poll(){fetch(M.statusUrl).then(function(r){return r.json()}).then(function(s){show(s);if(s.state==='waiting'||s.state==='confirming')setTimeout(poll,1000)}).catch(function(){setTimeout(poll,2000)})}
function pay(){AlipayJSBridge.call('tradePay',{tradeNO:M.jsapi.tradeNo},function(r){fetch(M.jsapi.resultUrl,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({resultCode:String(r.resultCode)})}).then(function(x){return x.json()}).then(function(s){show(s);if(s.state==='waiting'||s.state==='confirming')poll()})})}
if(M.jsapi){if(window.AlipayJSBridge)pay();else document.addEventListener('AlipayJSBridgeReady',pay)}else poll();</script>`;
  const head = m.bridgeScriptUrl ? `<script src="${esc(m.bridgeScriptUrl)}"></script>` : '';
  return page(m.order.subject, head + parts.join('') + script);
}

export function renderMessagePage(_lang: Lang, kind: 'not_found' | 'invalid_oauth' | 'error', detail?: string): string {
  return page(kind, `<h1>${kind}</h1>${detail ? `<p>${esc(detail)}</p>` : ''}`);
}
