/**
 * alipay.trade.query (统一收单线下交易查询): the trade's state. A precreated trade the buyer has not
 * scanned yet does not exist for Alipay (ACQ.TRADE_NOT_EXIST), like the real gateway.
 */
import { fenToYuan } from '../../alipay/money.js';
import { LedgerError } from '../state/ledger.js';
import { success } from '../gateway/respond.js';
import type { MethodHandler } from './types.js';
import { alipayTime, buyerFields, paidAmounts, tradeIds, zeroAmounts } from './common.js';

export const tradeQuery: MethodHandler = ({ ctx, app, biz }) => {
  const trade = ctx.ledger.findTrade(app.appId, tradeIds(biz));
  if (!trade || (trade.method === 'alipay.trade.precreate' && !trade.buyerUserId)) {
    throw new LedgerError('ACQ.TRADE_NOT_EXIST', '交易不存在');
  }
  const paid = trade.paidAt !== undefined;
  return {
    node: success({
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      ...buyerFields(ctx, app, trade.buyerUserId, { id: 'buyer_user_id', openId: 'buyer_open_id' }),
      trade_status: trade.status,
      total_amount: fenToYuan(trade.totalFen),
      ...(paid ? paidAmounts(trade) : zeroAmounts()),
      send_pay_date: alipayTime(trade.paidAt),
      ...(paid ? { fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: fenToYuan(trade.totalFen) }] } : {}),
      store_id: trade.storeId,
      terminal_id: trade.terminalId,
      subject: trade.subject,
      body: trade.body,
      buyer_user_type: trade.buyerUserId ? 'PRIVATE' : undefined,
      ...(trade.cancelAction ? { ext_infos: JSON.stringify({ action: trade.cancelAction }) } : {}),
    }),
  };
};
