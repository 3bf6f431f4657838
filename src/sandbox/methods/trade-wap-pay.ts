/**
 * alipay.trade.wap.pay (手机网站支付), alipay-protocol.md §6.3, and the code it shares with
 * alipay.trade.page.pay (§6.4, trade-page-pay.ts). These are page methods: the buyer's browser
 * brings the signed request (pageExecute GET link or auto-submitted POST form, §1.6), the gateway
 * has checked it, and the answer sends the browser to the sandbox cashier `/cashier/<trade_no>`
 * (pages/cashier.ts), where the buyer logs in and pays; then the browser goes to return_url with
 * signed parameters (§1.7) and the notify follows (notify/).
 *
 *  - biz: out_trade_no, total_amount, subject required; product_code may be left out, but a wrong
 *    one is ACQ.INVALID_PARAMETER (wap: QUICK_WAP_WAY, also QUICK_WAP_PAY which some SDKs send and
 *    the gateway takes; page: FAST_INSTANT_TRADE_PAY only). A failure is shown as an error page
 *    (the gateway does that for page methods).
 *  - return_url / notify_url: common parameters; notify_url falls back to the app's setting.
 *    quit_url (wap) is where the cashier's cancel link goes.
 *  - Unpaid trades close after timeout_express / time_expire; by default after 15 days
 *    (DEFAULT_PAGE_PAY_TIMEOUT_MINUTES, an assumption: 15d is the longest timeout Alipay allows,
 *    and we read no documented default for these two methods).
 *  - The same out_trade_no again with the same out_trade_no/total_amount/subject reopens the same
 *    waiting trade (the latest return_url and notify_url win), so a buyer who comes back to the
 *    merchant and retries, even from PC to phone (wap ↔ page), reaches the same cashier; other
 *    amounts or subject → ACQ.CONTEXT_INCONSISTENT; paid → ACQ.TRADE_HAS_SUCCESS.
 *  - qr_pay_mode / qrcode_width (page pay) are checked and otherwise ignored: the cashier is
 *    always the full page.
 */
import { fenToYuan } from '../../alipay/money.js';
import type { SandboxContext } from '../context.js';
import { LedgerError } from '../state/ledger.js';
import type { MethodHandler } from './types.js';
import { amount, commonTradeFields, expiry, fingerprint, OUT_NO, str } from './common.js';

export const DEFAULT_PAGE_PAY_TIMEOUT_MINUTES = 15 * 1440;

/** What the cashier needs beyond the trade: which page method opened it last, and quit_url. */
export const CASHIER_PAGES = 'cashier_pages';

export interface CashierPage {
  tradeNo: string;
  /** alipay.trade.wap.pay or alipay.trade.page.pay: the return's `method` is this + `.return`. */
  method: string;
  quitUrl?: string;
}

export function cashierPageOf(ctx: SandboxContext, tradeNo: string): CashierPage | undefined {
  return ctx.store.get<CashierPage>(CASHIER_PAGES, tradeNo);
}

const isHttpUrl = (s: string) => /^https?:\/\/[^\s/?#]+[^\s]*$/i.test(s);

export interface PagePaySpec {
  method: 'alipay.trade.wap.pay' | 'alipay.trade.page.pay';
  /** Accepted product codes; the first is the documented one (and the default). */
  productCodes: readonly string[];
}

export function pagePayMethod(spec: PagePaySpec): MethodHandler {
  return ({ ctx, app, params, biz, charset }) => {
    const outTradeNo = str(biz, 'out_trade_no', { required: true, pattern: OUT_NO })!;
    const totalFen = amount(biz, 'total_amount')!;
    const subject = str(biz, 'subject', { required: true, max: 256 })!;
    const productCode = str(biz, 'product_code', { max: 64 }) ?? spec.productCodes[0]!;
    if (!spec.productCodes.includes(productCode)) {
      throw new LedgerError('ACQ.INVALID_PARAMETER', `参数 product_code 无效: ${productCode}，${spec.method} 应为 ${spec.productCodes[0]}`);
    }
    const returnUrl = params.return_url || undefined;
    if (returnUrl !== undefined && !isHttpUrl(returnUrl)) throw new LedgerError('ACQ.INVALID_PARAMETER', `参数 return_url 无效: 应为 http(s) 地址`);
    const notifyUrl = params.notify_url || app.notifyUrl;
    if (params.notify_url && !isHttpUrl(params.notify_url)) throw new LedgerError('ACQ.INVALID_PARAMETER', `参数 notify_url 无效: 应为 http(s) 地址`);
    const quitUrl = str(biz, 'quit_url', { max: 400 });
    if (quitUrl !== undefined && !isHttpUrl(quitUrl)) throw new LedgerError('ACQ.INVALID_PARAMETER', '参数 quit_url 无效: 应为 http(s) 地址');
    const qrPayMode = str(biz, 'qr_pay_mode', { max: 2 });
    if (qrPayMode !== undefined && !/^[0-4]$/.test(qrPayMode)) throw new LedgerError('ACQ.INVALID_PARAMETER', '参数 qr_pay_mode 无效: 取值 0～4');

    const defining = { out_trade_no: outTradeNo, total_amount: fenToYuan(totalFen), subject, page_pay: true };
    const { trade, existed } = ctx.ledger.openTrade({
      ...commonTradeFields(app, params, biz, charset),
      outTradeNo,
      method: spec.method,
      totalFen,
      subject,
      productCode,
      fingerprint: fingerprint(defining),
      notifyUrl,
      returnUrl,
      expiresAt: expiry(biz, ctx.clock.now(), DEFAULT_PAGE_PAY_TIMEOUT_MINUTES),
    });
    if (existed && (trade.returnUrl !== returnUrl || trade.notifyUrl !== notifyUrl)) {
      ctx.ledger.updateWaiting(trade.tradeNo, { returnUrl, notifyUrl });
    }
    const page: CashierPage = { tradeNo: trade.tradeNo, method: spec.method, ...(quitUrl ? { quitUrl } : {}) };
    ctx.store.put(CASHIER_PAGES, trade.tradeNo, page);
    return { redirect: `/cashier/${trade.tradeNo}` };
  };
}

export const tradeWapPay: MethodHandler = pagePayMethod({ method: 'alipay.trade.wap.pay', productCodes: ['QUICK_WAP_WAY', 'QUICK_WAP_PAY'] });
