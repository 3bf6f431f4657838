/**
 * What a verified trade notify does to its payment attempt and order, decided and written in one
 * transaction (payments-reliability.md §2.1 checklist, §2.4 replay, §3.2 CAS; alipay-protocol.md
 * §3.4). A notify names an out_trade_no, which is one attempt of an order (payments/).
 *
 *  1. app_id must be ours, seller_id our merchant PID (when we know it), out_trade_no an attempt
 *     we created, total_amount its amount (integer fen), trade_no the attempt's trade if it has
 *     one. Any disagreement: `flagged`, an alert, nothing applied, answer `failure`.
 *  2. Then by trade_status, under a row lock on the order (each write a CAS with its event, so
 *     duplicates, replays and reorders are harmless — paid is never re-entered):
 *     TRADE_SUCCESS / TRADE_FINISHED (payments/record.ts decides for the order)
 *       attempt paying | closed, order open → both paid (`notify.paid`)           applied
 *       attempt paying | closed, order paid by another attempt → a duplicate
 *         payment: refunded in full automatically, alert `duplicate_payment`    applied
 *       attempt paying | closed, order closed → alert `paid_after_close`         flagged, success
 *       attempt paid, same trade                                                 duplicate
 *       attempt paid, refund_fee > 0 (a partial-refund notify, not a payment §2.1) ignored
 *       attempt cancelled → alipay.trade.cancel refunds a paid trade by itself   ignored
 *       attempt failed → money after a definite refusal: alert `paid_after_close` flagged, success
 *     TRADE_CLOSED
 *       attempt paying → closed (`notify.closed`); the order stays open (the buyer
 *         may pay another way until it is paid, closed or expired)              applied
 *       attempt paid with refund_fee (full refund: the refunds part confirms refunds
 *         by refund query, never from a notify)                                  ignored
 *       attempt paid without refund_fee: contradicts what we know: alert         flagged, success
 *       attempt closed                                                           duplicate
 *       attempt cancelled | failed                                               ignored
 *     WAIT_BUYER_PAY (not sent for wap, §3.1), other notify_types                ignored
 *     any status for a barcode attempt still paying: the barcode part's settle job decides by
 *       query (it may be cancelling that trade right now)                        ignored
 *     A refund_fee on an attempt we had not seen paid is a refund zfb did not make: the state
 *     change above still happens, plus a `refund_not_in_zfb` alert.
 *
 * `success` is answered for every outcome a retry could not change (applied, duplicate, ignored,
 * and the flagged state contradictions whose money is recorded in an alert: a `failure` there
 * would only make Alipay resend for 25 h something we can never apply). Identity disagreements
 * answer `failure`, as Alipay's checklist asks.
 */
import { parseAlipayTime, yuanToFen, yuanToFenAllowZero, type TradeNotify } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import type { Queryable } from '../db/jobs.js';
import { endAttemptIn, lockAttempt, recordPaidIn } from '../payments/record.js';
import { raiseNotifyAlert, raiseOpenAlert, type AlertKind } from './alerts.js';
import { claimsOf, recordOutcome, type NotifyOutcome } from './record.js';

export interface Verdict {
  outcome: NotifyOutcome;
  reason: string;
  /** Answer `success` (true) or `failure`. */
  ack: boolean;
  /** HTTP status of the answer. */
  status: number;
  orderId?: string;
  attemptId?: string;
  alert?: { kind: AlertKind; detail: Record<string, unknown> };
}

type On = { orderId: string; attemptId: string };

const fen = (yuan: string | undefined, allowZero = false): number | undefined => {
  if (yuan === undefined) return undefined;
  try {
    return allowZero ? yuanToFenAllowZero(yuan) : yuanToFen(yuan);
  } catch {
    return undefined;
  }
};

const flagged = (kind: AlertKind, reason: string, detail: Record<string, unknown>, on?: On, ack = false): Verdict => ({ outcome: 'flagged', reason, ack, status: 200, ...on, alert: { kind, detail } });
const done = (outcome: 'applied' | 'duplicate' | 'ignored', reason: string, on?: On, alert?: Verdict['alert']): Verdict => ({ outcome, reason, ack: true, status: 200, ...on, alert });

/** Decides and applies (through `c`, inside the caller's transaction). */
async function decide(c: Queryable, ctx: ServerContext, n: TradeNotify, now: Date): Promise<Verdict> {
  const appId = ctx.alipay.appId;
  if (n.app_id !== appId) return flagged('notify_app_mismatch', `app_id ${n.app_id} is not ours (${appId})`, { app_id: n.app_id, expected: appId });
  if (n.notify_type !== 'trade_status_sync') return done('ignored', `notify_type ${n.notify_type} is not handled here`);
  if (!n.out_trade_no || !n.trade_status || !n.trade_no) {
    return { outcome: 'rejected', reason: 'malformed: a trade_status_sync notify without out_trade_no, trade_no or trade_status', ack: false, status: 400 };
  }
  if (ctx.sellerId && n.seller_id !== ctx.sellerId) return flagged('notify_seller_mismatch', `seller_id ${n.seller_id ?? '(none)'} is not our merchant ${ctx.sellerId}`, { seller_id: n.seller_id ?? null, expected: ctx.sellerId, out_trade_no: n.out_trade_no });

  const { rows } = await c.query('SELECT id FROM payment_attempts WHERE app_id = $1 AND out_trade_no = $2', [appId, n.out_trade_no]);
  const locked = rows[0] ? await lockAttempt(c, rows[0].id) : undefined;
  if (!locked) return flagged('notify_unknown_order', `no payment attempt with out_trade_no ${n.out_trade_no}`, { out_trade_no: n.out_trade_no, trade_no: n.trade_no, total_amount: n.total_amount ?? null, trade_status: n.trade_status });
  const { order, attempt } = locked;
  const on = { orderId: order.id, attemptId: attempt.id };
  const amount = fen(n.total_amount);
  if (amount !== attempt.amountFen) {
    return flagged('notify_amount_mismatch', `total_amount ${n.total_amount ?? '(none)'} is not the order's ${attempt.amountFen} fen`, { total_amount: n.total_amount ?? null, order_amount: attempt.amountFen, trade_no: n.trade_no, trade_status: n.trade_status, out_trade_no: n.out_trade_no }, on);
  }
  if (attempt.tradeNo && attempt.tradeNo !== n.trade_no) {
    return flagged('notify_trade_no_mismatch', `trade_no ${n.trade_no} is not the trade ${attempt.tradeNo} of out_trade_no ${attempt.outTradeNo}`, { trade_no: n.trade_no, attempt_trade_no: attempt.tradeNo, trade_status: n.trade_status, out_trade_no: n.out_trade_no }, on);
  }

  const refundFen = n.refund_fee === undefined ? 0 : (fen(n.refund_fee, true) ?? -1); // unreadable counts as a refund
  const refunded = refundFen !== 0;
  const refundAlert = refunded ? { kind: 'refund_not_in_zfb' as const, detail: { refund_fee: n.refund_fee, out_biz_no: n.out_biz_no ?? null, gmt_refund: n.gmt_refund ?? null, trade_no: n.trade_no, trade_status: n.trade_status } } : undefined;
  const data = { notify_id: n.notify_id, trade_no: n.trade_no, trade_status: n.trade_status, total_amount: n.total_amount, ...(refunded ? { refund_fee: n.refund_fee } : {}) };

  // A barcode payment in progress belongs to the barcode part's settle job, which queries and, at
  // its deadline, cancels (a cancel refunds a trade paid meanwhile): applying a TRADE_SUCCESS here
  // could mark paid an order whose money that cancel is giving back, and a TRADE_CLOSED would end
  // it `closed` instead of `cancelled`. The job sees the same facts by query within one interval.
  if (attempt.status === 'paying' && attempt.method === 'barcode') {
    return done('ignored', `${n.trade_status} for a barcode payment in progress: its settle job decides by query`, on);
  }
  switch (n.trade_status) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED': {
      if (attempt.status === 'paid') {
        if (refunded) return done('ignored', `a refund notify (refund_fee ${n.refund_fee}) for a paid attempt: refunds are confirmed by refund query`, on);
        return done('duplicate', `already paid with trade ${n.trade_no}`, on);
      }
      if (attempt.status === 'cancelled') return done('ignored', `${n.trade_status} for a cancelled barcode attempt: alipay.trade.cancel refunds a paid trade`, on);
      if (attempt.status === 'failed') {
        return flagged('paid_after_close', `${n.trade_status} for an attempt that failed: money arrived after a definite refusal; a person must refund it`, { attempt_status: attempt.status, order_status: order.status, ...data, gmt_payment: n.gmt_payment ?? null, buyer_id: n.buyer_id ?? null }, on, true);
      }
      const r = await recordPaidIn(c, ctx, attempt.id, { tradeNo: n.trade_no, buyerUserId: n.buyer_id, buyerOpenId: n.buyer_open_id, paidTime: n.gmt_payment }, 'notify.paid', data, now);
      if (r.kind === 'after-close') {
        return flagged('paid_after_close', `${n.trade_status} for an order that is ${order.status}: money arrived after we gave up on the order; a person must refund it`, { order_status: order.status, ...data, gmt_payment: n.gmt_payment ?? null, buyer_id: n.buyer_id ?? null }, on, true);
      }
      if (r.kind === 'duplicate') return done('applied', `paid (${n.trade_status}), but the order was already paid by another attempt: a duplicate payment, refunded in full`, on, refundAlert);
      return done('applied', refunded ? `paid (${n.trade_status}); the notify also shows a refund zfb did not make` : `paid (${n.trade_status})`, on, refundAlert);
    }
    case 'TRADE_CLOSED': {
      if (attempt.status === 'paying') {
        const closed = await endAttemptIn(c, attempt.id, 'closed', { type: 'notify.closed', data }, now, { closed_at: (n.gmt_close && parseAlipayTime(n.gmt_close)) || now, ...(attempt.tradeNo ? {} : { trade_no: n.trade_no }) });
        if (!closed) throw new Error(`attempt ${attempt.id} moved under a row lock`);
        return done('applied', refunded ? 'attempt closed; the notify shows a refund zfb did not make' : 'attempt closed on Alipay', on, refundAlert);
      }
      if (attempt.status === 'paid') {
        if (refunded) return done('ignored', `a full-refund notify (refund_fee ${n.refund_fee}): refunds are confirmed by refund query`, on);
        return flagged('closed_notify_for_paid_order', 'TRADE_CLOSED without a refund for an attempt we hold as paid', data, on, true);
      }
      if (attempt.status === 'closed') return done('duplicate', 'already closed', on);
      return done('ignored', `TRADE_CLOSED for an attempt already ${attempt.status}`, on);
    }
    default:
      return done('ignored', `trade_status ${n.trade_status} changes nothing`, on);
  }
}

/**
 * Applies a verified notify and records its outcome on the notifies row, in `c`'s transaction
 * (the caller commits, then answers).
 */
export async function applyVerifiedNotify(c: Queryable, ctx: ServerContext, rowId: number, n: TradeNotify, now: Date): Promise<Verdict> {
  const v = await decide(c, ctx, n, now);
  await recordOutcome(c, rowId, { outcome: v.outcome, reason: v.reason, claims: claimsOf(n), orderId: v.orderId ?? null, attemptId: v.attemptId ?? null, now });
  if (v.outcome === 'rejected') await raiseOpenAlert(c, { kind: 'notify_rejected', notifyRowId: rowId, detail: { reason: v.reason }, now });
  if (v.alert) await raiseNotifyAlert(c, { kind: v.alert.kind, orderId: v.orderId ?? null, notifyRowId: rowId, notifyId: n.notify_id, detail: v.alert.detail, now });
  return v;
}
