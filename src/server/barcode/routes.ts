/**
 * /v1/orders/{id}/barcode-payments: start a barcode payment (a payment attempt of the order),
 * optionally long-polling until it is final.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerContext } from '../context.js';
import { getOrder } from '../orders/repo.js';
import { orderView } from '../orders/model.js';
import { orderIdParam } from '../orders/routes.js';
import { attemptView, type Attempt } from '../payments/model.js';
import { getAttempt } from '../payments/repo.js';
import { PAYMENT_CODE } from './outcome.js';
import { startBarcodePayment } from './start.js';

const payBody = z.strictObject({
  auth_code: z.string().regex(PAYMENT_CODE, 'a payment code (付款码): 16 to 24 digits starting with 25 to 30').describe('the payment code the cashier scanned from the buyer’s Alipay app'),
});

const payQuery = z.strictObject({
  wait: z.coerce.number().int('must be a whole number of seconds').min(0).max(30).default(0).describe('answer as soon as the order is final, or after this many seconds (0–30)'),
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
        summary: 'Take a barcode payment (当面付条码) for an open order',
        description:
          'Starts a payment attempt of the order and charges the payment code with alipay.trade.pay. Answers the attempt (with its order): 200 when it is final (paid; failed with `failure` for the clerk, and the order stays open for another scan; cancelled) and 202 while it is still paying (the buyer is confirming, or the outcome is being confirmed): a durable job queries Alipay and cancels the trade at the deadline; follow with GET /v1/orders/{id}, or pass ?wait=N to wait up to N seconds. A second call while a barcode payment of the order is in flight, or on a paid, closed or expired order, is a 409.',
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
      let attempt = await startBarcodePayment(ctx, req.params.id, req.body.auth_code);
      const until = started + req.query.wait * 1000;
      while (attempt.status === 'paying' && !gone && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_STEP_MS, until - Date.now())));
        attempt = (await getAttempt(ctx.pool, attempt.id)) ?? attempt;
      }
      return reply.status(attempt.status === 'paying' ? 202 : 200).send(await barcodeView(ctx, attempt));
    },
  );
}

/**
 * A barcode payment as the API answers it: the attempt (status paying, paid, failed with
 * `failure` = Alipay's sub_code and sub_msg for the clerk, cancelled) and its order.
 */
export async function barcodeView(ctx: ServerContext, attempt: Attempt) {
  const order = (await getOrder(ctx.pool, attempt.orderId))!;
  return { ...attemptView(attempt), order: orderView(order, ctx.publicBaseUrl) };
}
