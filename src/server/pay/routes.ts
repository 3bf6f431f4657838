/**
 * /v1/orders/{id}/jsapi-payments and /v1/orders/{id}/qr-payments: the ways to pay for a merchant
 * who builds its own page (its own OAuth for the buyer's id, its own QR display). Each starts (or
 * reuses) a payment attempt exactly as the hosted checkout does; both are idempotent by
 * Idempotency-Key (and, without one, reuse the order's open attempt of that way).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerContext } from '../context.js';
import { idempotent } from '../http/idempotency.js';
import { notFound } from '../http/problem.js';
import { getOrder } from '../orders/repo.js';
import { orderIdParam } from '../orders/routes.js';
import { attemptView } from '../payments/model.js';
import { jsapiPayment } from './jsapi.js';
import { qrPayment } from './qr.js';

const jsapiBody = z
  .strictObject({
    buyer_id: z.string().regex(/^2088\d{12}$/, 'the buyer’s Alipay user id: 2088 and 12 digits (from OAuth auth_base)').optional(),
    buyer_open_id: z.string().min(1).max(128).optional().describe('the buyer’s open_id, for apps in open_id mode'),
  })
  .refine((b) => (b.buyer_id === undefined) !== (b.buyer_open_id === undefined), { message: 'exactly one of buyer_id or buyer_open_id', path: ['buyer_id'] });

const idempotencyHeader = z.object({ 'idempotency-key': z.string().optional().describe('makes a retry of this call the same attempt') }).passthrough();

export function registerPayRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/orders/:id/jsapi-payments',
    {
      schema: {
        tags: ['payments'],
        summary: 'Create the Alipay trade for a buyer inside the Alipay app (JSAPI)',
        description: 'alipay.trade.create with product_code JSAPI_PAY for the buyer your page identified with OAuth auth_base. Pass the answered trade_no to AlipayJSBridge.call(\'tradePay\', { tradeNO }) (or the zfb/browser helper), then ask GET /v1/orders/{id} for the truth: the result code the page sees decides nothing.',
        params: orderIdParam,
        body: jsapiBody,
        headers: idempotencyHeader,
      },
    },
    (req, reply) =>
      idempotent(ctx.pool, req, reply, `POST /v1/orders/${req.params.id}/jsapi-payments`, ctx.now(), async () => {
        const order = await getOrder(ctx.pool, req.params.id);
        if (!order) throw notFound(`no order ${req.params.id}`);
        const buyer = req.body.buyer_id !== undefined ? { userId: req.body.buyer_id } : { openId: req.body.buyer_open_id! };
        const { attempt, tradeNo } = await jsapiPayment(ctx, order, buyer);
        return { status: 201, body: { ...attemptView(attempt), trade_no: tradeNo } };
      }),
  );

  r.post(
    '/v1/orders/:id/qr-payments',
    {
      schema: {
        tags: ['payments'],
        summary: 'A QR code for the buyer to scan with the Alipay app (alipay.trade.precreate)',
        description: 'Answers the attempt with its qr_code: draw it as a QR code (or send the buyer the link). The same open attempt, and so the same qr_code, comes back until it is paid, closed or the order expires.',
        params: orderIdParam,
        headers: idempotencyHeader,
      },
    },
    (req, reply) =>
      idempotent(ctx.pool, req, reply, `POST /v1/orders/${req.params.id}/qr-payments`, ctx.now(), async () => {
        const order = await getOrder(ctx.pool, req.params.id);
        if (!order) throw notFound(`no order ${req.params.id}`);
        const { attempt, qrCode } = await qrPayment(ctx, order);
        return { status: 201, body: { ...attemptView(attempt), qr_code: qrCode } };
      }),
  );
}
