/**
 * /v1/orders/{id}/refunds (request with Idempotency-Key, list) and /v1/refunds/{id} (show).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerContext } from '../context.js';
import { idempotent } from '../http/idempotency.js';
import { notFound } from '../http/problem.js';
import { getOrder } from '../orders/repo.js';
import { orderIdParam } from '../orders/routes.js';
import { getRefund, listRefunds } from './repo.js';
import { refundView, type Refund } from './model.js';
import { requestRefund, startRefund } from './create.js';

export const refundIdParam = z.object({ id: z.string().regex(/^re_[0-9A-Za-z]{16,64}$/, 'a refund id like "re_…"') });

const createBody = z.strictObject({
  amount: z.number().int('must be a whole number of fen (1 yuan = 100 fen)').min(1).max(10_000_000_000).describe('fen to refund; at most the order amount minus what is refunded or being refunded'),
  reason: z
    .string()
    .max(256)
    .refine((s) => s.trim() !== '', 'must not be blank')
    .optional()
    .describe('shown to the buyer by Alipay (refund_reason)'),
});

const CREATE_DESCRIPTION = [
  'Refunds part or all of a paid order. The refund request number (out_request_no) is stored before Alipay is called, and the amount is reserved on the order in the same transaction: the database refuses any refund that would take the order past its paid amount, even when requests race (409 refund-exceeds-refundable, field amount).',
  'Send an Idempotency-Key (a UUID): it is how a retry of this call stays one refund. Without a key every call is a new refund. A retry with the same key and body answers what the first call answered (header Idempotent-Replayed: true); GET /v1/refunds/{id} shows the current state.',
  'Answers 201 when the outcome is known (status succeeded, or failed with failure.code = Alipay\'s sub_code, e.g. ACQ.TRADE_HAS_FINISHED; the amount is then released), and 202 while it is processing (Alipay did not answer, answered 20000 / ACQ.SYSTEM_ERROR / ACQ.SELLER_BALANCE_NOT_ENOUGH, or has not confirmed yet): the server then confirms by refund query and retries with the same out_request_no until it knows — poll GET /v1/refunds/{id}.',
].join('\n\n');

const statusOf = (r: Refund) => (r.status === 'succeeded' || r.status === 'failed' ? 201 : 202);

export function registerRefundRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/orders/:id/refunds',
    {
      schema: {
        tags: ['refunds'],
        summary: 'Refund a paid order',
        description: CREATE_DESCRIPTION,
        params: orderIdParam,
        body: createBody,
        headers: z.object({ 'idempotency-key': z.string().optional().describe('makes a retry of this call the same refund') }).passthrough(),
      },
    },
    (req, reply) =>
      // Scoped by order: the same key on another order is another request.
      idempotent(ctx.pool, req, reply, `POST /v1/orders/${req.params.id}/refunds`, ctx.now(), async () => {
        const refund = await requestRefund(ctx, req.params.id, { amountFen: req.body.amount, reason: req.body.reason });
        const current = await startRefund(ctx, refund);
        return { status: statusOf(current), body: refundView(current) };
      }),
  );

  r.get('/v1/orders/:id/refunds', { schema: { tags: ['refunds'], summary: "List an order's refunds, newest first", params: orderIdParam } }, async (req) => {
    const order = await getOrder(ctx.pool, req.params.id);
    if (!order) throw notFound(`no order ${req.params.id}`);
    return { object: 'list', data: (await listRefunds(ctx.pool, order.id)).map(refundView) };
  });

  r.get('/v1/refunds/:id', { schema: { tags: ['refunds'], summary: 'Show a refund', params: refundIdParam } }, async (req) => {
    const refund = await getRefund(ctx.pool, req.params.id);
    if (!refund) throw notFound(`no refund ${req.params.id}`);
    return refundView(refund);
  });
}
