/**
 * alipay.trade.refund (统一收单交易退款). Code 10000 does not mean money moved: check fund_change,
 * and when it is not "Y" confirm with alipay.trade.fastpay.refund.query. A retry after a failure
 * must reuse the same out_request_no so Alipay refunds once.
 */
import { z } from 'zod';
import { bizMethod, type ResultFields } from './method.js';
import { goodsDetail, merchantId, outRequestNo, queryOptions, requireTradeId, text, tradeIdFields, yuanAmount } from './fields.js';

export const tradeRefundInput = z
  .looseObject({
    ...tradeIdFields,
    refund_amount: yuanAmount,
    /**
     * Needed for a partial refund and unique per refund of the trade; when omitted Alipay uses
     * the out_trade_no, which only works for one full refund. This schema cannot know the trade's
     * total, so it leaves the choice to the caller.
     */
    out_request_no: outRequestNo.optional(),
    refund_reason: text(256, 'the refund reason').optional(),
    operator_id: merchantId('the operator id').optional(),
    store_id: merchantId('the store id').optional(),
    terminal_id: merchantId('the terminal id').optional(),
    goods_detail: goodsDetail.optional(),
    refund_royalty_parameters: z.array(z.record(z.string(), z.unknown())).optional(),
    /** e.g. ["refund_detail_item_list"]. */
    query_options: queryOptions.optional(),
  })
  .superRefine(requireTradeId);

export type TradeRefundInput = z.input<typeof tradeRefundInput>;

export interface TradeRefundResult extends ResultFields {
  trade_no?: string;
  out_trade_no?: string;
  buyer_logon_id?: string;
  /** "Y": money moved in this call; "N" or absent: confirm with the refund query. */
  fund_change?: 'Y' | 'N';
  /** The cumulative amount refunded on this trade, not this refund's amount. */
  refund_fee?: string;
  gmt_refund_pay?: string;
  refund_detail_item_list?: Record<string, unknown>[];
  store_name?: string;
  buyer_user_id?: string;
  buyer_open_id?: string;
  send_back_fee?: string;
  refund_currency?: string;
  present_refund_buyer_amount?: string;
  present_refund_discount_amount?: string;
  present_refund_mdiscount_amount?: string;
}

export const tradeRefund = bizMethod('alipay.trade.refund', 'call', tradeRefundInput, ['notifyUrl']);
