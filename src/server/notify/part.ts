/**
 * The server part for Alipay's callbacks and the buyer's pages: notify intake (notify/), the
 * simplest checkout and the return URL (checkout/), and the expiry sweeper (sweeper/).
 */
import type { ServerPart } from '../parts.js';
import { registerNotifyRoutes } from './routes.js';
import { registerCheckoutRoutes } from '../checkout/routes.js';
import { startSweeper, sweepJobs } from '../sweeper/sweep.js';

export const notifyCheckoutSweeperPart: ServerPart = {
  name: 'notify-checkout-sweeper',
  publicRoutes: (app, ctx) => {
    registerNotifyRoutes(app, ctx);
    registerCheckoutRoutes(app, ctx);
  },
  jobs: (ctx) => sweepJobs(ctx),
  start: (ctx) => startSweeper(ctx),
};
