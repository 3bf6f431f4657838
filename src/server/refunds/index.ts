/**
 * The refunds part: the API routes and the durable job that confirms refunds whose outcome was
 * not known when the request answered.
 */
import type { ServerPart } from '../parts.js';
import { registerRefundRoutes } from './routes.js';
import { refundConfirmJob } from './confirm-job.js';
import { REFUND_CONFIRM_JOB } from './create.js';

export const refundsPart: ServerPart = {
  name: 'refunds',
  routes: registerRefundRoutes,
  jobs: (ctx) => ({ [REFUND_CONFIRM_JOB]: refundConfirmJob(ctx) }),
};
