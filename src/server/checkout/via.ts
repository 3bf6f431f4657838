/**
 * Which way to pay the checkout offers, from where the buyer opened the link (the documented rule,
 * README "The checkout"):
 *   - the user agent names the Alipay app (`AlipayClient/…`, as the app's WebView sends it, or
 *     `AliApp(AP/…)`) → `alipay`: OAuth auth_base, then JSAPI tradePay;
 *   - a phone or tablet browser (iPhone, iPad, iPod, Android, HarmonyOS, Mobile, or the iPad that
 *     reports itself as a Mac but has touch: we cannot see touch, so an iPad in desktop mode gets
 *     the desktop page, whose QR code and page pay both work there) → `wap`;
 *   - anything else → `desktop`: page pay and a precreate QR code to scan with the phone.
 * `?via=wap|page|qr|alipay` overrides it (`page` and `qr` are the desktop page with only that way).
 */
export type Via = 'alipay' | 'wap' | 'page' | 'qr' | 'desktop';

const ALIPAY_APP = /AlipayClient|AliApp\(AP/i;
const MOBILE = /iPhone|iPad|iPod|Android|HarmonyOS|Mobile/i;

export function chooseVia(userAgent: string | undefined, override: string | undefined): Via {
  if (override === 'wap' || override === 'page' || override === 'qr' || override === 'alipay') return override;
  const ua = userAgent ?? '';
  if (ALIPAY_APP.test(ua)) return 'alipay';
  if (MOBILE.test(ua)) return 'wap';
  return 'desktop';
}
