/**
 * zfb's browser helper for paying inside the Alipay app, for a merchant who builds their own
 * page (the hosted checkout uses it too). Published as `zfb/browser` and served by the payment
 * server at `/zfb/tradepay.js` as an ES module:
 *
 *   <script type="module">
 *     import { payAndConfirm } from '/zfb/tradepay.js';
 *     const { outcome, server } = await payAndConfirm({
 *       tradeNo,                                  // from POST /v1/orders/{id}/jsapi-payments
 *       confirm: (r) => fetch('/my/order/status?code=' + r.resultCode).then((x) => x.json()),
 *     });
 *   </script>
 *
 * In an H5 page it calls `AlipayJSBridge.call('tradePay', { tradeNO })`, waiting for the
 * `AlipayJSBridgeReady` event when the bridge is not there yet; in a mini-program web view
 * (`my.tradePay` present) it calls that. The result code only says what the buyer saw
 * (huifu-and-jsapi.md §3): 9000 is a hint, 8000 and 6004 are "unknown, may be paid". So the
 * helper always asks the merchant's server afterwards, and a page shows "paid" only when the
 * server says so (it knows from the notify or alipay.trade.query).
 *
 * Self-contained (no imports) because it runs in the buyer's browser as it is compiled.
 */

/** What a tradePay result code means for the page. */
export type TradePayOutcome =
  | 'success' //   9000: the buyer saw success (confirm on the server before saying paid)
  | 'processing' // 8000, 6004: unknown, may have been paid: confirm on the server
  | 'cancelled' //  6001, 99 (left from "forgot password"): pay again
  | 'network' //    6002: the network failed: retry
  | 'duplicate' //  5000: another tradePay is still open
  | 'failed'; //    4000, 4 (no permission) and anything else: failed, retry or pay another way

export interface TradePayResult {
  resultCode: string;
  outcome: TradePayOutcome;
  memo?: string;
}

const OUTCOMES: Record<string, TradePayOutcome> = {
  '9000': 'success',
  '8000': 'processing',
  '6004': 'processing',
  '6001': 'cancelled',
  '99': 'cancelled',
  '6002': 'network',
  '5000': 'duplicate',
};

export function outcomeOf(resultCode: string | number | undefined): TradePayOutcome {
  return OUTCOMES[String(resultCode ?? '')] ?? 'failed';
}

type BridgeCallback = (r: { resultCode?: string | number; memo?: string }) => void;
interface Bridge {
  call(name: 'tradePay', params: { tradeNO: string }, cb: BridgeCallback): void;
}
interface MiniProgram {
  tradePay(o: { tradeNO: string; success: BridgeCallback; fail: BridgeCallback }): void;
}
interface BrowserGlobals {
  AlipayJSBridge?: Bridge;
  my?: Partial<MiniProgram>;
  document?: { addEventListener(type: string, fn: () => void, opts?: { once: boolean }): void; removeEventListener(type: string, fn: () => void): void };
  setTimeout(fn: () => void, ms: number): unknown;
}
const g = globalThis as unknown as BrowserGlobals;

/** The bridge, now or when `AlipayJSBridgeReady` fires; rejects after `timeoutMs` (not inside the Alipay app). */
export function whenBridgeReady(timeoutMs = 10_000): Promise<Bridge> {
  if (g.AlipayJSBridge) return Promise.resolve(g.AlipayJSBridge);
  return new Promise((resolve, reject) => {
    const ready = () => (g.AlipayJSBridge ? resolve(g.AlipayJSBridge) : reject(new Error('AlipayJSBridgeReady fired without AlipayJSBridge')));
    g.document?.addEventListener('AlipayJSBridgeReady', ready, { once: true });
    g.setTimeout(() => {
      g.document?.removeEventListener('AlipayJSBridgeReady', ready);
      reject(new Error('AlipayJSBridge is not available: open this page inside the Alipay app'));
    }, timeoutMs);
  });
}

/** Opens Alipay's cashier for `tradeNo` (the Alipay trade_no, not your out_trade_no) and says what the buyer did. */
export async function tradePay(tradeNo: string, opts: { bridgeTimeoutMs?: number } = {}): Promise<TradePayResult> {
  const done = (r: { resultCode?: string | number; memo?: string } | undefined): TradePayResult => {
    const resultCode = String(r?.resultCode ?? '');
    return { resultCode, outcome: outcomeOf(resultCode), ...(r?.memo ? { memo: r.memo } : {}) };
  };
  const mini = g.my?.tradePay;
  if (typeof mini === 'function' && !g.AlipayJSBridge) {
    return new Promise((resolve) => mini.call(g.my, { tradeNO: tradeNo, success: (r) => resolve(done(r)), fail: (r) => resolve(done(r)) }));
  }
  const bridge = await whenBridgeReady(opts.bridgeTimeoutMs);
  return new Promise((resolve) => bridge.call('tradePay', { tradeNO: tradeNo }, (r) => resolve(done(r))));
}

/** tradePay, then the server's word on it: `confirm` gets the result and answers what the server knows. */
export async function payAndConfirm<T>(p: { tradeNo: string; confirm: (r: TradePayResult) => Promise<T>; bridgeTimeoutMs?: number }): Promise<{ result: TradePayResult; server: T }> {
  const result = await tradePay(p.tradeNo, p.bridgeTimeoutMs === undefined ? {} : { bridgeTimeoutMs: p.bridgeTimeoutMs });
  return { result, server: await p.confirm(result) };
}
