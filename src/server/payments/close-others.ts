/**
 * The durable job `attempts.close_others` (payload { orderId }, one per order): once an order is
 * paid, its other open attempts are closed on Alipay (payments/close.ts), so that the QR code
 * still on the laptop or the wap page still open on the phone cannot take a second payment. If one
 * of them was paid meanwhile, closing it finds that out and records it as a duplicate payment,
 * which is refunded in full (record.ts). Barcode attempts are left to their own settle job, which
 * cancels its trade as soon as the order is no longer open.
 *
 * At least once: closing an attempt already closed is a no-op (compare-and-set), and an attempt
 * Alipay could not settle this time makes the job run again with the runner's backoff.
 */
import type { ServerContext } from '../context.js';
import type { JobHandler } from '../db/jobs.js';
import { getOrder } from '../orders/repo.js';
import { listAttempts } from './repo.js';
import { closeOnAlipay } from './close.js';
import { CLOSE_OTHERS_JOB } from './record.js';

export function closeOthersJob(ctx: ServerContext): Record<string, JobHandler> {
  return {
    [CLOSE_OTHERS_JOB]: async (job) => {
      const { orderId } = job.payload as { orderId: string };
      const order = await getOrder(ctx.pool, orderId);
      if (!order || order.status !== 'paid') return;
      const open = (await listAttempts(ctx.pool, orderId)).filter((a) => a.status === 'paying' && a.method !== 'barcode' && a.id !== order.paidAttemptId);
      const results = await Promise.all(open.map((a) => closeOnAlipay(ctx, a, 'order-paid', 'close_others.query_paid')));
      const left = results.filter((r) => r === 'left').length;
      if (left > 0) throw new Error(`${left} of ${open.length} open attempts of order ${orderId} could not be closed on Alipay yet`);
    },
  };
}
