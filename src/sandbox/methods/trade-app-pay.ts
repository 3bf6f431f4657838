/**
 * alipay.trade.app.pay (APP支付), alipay-protocol.md §6.5. In reality this is not a gateway call:
 * the merchant's server signs an order string (sdkExecute), its app hands it to the Alipay app,
 * and the buyer pays there. The sandbox accepts it at the gateway too, as a convenience: the
 * call creates the trade (WAIT_BUYER_PAY, product_code QUICK_MSECURITY_PAY) so that an order
 * string can then be "paid" by the admin API or the JS bridge — `openAppPayTrade` is what they
 * call with the order string's parameters. The answer has the shape of the synchronous result the
 * Alipay app gives back to the merchant's app (alipay_trade_app_pay_response: out_trade_no,
 * trade_no, total_amount, seller_id, app_id, auth_app_id, charset, timestamp).
 */
import { fenToYuan } from '../../alipay/money.js';
import { formatAlipayTime } from '../../alipay/time.js';
import { success } from '../gateway/respond.js';
import type { SandboxContext } from '../context.js';
import type { SandboxApp, Trade } from '../state/model.js';
import { LedgerError } from '../state/ledger.js';
import type { MethodHandler } from './types.js';
import { amount, commonTradeFields, expiry, fingerprint, OUT_NO, str } from './common.js';

export const DEFAULT_APP_PAY_TIMEOUT_MINUTES = 15 * 1440;

/** Creates (or finds again, for the same parameters) the trade an app-pay order string describes. */
export function openAppPayTrade(ctx: SandboxContext, app: SandboxApp, params: Record<string, string>, biz: Record<string, unknown>, charset: 'utf-8' | 'gbk'): Trade {
  const outTradeNo = str(biz, 'out_trade_no', { required: true, pattern: OUT_NO })!;
  const totalFen = amount(biz, 'total_amount')!;
  const subject = str(biz, 'subject', { required: true, max: 256 })!;
  const productCode = str(biz, 'product_code', { max: 64 }) ?? 'QUICK_MSECURITY_PAY';
  if (productCode !== 'QUICK_MSECURITY_PAY') throw new LedgerError('ACQ.INVALID_PARAMETER', `参数 product_code 无效: APP支付应为 QUICK_MSECURITY_PAY`);
  const defining = { method: 'app.pay', out_trade_no: outTradeNo, total_amount: fenToYuan(totalFen), subject };
  return ctx.ledger.openTrade({
    ...commonTradeFields(app, params, biz, charset),
    outTradeNo,
    method: 'alipay.trade.app.pay',
    totalFen,
    subject,
    productCode,
    fingerprint: fingerprint(defining),
    expiresAt: expiry(biz, ctx.clock.now(), DEFAULT_APP_PAY_TIMEOUT_MINUTES),
  }).trade;
}

export const tradeAppPay: MethodHandler = ({ ctx, app, params, biz, charset }) => {
  const trade = openAppPayTrade(ctx, app, params, biz, charset);
  return {
    node: success({
      out_trade_no: trade.outTradeNo,
      trade_no: trade.tradeNo,
      app_id: app.appId,
      total_amount: fenToYuan(trade.totalFen),
      seller_id: trade.sellerId,
      charset,
      timestamp: formatAlipayTime(ctx.clock.now()),
      auth_app_id: app.appId,
    }),
  };
};
