/**
 * alipay.trade.refund (统一收单交易退款), alipay-protocol.md §6.12:
 *  - refund_amount ≤ what is left to refund, else ACQ.REASON_TRADE_REFUND_FEE_ERR;
 *  - out_request_no names one refund of the trade. Without it the refund must be of the whole
 *    total (ACQ.REFUND_AMT_NOT_EQUAL_TOTAL otherwise) and its request number is the
 *    out_trade_no — what the refund query then takes (§6.13);
 *  - idempotent on out_request_no: the first call moves money (`fund_change: 'Y'`), a repeat with
 *    the same amount answers the same refund with `fund_change: 'N'`, another amount is
 *    ACQ.DISCORDANT_REPEAT_REQUEST (Ledger.refund);
 *  - `refund_fee` is the trade's cumulative refunded total, `send_back_fee` this refund's amount;
 *  - refunded to zero, the trade is TRADE_CLOSED (§6.9); TRADE_FINISHED refuses
 *    (ACQ.TRADE_HAS_FINISHED), an unpaid one is ACQ.TRADE_STATUS_ERROR.
 * Failures keep `out_trade_no`, `refund_fee` and `send_back_fee` ("0.00") in the node, like
 * the refund failure quoted in §2.1.
 */
import { fenToYuan } from '../../alipay/money.js';
import { LedgerError } from '../state/ledger.js';
import { success } from '../gateway/respond.js';
import { MethodError, type MethodCall, type MethodHandler, type MethodResult } from './types.js';
import { alipayTime, amount, buyerFields, OUT_NO, str, tradeIds, tradeNotExist, visibleTrade } from './common.js';

export const tradeRefund: MethodHandler = (call) => {
  const { biz } = call;
  let outTradeNo = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : undefined;
  try {
    return refund(call, (known) => (outTradeNo = known));
  } catch (err) {
    if (!(err instanceof LedgerError)) throw err;
    throw new MethodError('40004', err.subCode, err.subMsg, { ...(outTradeNo ? { out_trade_no: outTradeNo } : {}), refund_fee: '0.00', send_back_fee: '0.00' });
  }
};

function refund({ ctx, app, biz }: MethodCall, foundOutTradeNo: (no: string) => void): MethodResult {
  tradeIds(biz);
  const amountFen = amount(biz, 'refund_amount')!;
  const requestNo = str(biz, 'out_request_no', { max: 64, pattern: OUT_NO });
  const reason = str(biz, 'refund_reason', { max: 256 });
  for (const field of ['operator_id', 'store_id', 'terminal_id']) str(biz, field, { max: 32 });

  const trade = visibleTrade(ctx, app, biz);
  if (!trade) throw tradeNotExist();
  foundOutTradeNo(trade.outTradeNo);
  if (requestNo === undefined && amountFen !== trade.totalFen) {
    throw new LedgerError('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '撤销或退款金额与订单金额不一致');
  }
  const result = ctx.ledger.refund(trade.tradeNo, { outRequestNo: requestNo ?? trade.outTradeNo, amountFen, reason });
  const after = result.trade;
  return {
    node: success({
      trade_no: after.tradeNo,
      out_trade_no: after.outTradeNo,
      ...buyerFields(ctx, app, after.buyerUserId, { id: 'buyer_user_id', openId: 'buyer_open_id' }),
      fund_change: result.repeated ? 'N' : 'Y',
      refund_fee: fenToYuan(after.refundedFen),
      gmt_refund_pay: alipayTime(result.refund.createdAt),
      store_name: after.storeId ? `沙箱门店 ${after.storeId}` : undefined,
      send_back_fee: fenToYuan(result.refund.amountFen),
    }),
  };
}
