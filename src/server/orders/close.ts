/**
 * Closing an unpaid order. If Alipay may hold a trade for it (status `paying`), the trade is
 * closed on Alipay first (alipay.trade.close); if Alipay says it is already paid, the order is
 * marked paid instead — a close never loses a payment. An order in `created` has no trade and
 * closes locally.
 */
import { AlipayGatewayError, AlipayTransportError } from '../../alipay/index.js';
import { isPaidStatus, recordPaidFromQuery } from './query-result.js';
import type { ServerContext } from '../context.js';
import { Problem, conflict, notFound } from '../http/problem.js';
import { getOrder, transition } from './repo.js';
import type { Order } from './model.js';
import { withTransaction } from '../db/tx.js';

export async function closeOrder(ctx: ServerContext, id: string): Promise<Order> {
  const order = await getOrder(ctx.pool, id);
  if (!order) throw notFound(`no order ${id}`);
  if (order.status === 'closed') return order;
  if (order.status !== 'created' && order.status !== 'paying') throw conflict('order-not-open', `order ${id} is ${order.status}; only an unpaid order can be closed`);
  if (order.status === 'paying') await closeOnAlipay(ctx, order);
  const now = ctx.now();
  const closed = await withTransaction(ctx.pool, (c) => transition(c, id, { from: ['created', 'paying'], to: 'closed', set: { closed_at: now }, event: { type: 'order.closed', data: { by: 'api' } }, now }));
  return closed ?? (await getOrder(ctx.pool, id))!;
}

/** Closes the Alipay trade. If Alipay shows it paid, the payment is recorded and the close refused (409). */
async function closeOnAlipay(ctx: ServerContext, order: Order): Promise<void> {
  try {
    await ctx.alipay.api.trade.close({ out_trade_no: order.outTradeNo });
  } catch (err) {
    if (err instanceof AlipayGatewayError && err.subCode === 'ACQ.TRADE_NOT_EXIST') return; // never reached Alipay
    if (err instanceof AlipayGatewayError && err.subCode === 'ACQ.TRADE_STATUS_ERROR') {
      // Not waiting any more: find out what it is.
      const q = await ctx.alipay.api.trade.query({ out_trade_no: order.outTradeNo });
      if (isPaidStatus(q.trade_status)) {
        const after = await recordPaidFromQuery(ctx, order, q, 'close.query_paid');
        throw conflict('order-paid', `order ${order.id} was paid on Alipay before it could be closed`, { order_status: after.status });
      }
      return;
    }
    if (err instanceof AlipayTransportError) throw new Problem(503, 'alipay-unavailable', 'Alipay unavailable', 'could not reach Alipay to close the trade; try again', { outcome: err.outcome });
    throw err;
  }
}
