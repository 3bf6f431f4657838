/** alipay.trade.query (统一收单线下交易查询): the state of one trade. */
import { z } from 'zod';
import type { TradeStatus } from '../notify/verify.js';
import { bizMethod, type ResultFields } from './method.js';
import { queryOptions, requireTradeId, text, tradeIdFields } from './fields.js';
import type { FundBill } from './trade-order.js';

export const tradeQueryInput = z
  .looseObject({
    ...tradeIdFields,
    org_pid: text(32, 'org_pid').optional(),
    /** Extra blocks, e.g. ["trade_settle_info", "fund_bill_list", "voucher_detail_list"]. */
    query_options: queryOptions.optional(),
  })
  .superRefine(requireTradeId);

export type TradeQueryInput = z.input<typeof tradeQueryInput>;

export interface TradeQueryResult extends ResultFields {
  trade_no?: string;
  out_trade_no?: string;
  buyer_logon_id?: string;
  /** TRADE_CLOSED also means "fully refunded"; TRADE_FINISHED is paid and no longer refundable. */
  trade_status?: TradeStatus;
  total_amount?: string;
  buyer_pay_amount?: string;
  point_amount?: string;
  invoice_amount?: string;
  receipt_amount?: string;
  /** yyyy-MM-dd HH:mm:ss, Asia/Shanghai. */
  send_pay_date?: string;
  fund_bill_list?: FundBill[];
  store_id?: string;
  terminal_id?: string;
  store_name?: string;
  buyer_user_id?: string;
  buyer_open_id?: string;
  buyer_user_type?: 'PRIVATE' | 'CORPORATE';
  subject?: string;
  body?: string;
  passback_params?: string;
  /** A JSON string, e.g. {"action":"cancel"}. */
  ext_infos?: string;
  mdiscount_amount?: string;
  discount_amount?: string;
}

export const tradeQuery = bizMethod('alipay.trade.query', 'call', tradeQueryInput);
