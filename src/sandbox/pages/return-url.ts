/**
 * The synchronous browser return after wap/page pay (alipay-protocol.md §1.7): GET return_url with
 * charset, out_trade_no, method (`alipay.trade.wap.pay.return` / `alipay.trade.page.pay.return`),
 * total_amount, sign, trade_no, auth_app_id, version, app_id, sign_type, seller_id, timestamp.
 *
 * Signed like a notify (§3.3, rsaCheckV1): `sign` and `sign_type` left out of the signed string,
 * empty values dropped, keys sorted, raw values joined; signed with the sandbox's Alipay key, the
 * app's sign type, over the bytes of the trade's charset, and percent-encoded in that charset.
 *
 * A return_url that has its own query string keeps it, and Alipay's parameters are appended with
 * `&`; the merchant's own parameters are not signed, so they must be removed before verifying
 * (our AlipayClient.verifyReturn and the official SDKs verify every parameter they are given).
 */
import { encodeForm } from '../../alipay/charset.js';
import { fenToYuan } from '../../alipay/money.js';
import { formatAlipayTime } from '../../alipay/time.js';
import { notifySignContent } from '../../alipay/sign/content.js';
import { signText } from '../../alipay/sign/rsa.js';
import type { SandboxContext } from '../context.js';
import type { SandboxApp, Trade } from '../state/model.js';

export function returnParams(ctx: SandboxContext, app: SandboxApp, trade: Trade, method: string): Record<string, string> {
  const unsigned = {
    charset: trade.charset,
    out_trade_no: trade.outTradeNo,
    method: `${method}.return`,
    total_amount: fenToYuan(trade.totalFen),
    trade_no: trade.tradeNo,
    auth_app_id: app.appId,
    version: '1.0',
    app_id: app.appId,
    seller_id: trade.sellerId,
    timestamp: formatAlipayTime(ctx.clock.now()),
  };
  const sign = signText(notifySignContent(unsigned), ctx.identity.alipayPrivateKey, app.signType, trade.charset);
  // The order §1.7 lists them in.
  return {
    charset: unsigned.charset,
    out_trade_no: unsigned.out_trade_no,
    method: unsigned.method,
    total_amount: unsigned.total_amount,
    sign,
    trade_no: unsigned.trade_no,
    auth_app_id: unsigned.auth_app_id,
    version: unsigned.version,
    app_id: unsigned.app_id,
    sign_type: app.signType,
    seller_id: unsigned.seller_id,
    timestamp: unsigned.timestamp,
  };
}

/**
 * `url` with `query` appended (`?` or `&`), before any `#fragment`. The result goes into a
 * Location header, so anything outside printable ASCII in the merchant's URL (Chinese in a query,
 * a space) is percent-encoded as UTF-8, the way a browser would send it.
 */
export function appendQuery(url: string, query: string): string {
  const hash = url.indexOf('#');
  const base = hash >= 0 ? url.slice(0, hash) : url;
  const fragment = hash >= 0 ? url.slice(hash) : '';
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return asciiUrl(`${base}${sep}${query}${fragment}`);
}

function asciiUrl(url: string): string {
  return url.replace(/[^\x21-\x7e]+/gu, (run) => {
    try {
      return encodeURIComponent(run);
    } catch {
      return encodeURIComponent(run.replace(/[\ud800-\udfff]/g, '\ufffd')); // a lone surrogate
    }
  });
}

/** Where the browser goes after paying: return_url plus the signed parameters, in the trade's charset. */
export function returnLocation(ctx: SandboxContext, app: SandboxApp, trade: Trade, returnUrl: string, method: string): string {
  return appendQuery(returnUrl, encodeForm(returnParams(ctx, app, trade, method), trade.charset));
}
