/**
 * alipay.trade.pay (统一收单交易支付): charges a payment code the cashier scanned (bar_code) or a
 * face-pay token (security_code). The only method with a second non-failure answer: 10003, the
 * buyer is still confirming (password, limits) and the caller must poll alipay.trade.query.
 */
import { z } from 'zod';
import { bizMethod, type ResultFields } from './method.js';
import { expecting, merchantId, productCode, queryOptions, text, userId, yuanAmount } from './fields.js';
import { orderFields, type FundBill } from './trade-order.js';

/** A payment code: 16–24 digits starting 25–30 (Alipay's own model comment). */
const PAYMENT_CODE = /^(2[5-9]|30)\d{14,22}$/;

export const tradePayInput = z
  .looseObject({
    ...orderFields,
    scene: z.enum(['bar_code', 'security_code'], expecting('"bar_code" (payment code) or "security_code" (face pay)')),
    auth_code: text(64, 'the payment code or face-pay token'),
    product_code: productCode.default('FACE_TO_FACE_PAYMENT'),
    discountable_amount: yuanAmount.optional(),
    undiscountable_amount: yuanAmount.optional(),
    buyer_id: userId.optional(),
    terminal_id: merchantId('the terminal id').optional(),
    operator_id: merchantId('the operator id').optional(),
    query_options: queryOptions.optional(),
    /** Pre-authorisation number, with product_code PRE_AUTH. */
    auth_no: text(64, 'auth_no').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.scene === 'bar_code' && !PAYMENT_CODE.test(v.auth_code)) {
      ctx.addIssue({ code: 'custom', path: ['auth_code'], message: `a payment code: 16 to 24 digits starting with 25 to 30, got ${JSON.stringify(v.auth_code)}`, input: v.auth_code });
    }
  });

export type TradePayInput = z.input<typeof tradePayInput>;

/** The money fields both answers carry ("0.00" while the buyer is still confirming). */
export interface TradePayFields extends ResultFields {
  trade_no?: string;
  out_trade_no?: string;
  buyer_logon_id?: string;
  total_amount?: string;
  receipt_amount?: string;
  buyer_pay_amount?: string;
  point_amount?: string;
  invoice_amount?: string;
  /** yyyy-MM-dd HH:mm:ss, Asia/Shanghai. */
  gmt_payment?: string;
  fund_bill_list?: FundBill[];
  buyer_user_id?: string;
  buyer_open_id?: string;
  store_name?: string;
  /** A JSON string, as Alipay sends it. */
  discount_goods_detail?: string;
  voucher_detail_list?: Record<string, unknown>[];
  async_payment_mode?: string;
}

/** 10000: paid. */
export interface TradePayPaid extends TradePayFields {
  code: '10000';
}

/** 10003: the trade exists and the buyer is confirming; poll alipay.trade.query, cancel if it never completes. */
export interface TradePayPending extends TradePayFields {
  code: '10003';
}

/** What api.trade.pay returns: switch on `code`. */
export type TradePayResult = TradePayPaid | TradePayPending;

export const tradePay = bizMethod('alipay.trade.pay', 'call', tradePayInput, ['notifyUrl']);
