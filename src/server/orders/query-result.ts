/**
 * Recording what a verified alipay.trade.query says about an open order: shared by the return
 * URL (checkout/routes.ts), the expiry sweeper (sweeper/sweep.ts) and closing an order (close.ts). Only TRADE_SUCCESS / TRADE_FINISHED
 * with our amount mean paid (payments-reliability.md §0 rule 1, §2.5: the amount is checked on
 * every query result too); every write is a CAS transition with its order event, in one short
 * transaction, never across the Alipay call.
 */
import { parseAlipayTime, yuanToFen, type TradeQueryResult } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import type { Order, OrderStatus } from './model.js';
import { getOrder, transition } from './repo.js';
import { raiseOpenAlert } from '../notify/alerts.js';

export const isPaidStatus = (s: string | undefined): boolean => s === 'TRADE_SUCCESS' || s === 'TRADE_FINISHED';

function amountOf(yuan: unknown): number | undefined {
  try {
    return yuanToFen(String(yuan));
  } catch {
    return undefined;
  }
}

/**
 * The query says paid: CAS created|paying → paid. Returns the order as it now is; when the answer
 * does not match the order (amount, trade_no) nothing is written but an alert, and the order is
 * returned unchanged.
 */
export async function recordPaidFromQuery(ctx: ServerContext, order: Order, q: TradeQueryResult, eventType: 'return.query_paid' | 'sweep.paid' | 'close.query_paid'): Promise<Order> {
  const now = ctx.now();
  const fen = amountOf(q.total_amount);
  const mismatch = fen !== order.amountFen ? 'total_amount' : !q.trade_no ? 'trade_no missing' : order.tradeNo && order.tradeNo !== q.trade_no ? 'trade_no' : undefined;
  if (mismatch) {
    await raiseOpenAlert(ctx.pool, {
      kind: 'query_amount_mismatch',
      orderId: order.id,
      detail: { via: eventType, mismatch, order_amount: order.amountFen, query_total_amount: q.total_amount ?? null, query_trade_no: q.trade_no ?? null, order_trade_no: order.tradeNo, trade_status: q.trade_status },
      now,
    });
    ctx.log.warn({ orderId: order.id, mismatch }, 'trade.query says paid but does not match the order: not recorded, alert raised');
    return order;
  }
  const paidAt = (q.send_pay_date && parseAlipayTime(q.send_pay_date)) || now;
  const paid = await withTransaction(ctx.pool, (c) =>
    transition(c, order.id, {
      from: ['created', 'paying'],
      to: 'paid',
      set: {
        trade_no: q.trade_no,
        paid_at: paidAt,
        ...(q.buyer_user_id ? { buyer_user_id: q.buyer_user_id } : {}),
        ...(q.buyer_open_id ? { buyer_open_id: q.buyer_open_id } : {}),
        ...(order.channel ? {} : { channel: 'wap' }),
      },
      event: { type: eventType, data: { trade_no: q.trade_no, trade_status: q.trade_status, total_amount: q.total_amount } },
      now,
    }),
  );
  return paid ?? (await getOrder(ctx.pool, order.id)) ?? order;
}

/**
 * Alipay holds no payment for it (closed, never created, or we just closed it): CAS → closed from
 * exactly `from` — a `created` order is closed only while still `created`, since a checkout that
 * moved it to `paying` meanwhile may have opened a trade.
 */
export async function closeLocally(ctx: ServerContext, order: Order, from: readonly OrderStatus[], data: Record<string, unknown>): Promise<Order> {
  const now = ctx.now();
  const closed = await withTransaction(ctx.pool, (c) =>
    transition(c, order.id, { from, to: 'closed', set: { closed_at: now }, event: { type: 'sweep.closed', data }, now }),
  );
  return closed ?? (await getOrder(ctx.pool, order.id)) ?? order;
}
