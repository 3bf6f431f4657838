/**
 * /v1/orders: create (with Idempotency-Key), show, list (cursor pagination), close.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerContext } from '../context.js';
import { idempotent } from '../http/idempotency.js';
import { badRequest, conflict, notFound } from '../http/problem.js';
import { CursorError, getOrder, insertOrder, listOrders, orderEvents } from './repo.js';
import { listAttempts } from '../payments/repo.js';
import { attemptView } from '../payments/model.js';
import { orderView } from './model.js';
import { closeOrder } from './close.js';

export const orderIdParam = z.object({ id: z.string().regex(/^ord_[0-9A-Za-z]{16,64}$/, 'an order id like "ord_…"') });

const createBody = z.strictObject({
  amount: z.number().int('must be a whole number of fen (1 yuan = 100 fen)').min(1).max(10_000_000_000),
  subject: z.string().min(1).max(256),
  body: z.string().max(400).optional(),
  out_trade_no: z.string().regex(/^[0-9A-Za-z_]{1,64}$/, 'letters, digits and underscores, at most 64').optional(),
  return_url: z.url({ protocol: /^https?$/ }).max(256).optional(),
  expires_in: z.number().int().min(60).max(15 * 86400).optional().describe('seconds the order may wait for payment'),
  metadata: z.record(z.string(), z.union([z.string().max(500), z.number(), z.boolean(), z.null()])).optional(),
});

const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional().describe('only events with a larger id (to follow progress)'),
  attempt_id: z.string().regex(/^pa_[0-9A-Za-z]{16,64}$/, 'a payment attempt id like "pa_…"').optional().describe('only the events of this payment attempt'),
});

const listQuery = z.strictObject({
  status: z.enum(['created', 'paying', 'paid', 'closed', 'cancelled', 'failed']).optional(),
  channel: z.enum(['wap', 'jsapi', 'barcode', 'page', 'app', 'precreate']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

/** ZFB + yyyyMMddHHmmss + 10 random: unique, sortable, within Alipay's 64 [A-Za-z0-9_]. */
function newOutTradeNo(now: Date): string {
  const ts = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `ZFB${ts}${randomBytes(8).toString('hex').slice(0, 10).toUpperCase()}`;
}

export function registerOrderRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/orders', { schema: { tags: ['orders'], summary: 'Create an order', body: createBody, headers: z.object({ 'idempotency-key': z.string().optional() }).passthrough() } }, (req, reply) =>
    idempotent(ctx.pool, req, reply, 'POST /v1/orders', ctx.now(), async () => {
      const b = req.body;
      const now = ctx.now();
      try {
        const order = await insertOrder(ctx.pool, {
          appId: ctx.alipay.appId,
          outTradeNo: b.out_trade_no ?? newOutTradeNo(now),
          amountFen: b.amount,
          subject: b.subject,
          body: b.body,
          returnUrl: b.return_url,
          expiresAt: new Date(now.getTime() + (b.expires_in ? b.expires_in * 1000 : ctx.config.orderTtlMs)),
          metadata: b.metadata,
          now,
        });
        return { status: 201, body: { ...orderView(order, ctx.publicBaseUrl), attempts: [] } };
      } catch (err) {
        if ((err as { constraint?: string }).constraint === 'orders_app_out_trade_no_key') {
          throw conflict('out-trade-no-taken', `out_trade_no ${b.out_trade_no} is already used by another order`, { field: 'out_trade_no' });
        }
        throw err;
      }
    }),
  );

  r.get('/v1/orders/:id', { schema: { tags: ['orders'], summary: 'Show an order, with its payment attempts (oldest first)', params: orderIdParam } }, async (req) => {
    const order = await getOrder(ctx.pool, req.params.id);
    if (!order) throw notFound(`no order ${req.params.id}`);
    return { ...orderView(order, ctx.publicBaseUrl), attempts: (await listAttempts(ctx.pool, order.id)).map(attemptView) };
  });

  r.get('/v1/orders/:id/events', { schema: { tags: ['orders'], summary: 'An order’s history: every state change and every step of each payment attempt', params: orderIdParam, querystring: eventsQuery } }, async (req) => {
    const order = await getOrder(ctx.pool, req.params.id);
    if (!order) throw notFound(`no order ${req.params.id}`);
    const after = req.query.after ?? 0;
    const events = (await orderEvents(ctx.pool, order.id)).filter((e) => e.id > after && (req.query.attempt_id === undefined || e.attemptId === req.query.attempt_id));
    return { object: 'list', order_id: order.id, data: events.map((e) => ({ id: e.id, type: e.type, attempt_id: e.attemptId, data: e.data, created_at: e.createdAt.toISOString() })) };
  });

  r.get('/v1/orders', { schema: { tags: ['orders'], summary: 'List orders, newest first', querystring: listQuery } }, async (req) => {
    try {
      const page = await listOrders(ctx.pool, req.query);
      return { object: 'list', data: page.data.map((o) => orderView(o, ctx.publicBaseUrl)), next_cursor: page.nextCursor };
    } catch (err) {
      if (err instanceof CursorError) throw badRequest('cursor', err.message);
      throw err;
    }
  });

  r.post('/v1/orders/:id/close', { schema: { tags: ['orders'], summary: 'Close an unpaid order (on Alipay first)', params: orderIdParam } }, async (req) => {
    const order = await closeOrder(ctx, req.params.id);
    return orderView(order, ctx.publicBaseUrl);
  });
}
