/**
 * alipay.trade.close (统一收单交易关闭), alipay-protocol.md §6.11: only a trade still waiting for
 * payment (WAIT_BUYER_PAY) can be closed; anything else is ACQ.TRADE_STATUS_ERROR, an unknown
 * trade ACQ.TRADE_NOT_EXIST. A precreated trade nobody has scanned yet does not exist for Alipay
 * (§6.8), so closing it is ACQ.TRADE_NOT_EXIST too and its QR code stays payable: merchants who
 * want a QR code dead use alipay.trade.cancel, which does close it (see trade-cancel.ts).
 * A trade waiting for the buyer's password (10003) is WAIT_BUYER_PAY and can be closed; it then
 * never pays itself (the ledger clears payAt).
 */
import { LedgerError } from '../state/ledger.js';
import { success } from '../gateway/respond.js';
import type { MethodHandler } from './types.js';
import { str, tradeNotExist, visibleTrade } from './common.js';

export const tradeClose: MethodHandler = ({ ctx, app, biz }) => {
  str(biz, 'operator_id', { max: 28 });
  const trade = visibleTrade(ctx, app, biz);
  if (!trade) throw tradeNotExist();
  if (trade.status !== 'WAIT_BUYER_PAY') throw new LedgerError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
  const closed = ctx.ledger.close(trade.tradeNo);
  return { node: success({ trade_no: closed.tradeNo, out_trade_no: closed.outTradeNo }) };
};
