/**
 * /v1/orders/{id}/barcode-payments (start a barcode payment, optionally long-polling until the
 * order is final) and /v1/orders/{id}/events (the order's history, for progress).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerContext } from '../context.js';
import { notFound } from '../http/problem.js';
import { getOrder, orderEvents } from '../orders/repo.js';
import { orderView, type Order } from '../orders/model.js';
import { orderIdParam } from '../orders/routes.js';
import { PAYMENT_CODE } from './outcome.js';
import { startBarcodePayment } from './start.js';

const payBody = z.strictObject({
  auth_code: z.string().regex(PAYMENT_CODE, 'a payment code (付款码): 16 to 24 digits starting with 25 to 30').describe('the payment code the cashier scanned from the buyer’s Alipay app'),
});

const payQuery = z.strictObject({
  wait: z.coerce.number().int('must be a whole number of seconds').min(0).max(30).default(0).describe('answer as soon as the order is final, or after this many seconds (0–30)'),
});

const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional().describe('only events with a larger id (to follow progress)'),
});

/** How often a long-poll looks at the order again. */
const WAIT_STEP_MS = 100;

export function registerBarcodeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/orders/:id/barcode-payments',
    {
      schema: {
        tags: ['barcode'],
        summary: 'Take a barcode payment (当面付条码) for an order in created',
        description:
          'Charges the payment code with alipay.trade.pay. Answers 200 when the order is final (paid, failed with `failure` for the clerk, cancelled) and 202 while it is still paying (the buyer is confirming, or the outcome is being confirmed): a durable job queries Alipay and cancels the trade at the deadline; follow with GET /v1/orders/{id}, or pass ?wait=N to wait up to N seconds. A second call while paying, or on a final order, is a 409.',
        params: orderIdParam,
        body: payBody,
        querystring: payQuery,
      },
    },
    async (req, reply) => {
      const started = Date.now();
      let gone = false;
      reply.raw.once('close', () => {
        gone = true;
      });
      let order = await startBarcodePayment(ctx, req.params.id, req.body.auth_code);
      const until = started + req.query.wait * 1000;
      while (order.status === 'paying' && !gone && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_STEP_MS, until - Date.now())));
        order = (await getOrder(ctx.pool, order.id)) ?? order;
      }
      return reply.status(order.status === 'paying' ? 202 : 200).send(await barcodeView(ctx, order));
    },
  );

  r.get('/v1/orders/:id/events', { schema: { tags: ['orders'], summary: 'An order’s history: every state change and every step of its payment', params: orderIdParam, querystring: eventsQuery } }, async (req) => {
    const order = await getOrder(ctx.pool, req.params.id);
    if (!order) throw notFound(`no order ${req.params.id}`);
    const after = req.query.after ?? 0;
    const events = (await orderEvents(ctx.pool, order.id)).filter((e) => e.id > after);
    return { object: 'list', order_id: order.id, data: events.map((e) => ({ id: e.id, type: e.type, data: e.data, created_at: e.createdAt.toISOString() })) };
  });
}

/** The order, plus `failure` ({ code, message }: Alipay's sub_code and sub_msg) when it failed. */
export async function barcodeView(ctx: ServerContext, order: Order) {
  let failure: { code: string; message: string } | null = null;
  if (order.status === 'failed') {
    const { rows } = await ctx.pool.query(`SELECT data FROM order_events WHERE order_id = $1 AND type = 'barcode.failed' ORDER BY id DESC LIMIT 1`, [order.id]);
    const data = rows[0]?.data as { code?: string; message?: string } | undefined;
    if (data) failure = { code: String(data.code ?? ''), message: String(data.message ?? '') };
  }
  return { ...orderView(order, ctx.publicBaseUrl), failure };
}
