/**
 * Page calls (alipay.trade.wap.pay, alipay.trade.page.pay) never reach the gateway from the
 * server: the buyer's browser goes there, by a GET URL or an auto-submitting POST form.
 * App pay and my.tradePay take an order string: the signed parameters as one query string.
 */
import type { ResolvedConfig } from '../config.js';
import { encodeForm } from '../charset.js';
import { splitUrlAndBody, type SignedRequest } from './build.js';

export function pageUrl(config: ResolvedConfig, req: SignedRequest): string {
  return `${config.gateway}${config.gateway.includes('?') ? '&' : '?'}${encodeForm(req.params, config.charset)}`;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');

/**
 * An HTML fragment: a form posting to the gateway (common parameters in the action URL,
 * biz_content as a hidden input) and a script that submits it at once.
 */
export function pageForm(config: ResolvedConfig, req: SignedRequest): string {
  const { url, body } = splitUrlAndBody(req.params);
  const action = `${config.gateway}${config.gateway.includes('?') ? '&' : '?'}${encodeForm(url, config.charset)}`;
  const inputs = Object.entries(body)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<form name="alipay_submit" method="post" action="${escapeHtml(action)}" accept-charset="${config.charset}">${inputs}<input type="submit" value="Pay with Alipay" style="display:none"></form><script>document.forms["alipay_submit"].submit();</script>`;
}

export function orderString(config: ResolvedConfig, req: SignedRequest): string {
  return encodeForm(req.params, config.charset);
}
