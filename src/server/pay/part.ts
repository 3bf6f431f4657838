/**
 * The payments part: the API for the ways to pay a merchant's own page drives (JSAPI, QR), and
 * the durable job that closes an order's other attempts once one has paid it.
 */
import type { ServerPart } from '../parts.js';
import { closeOthersJob } from '../payments/close-others.js';
import { registerPayRoutes } from './routes.js';

export const payPart: ServerPart = {
  name: 'payments',
  routes: registerPayRoutes,
  jobs: (ctx) => closeOthersJob(ctx),
};
