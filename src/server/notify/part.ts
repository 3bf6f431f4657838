/** The server part for Alipay's async notifies (routes.ts). */
import type { ServerPart } from '../parts.js';
import { registerNotifyRoutes } from './routes.js';

export const notifyPart: ServerPart = {
  name: 'notify',
  publicRoutes: registerNotifyRoutes,
};
