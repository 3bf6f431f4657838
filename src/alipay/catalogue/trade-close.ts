/** alipay.trade.close (统一收单交易关闭): closes a trade still waiting for payment (WAIT_BUYER_PAY). */
import { z } from 'zod';
import { bizMethod, type ResultFields } from './method.js';
import { merchantId, requireTradeId, tradeIdFields } from './fields.js';

export const tradeCloseInput = z
  .looseObject({
    ...tradeIdFields,
    operator_id: merchantId('the operator id').optional(),
  })
  .superRefine(requireTradeId);

export type TradeCloseInput = z.input<typeof tradeCloseInput>;

export interface TradeCloseResult extends ResultFields {
  trade_no?: string;
  out_trade_no?: string;
}

export const tradeClose = bizMethod('alipay.trade.close', 'call', tradeCloseInput);
