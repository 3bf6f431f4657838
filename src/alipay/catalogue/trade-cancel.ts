/**
 * alipay.trade.cancel (统一收单交易撤销): undoes a face-to-face trade within 24 hours of creation,
 * closing it if unpaid and refunding it if paid. `retry_flag: "Y"` means call again.
 */
import { z } from 'zod';
import { bizMethod, type ResultFields } from './method.js';
import { requireTradeId, tradeIdFields } from './fields.js';

export const tradeCancelInput = z.looseObject({ ...tradeIdFields }).superRefine(requireTradeId);

export type TradeCancelInput = z.input<typeof tradeCancelInput>;

export interface TradeCancelResult extends ResultFields {
  trade_no?: string;
  out_trade_no?: string;
  /** "Y": the cancel did not complete, call again; "N": done. */
  retry_flag?: 'Y' | 'N';
  /** "close": it was unpaid and is now closed; "refund": it was paid and is refunded; absent: nothing done. */
  action?: 'close' | 'refund' | (string & {});
  gmt_refund_pay?: string;
  refund_settlement_id?: string;
}

export const tradeCancel = bizMethod('alipay.trade.cancel', 'call', tradeCancelInput);
