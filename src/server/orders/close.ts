/**
 * Closing an unpaid order. Every attempt that may hold a trade on Alipay (status paying) is
 * closed there first (payments/close.ts: query, then alipay.trade.close); if Alipay shows one paid,
 * the payment is recorded and the close refused (409) — a close never loses a payment. Only when
 * no attempt is left open does the order close here. An order in `created` has no attempt and
 * closes locally.
 */
import type { ServerContext } from '../context.js';
import { Problem, conflict, notFound } from '../http/problem.js';
import { getOrder, transition } from './repo.js';
import type { Order } from './model.js';
import { withTransaction } from '../db/tx.js';
import { listAttempts } from '../payments/repo.js';
import { closeOnAlipay } from '../payments/close.js';

export async function closeOrder(ctx: ServerContext, id: string): Promise<Order> {
  const order = await getOrder(ctx.pool, id);
  if (!order) throw notFound(`no order ${id}`);
  if (order.status === 'closed') return order;
  if (order.status !== 'created' && order.status !== 'paying') throw conflict('order-not-open', `order ${id} is ${order.status}; only an unpaid order can be closed`);
  const open = (await listAttempts(ctx.pool, id)).filter((a) => a.status === 'paying');
  const results = await Promise.all(open.map((a) => closeOnAlipay(ctx, a, 'order-closed', 'close.query_paid')));
  if (results.includes('paid')) {
    const after = (await getOrder(ctx.pool, id))!;
    throw conflict('order-paid', `order ${id} was paid on Alipay before it could be closed`, { order_status: after.status });
  }
  if (results.includes('left')) throw new Problem(503, 'alipay-unavailable', 'Alipay unavailable', 'could not close every payment attempt on Alipay; try again', {});
  const now = ctx.now();
  const closed = await withTransaction(ctx.pool, async (c) => {
    // Only if no attempt was started meanwhile (a buyer on the checkout page at this moment):
    // startAttempt locks the order row too, so after this lock no new attempt can appear.
    await c.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await c.query(`SELECT 1 FROM payment_attempts WHERE order_id = $1 AND status = 'paying' LIMIT 1`, [id]);
    if (rows.length > 0) return undefined;
    return transition(c, id, { from: ['created', 'paying'], to: 'closed', set: { closed_at: now }, event: { type: 'order.closed', data: { by: 'api' } }, now });
  });
  if (closed) return closed;
  const after = (await getOrder(ctx.pool, id))!;
  if (after.status === 'created' || after.status === 'paying') throw conflict('order-busy', `order ${id}: a payment was started while closing; try again`, { order_status: after.status });
  if (after.status === 'paid') throw conflict('order-paid', `order ${id} was paid on Alipay before it could be closed`, { order_status: after.status });
  return after;
}
