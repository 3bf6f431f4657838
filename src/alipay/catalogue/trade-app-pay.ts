/**
 * alipay.trade.app.pay (APP支付): the server never calls the gateway; it signs an order string
 * and hands it to the merchant's app, which passes it to the Alipay SDK.
 */
import { z } from 'zod';
import { bizMethod } from './method.js';
import { fixedProductCode } from './fields.js';
import { orderFields } from './trade-order.js';

export const tradeAppPayInput = z.looseObject({
  ...orderFields,
  product_code: fixedProductCode('QUICK_MSECURITY_PAY'),
});

export type TradeAppPayInput = z.input<typeof tradeAppPayInput>;

export const tradeAppPay = bizMethod('alipay.trade.app.pay', 'order-string', tradeAppPayInput, ['notifyUrl']);
