/**
 * alipay.trade.page.pay (电脑网站支付), alipay-protocol.md §6.4: the same flow as wap pay
 * (trade-wap-pay.ts) with product_code FAST_INSTANT_TRADE_PAY, its only documented value.
 */
import type { MethodHandler } from './types.js';
import { pagePayMethod } from './trade-wap-pay.js';

export const tradePagePay: MethodHandler = pagePayMethod({ method: 'alipay.trade.page.pay', productCodes: ['FAST_INSTANT_TRADE_PAY'] });
