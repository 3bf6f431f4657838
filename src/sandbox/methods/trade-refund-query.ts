/**
 * alipay.trade.fastpay.refund.query (统一收单交易退款查询), alipay-protocol.md §6.13: one refund of a
 * trade, by its out_request_no (for a refund sent without one: the out_trade_no).
 *
 * The two readings the docs give are both honoured: a refund that happened answers its data
 * *and* `refund_status: 'REFUND_SUCCESS'` (newer rule: success iff REFUND_SUCCESS; older rule:
 * data returned ⇒ refunded). A refund that did not happen answers 10000 with nothing but code and
 * msg — no trade_no, no amounts, no refund_status — so neither reading mistakes it for a refund
 * (the older doc: "nothing returned ⇒ not refunded, retry the refund with the same request no.").
 * A trade Alipay does not know (unknown, or a precreate nobody has scanned) is
 * ACQ.TRADE_NOT_EXIST, as for query.
 */
import { fenToYuan } from '../../alipay/money.js';
import { success } from '../gateway/respond.js';
import type { MethodHandler } from './types.js';
import { alipayTime, OUT_NO, str, tradeNotExist, visibleTrade } from './common.js';

export const tradeRefundQuery: MethodHandler = ({ ctx, app, biz }) => {
  const trade = visibleTrade(ctx, app, biz);
  const requestNo = str(biz, 'out_request_no', { required: true, max: 64, pattern: OUT_NO })!;
  if (!trade) throw tradeNotExist();
  const refund = ctx.ledger.refundOf(trade.tradeNo, requestNo);
  if (!refund) return { node: success() };
  return {
    node: success({
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      out_request_no: refund.outRequestNo,
      total_amount: fenToYuan(trade.totalFen),
      refund_amount: fenToYuan(refund.amountFen),
      refund_status: 'REFUND_SUCCESS',
      refund_reason: refund.reason,
      gmt_refund_pay: alipayTime(refund.createdAt),
      send_back_fee: fenToYuan(refund.amountFen),
    }),
  };
};
