/**
 * alipay.trade.precreate (扫码支付): asks Alipay for a QR code the buyer scans. The trade exists at
 * Alipay only after the scan, so query/close before that answer ACQ.TRADE_NOT_EXIST.
 */
import { z } from 'zod';
import { bizMethod, type ResultFields } from './method.js';
import { merchantId, productCode, text, timeoutExpress } from './fields.js';
import { orderFields } from './trade-order.js';

export const tradePrecreateInput = z.looseObject({
  ...orderFields,
  product_code: productCode.optional(),
  /** How long the QR code itself stays valid (same syntax as timeout_express). */
  qr_code_timeout_express: timeoutExpress.optional(),
  terminal_id: merchantId('the terminal id').optional(),
  operator_id: merchantId('the operator id').optional(),
  code_type: text(32, 'code_type').optional(),
});

export type TradePrecreateInput = z.input<typeof tradePrecreateInput>;

export interface TradePrecreateResult extends ResultFields {
  out_trade_no?: string;
  /** The content of the QR code to show, e.g. https://qr.alipay.com/bax… */
  qr_code?: string;
  share_code?: string;
  prepay_id?: string;
}

export const tradePrecreate = bizMethod('alipay.trade.precreate', 'call', tradePrecreateInput, ['notifyUrl']);
