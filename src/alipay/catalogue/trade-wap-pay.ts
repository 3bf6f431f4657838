/** alipay.trade.wap.pay (手机网站支付): the buyer's mobile browser goes to the Alipay cashier. */
import { z } from 'zod';
import { bizMethod } from './method.js';
import { fixedProductCode, opaqueToken } from './fields.js';
import { checkoutFields, orderFields } from './trade-order.js';

export const tradeWapPayInput = z.looseObject({
  ...orderFields,
  ...checkoutFields,
  product_code: fixedProductCode('QUICK_WAP_WAY'),
  /** Skip the login page when the buyer already granted this token. */
  auth_token: opaqueToken('an access token from alipay.system.oauth.token').optional(),
});

export type TradeWapPayInput = z.input<typeof tradeWapPayInput>;

export const tradeWapPay = bizMethod('alipay.trade.wap.pay', 'page', tradeWapPayInput, ['returnUrl', 'notifyUrl']);
