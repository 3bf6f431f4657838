/**
 * alipay.trade.cancel (统一收单交易撤销), alipay-protocol.md §6.10: undoes a face-to-face trade
 * within 24 hours of its creation, whatever state the merchant believes it is in. Always
 * `retry_flag: 'N'` (the sandbox finishes every cancel in one call).
 *  - unpaid (WAIT_BUYER_PAY, including a 10003 trade whose buyer is still confirming) → closed,
 *    `action: 'close'`;
 *  - paid (TRADE_SUCCESS, nothing refunded yet) → refunded in full, `action: 'refund'` with
 *    `gmt_refund_pay`. The refund is an ordinary ledger refund with out_request_no
 *    `cancel-<trade_no>` (so it shows in the refund query and the bill), written together with
 *    the trade's `cancelAction` (query shows it as ext_infos {"action":"refund"}).
 *  - repeated: a trade already cancelled, or already closed unpaid (by close or expiry), answers
 *    the same action again without doing anything (the call must be safe to repeat: merchants
 *    are told to retry cancel on ACQ.SYSTEM_ERROR / 20000, §6.15).
 *  - a paid trade with refunds already (partial, or refunded to zero through alipay.trade.refund)
 *    → ACQ.REASON_TRADE_REFUND_FEE_ERR (§6.10 lists it for "already refunded");
 *    TRADE_FINISHED → ACQ.TRADE_HAS_FINISHED; more than 24 h after creation →
 *    ACQ.TRADE_CANCEL_TIME_OUT (use refund instead).
 *
 * A trade Alipay does not know: §6.10 says a missing `action` means "trade not found or call
 * failed", and cancel's error list (unlike close's or query's) has no ACQ.TRADE_NOT_EXIST — the
 * typical caller is a cashier whose barcode pay timed out, for whom "nothing to undo" is success.
 * So: 10000, retry_flag N, the identifiers echoed, no trade_no of ours and no action. A
 * precreated trade nobody has scanned is such a trade for Alipay (§6.8), but the sandbox also
 * closes it behind the scenes so its QR code can no longer be paid: a merchant who cancels a QR
 * order must not be charged for it afterwards.
 */
import { LedgerError } from '../state/ledger.js';
import { success } from '../gateway/respond.js';
import type { Node } from '../gateway/respond.js';
import type { Trade } from '../state/model.js';
import type { MethodHandler } from './types.js';
import { alipayTime, isUnscannedPrecreate, tradeIds } from './common.js';

export const CANCEL_WINDOW_MS = 24 * 3600_000;

/** The out_request_no of the refund a cancel makes. */
export const cancelRequestNo = (tradeNo: string) => `cancel-${tradeNo}`;

export const tradeCancel: MethodHandler = ({ ctx, app, biz }) => {
  const ids = tradeIds(biz);
  const found = ctx.ledger.findTrade(app.appId, ids);
  if (!found || isUnscannedPrecreate(found)) {
    if (found && found.status === 'WAIT_BUYER_PAY') ctx.ledger.close(found.tradeNo, 'close');
    return { node: success({ ...(ids.tradeNo ? { trade_no: ids.tradeNo } : {}), ...(ids.outTradeNo ? { out_trade_no: ids.outTradeNo } : {}), retry_flag: 'N' }) };
  }
  const t = found;
  const answer = (action: 'close' | 'refund', extra: Node = {}) => ({ node: success({ trade_no: t.tradeNo, out_trade_no: t.outTradeNo, retry_flag: 'N', action, ...extra }) });
  const refundAnswer = (trade: Trade) => {
    const refund = ctx.ledger.refundOf(trade.tradeNo, cancelRequestNo(trade.tradeNo));
    return answer('refund', { gmt_refund_pay: alipayTime(refund?.createdAt) });
  };

  // Already done: the same answer again.
  if (t.cancelAction === 'refund' || ctx.ledger.refundOf(t.tradeNo, cancelRequestNo(t.tradeNo))) return refundAnswer(t);
  if (t.status === 'TRADE_CLOSED' && !t.paidAt) return answer('close');

  if (ctx.clock.now().getTime() - new Date(t.createdAt).getTime() > CANCEL_WINDOW_MS) {
    throw new LedgerError('ACQ.TRADE_CANCEL_TIME_OUT', '超过撤销时间范围，请使用退款接口');
  }
  switch (t.status) {
    case 'WAIT_BUYER_PAY':
      ctx.ledger.close(t.tradeNo, 'close');
      return answer('close');
    case 'TRADE_FINISHED':
      throw new LedgerError('ACQ.TRADE_HAS_FINISHED', '交易已完结');
    case 'TRADE_CLOSED': // paid, then refunded to zero through alipay.trade.refund
      throw new LedgerError('ACQ.REASON_TRADE_REFUND_FEE_ERR', '交易已退款，不能撤销');
    case 'TRADE_SUCCESS': {
      if (t.refundedFen > 0) throw new LedgerError('ACQ.REASON_TRADE_REFUND_FEE_ERR', '交易已退款，不能撤销');
      const { trade } = ctx.ledger.refund(t.tradeNo, { outRequestNo: cancelRequestNo(t.tradeNo), amountFen: t.totalFen, reason: '交易撤销', asCancel: true });
      return refundAnswer(trade);
    }
  }
};
