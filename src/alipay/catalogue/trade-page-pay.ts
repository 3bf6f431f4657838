/** alipay.trade.page.pay (电脑网站支付): the buyer's desktop browser goes to the Alipay cashier. */
import { z } from 'zod';
import { bizMethod } from './method.js';
import { expecting, fixedProductCode, httpUrl } from './fields.js';
import { checkoutFields, orderFields } from './trade-order.js';

export const tradePagePayInput = z
  .looseObject({
    ...orderFields,
    ...checkoutFields,
    product_code: fixedProductCode('FAST_INSTANT_TRADE_PAY'),
    /** 0–3: QR code embedded in the merchant page at fixed sizes; 4: sized by qrcode_width. */
    qr_pay_mode: z.enum(['0', '1', '2', '3', '4'], expecting('a QR mode "0" to "4"')).optional(),
    qrcode_width: z.number(expecting('a QR code width in pixels (whole number)')).int(expecting('a QR code width in pixels (whole number)')).positive(expecting('a QR code width in pixels (whole number)')).optional(),
    integration_type: z.enum(['ALIAPP', 'PCWEB'], expecting('"ALIAPP" or "PCWEB"')).optional(),
    request_from_url: httpUrl.optional(),
    /** "0" virtual goods, "1" physical goods. */
    goods_type: z.enum(['0', '1'], expecting('"0" (virtual) or "1" (physical)')).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.qr_pay_mode === '4' && v.qrcode_width === undefined) {
      ctx.addIssue({ code: 'custom', path: ['qrcode_width'], message: 'required with qr_pay_mode "4": a QR code width in pixels (whole number)', input: undefined });
    }
  });

export type TradePagePayInput = z.input<typeof tradePagePayInput>;

export const tradePagePay = bizMethod('alipay.trade.page.pay', 'page', tradePagePayInput, ['returnUrl', 'notifyUrl']);
