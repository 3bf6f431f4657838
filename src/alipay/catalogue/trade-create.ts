/**
 * alipay.trade.create (统一收单交易创建): creates a trade for a known buyer (mini program, JSAPI);
 * the front end then pays it with my.tradePay({ tradeNO: trade_no }).
 */
import { z } from 'zod';
import { bizMethod, type ResultFields } from './method.js';
import { appId, merchantId, openId, productCode, text, userId } from './fields.js';
import { orderFields } from './trade-order.js';

export const tradeCreateInput = z
  .looseObject({
    ...orderFields,
    product_code: productCode.default('JSAPI_PAY'),
    /** The paying buyer: buyer_id (2088…) for user-id apps, buyer_open_id for openid apps. Exactly one. */
    buyer_id: userId.optional(),
    buyer_open_id: openId.optional(),
    buyer_logon_id: text(100, 'the buyer logon id').optional(),
    /** The mini program's app id, when it differs from the calling app (ISV). */
    op_app_id: appId.optional(),
    op_buyer_open_id: openId.optional(),
    terminal_id: merchantId('the terminal id').optional(),
    operator_id: merchantId('the operator id').optional(),
  })
  .superRefine((v, ctx) => {
    // Alipay binds the trade to this buyer; without one, or with two, my.tradePay cannot match it.
    if (v.buyer_id === undefined && v.buyer_open_id === undefined) {
      ctx.addIssue({ code: 'custom', path: ['buyer_id'], message: 'required: exactly one of buyer_id (2088…) or buyer_open_id, the buyer who will pay', input: undefined });
    } else if (v.buyer_id !== undefined && v.buyer_open_id !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['buyer_open_id'], message: 'not together with buyer_id: send exactly one of buyer_id or buyer_open_id', input: v.buyer_open_id });
    }
  });

export type TradeCreateInput = z.input<typeof tradeCreateInput>;

export interface TradeCreateResult extends ResultFields {
  out_trade_no?: string;
  /** Pass to the front end as tradeNO. */
  trade_no?: string;
}

export const tradeCreate = bizMethod('alipay.trade.create', 'call', tradeCreateInput, ['notifyUrl']);
