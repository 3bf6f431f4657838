/**
 * The parameters of a trade_status_sync notify (alipay-protocol.md §3.2) for one ledger event,
 * before signing: notify_time, sign and (re)signing happen at each send (body.ts).
 *
 * Which events notify (§3.1, trigger table):
 *  - paid      → trade_status TRADE_SUCCESS; TRADE_FINISHED when the ledger finishes a trade.
 *  - closed    → TRADE_CLOSED, whatever method created the trade. The table says TRADE_CLOSED
 *                notifies; the sandbox applies it to barcode trades (alipay.trade.pay) closed by a
 *                cancel too, because a merchant that polls and cancels must take a closed notify
 *                for a trade it already settled, idempotently (§3.4), and testing that is the point.
 *  - refunded  → the trade's status after the refund: TRADE_SUCCESS for a partial refund,
 *                TRADE_CLOSED for a full one, with refund_fee (cumulative), gmt_refund (with
 *                milliseconds, as the docs' example) and out_biz_no (the refund's out_request_no).
 * Money fields follow the trade: receipt/invoice/buyer_pay/point amounts and fund_bill_list only
 * for a trade that was paid; refund_fee whenever something has been refunded. Empty values are
 * left out (Alipay never sends `k=`).
 */
import { fenToYuan } from '../../alipay/money.js';
import { formatAlipayTime } from '../../alipay/time.js';
import type { SandboxContext } from '../context.js';
import type { SandboxApp } from '../state/model.js';
import type { TradeEvent } from '../state/ledger.js';
import { alipayTime, buyerFields, paidAmounts } from '../methods/common.js';

/** `yyyy-MM-dd HH:mm:ss.SSS` in Asia/Shanghai, as gmt_refund is written. */
export function alipayTimeMs(iso: string): string {
  const d = new Date(iso);
  return `${formatAlipayTime(d)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

/** fund_bill_list as Alipay puts it in a notify: a JSON string, camelCase inside. */
export function fundBillList(totalFen: number): string {
  return JSON.stringify([{ amount: fenToYuan(totalFen), fundChannel: 'ALIPAYACCOUNT' }]);
}

export function tradeStatusSyncParams(ctx: SandboxContext, app: SandboxApp, event: TradeEvent, notifyId: string): Record<string, string> {
  const t = event.trade;
  const paid = t.paidAt !== undefined;
  const buyer = buyerFields(ctx, app, t.buyerUserId, { id: 'buyer_id', openId: 'buyer_open_id' });
  const { total_amount: _total, ...amounts } = paid ? paidAmounts(t) : {};
  const raw: Record<string, unknown> = {
    notify_type: 'trade_status_sync',
    notify_id: notifyId,
    app_id: t.appId,
    auth_app_id: t.appId,
    charset: t.charset,
    version: '1.0',
    sign_type: app.signType,
    trade_no: t.tradeNo,
    out_trade_no: t.outTradeNo,
    ...buyer,
    seller_id: t.sellerId,
    seller_email: app.sellerEmail,
    trade_status: t.status,
    total_amount: fenToYuan(t.totalFen),
    ...amounts,
    refund_fee: t.refundedFen > 0 ? fenToYuan(t.refundedFen) : undefined,
    subject: t.subject,
    body: t.body,
    gmt_create: alipayTime(t.createdAt),
    gmt_payment: alipayTime(t.paidAt),
    gmt_close: t.status === 'TRADE_CLOSED' ? alipayTime(t.closedAt) : undefined,
    ...(event.kind === 'refunded' ? { gmt_refund: alipayTimeMs(event.refund.createdAt), out_biz_no: event.refund.outRequestNo } : {}),
    fund_bill_list: paid ? fundBillList(t.totalFen) : undefined,
    passback_params: t.passbackParams,
  };
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || v === null || v === '') continue;
    params[k] = String(v);
  }
  return params;
}
