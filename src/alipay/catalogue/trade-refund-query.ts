/**
 * alipay.trade.fastpay.refund.query (统一收单交易退款查询): the state of one refund. Sources differ
 * on how to read it; the newer rule is "refunded iff refund_status is REFUND_SUCCESS".
 */
import { z } from 'zod';
import { bizMethod, type ResultFields } from './method.js';
import { outRequestNo, queryOptions, requireTradeId, tradeIdFields } from './fields.js';

export const tradeRefundQueryInput = z
  .looseObject({
    ...tradeIdFields,
    /** The refund's request number; for a refund sent without one, the out_trade_no. */
    out_request_no: outRequestNo,
    query_options: queryOptions.optional(),
  })
  .superRefine(requireTradeId);

export type TradeRefundQueryInput = z.input<typeof tradeRefundQueryInput>;

export interface TradeRefundQueryResult extends ResultFields {
  trade_no?: string;
  out_trade_no?: string;
  out_request_no?: string;
  total_amount?: string;
  refund_amount?: string;
  refund_status?: 'REFUND_SUCCESS' | 'REFUND_PROCESSING' | 'REFUND_FAIL' | (string & {});
  refund_reason?: string;
  gmt_refund_pay?: string;
  refund_detail_item_list?: Record<string, unknown>[];
  refund_royaltys?: Record<string, unknown>[];
  send_back_fee?: string;
  deposit_back_info?: Record<string, unknown>;
}

export const tradeRefundQuery = bizMethod('alipay.trade.fastpay.refund.query', 'call', tradeRefundQueryInput);
