/** The server part for the buyer's pages: the hosted checkout and Alipay's return URL (routes.ts). */
import type { ServerPart } from '../parts.js';
import { registerCheckoutRoutes } from './routes.js';

export const checkoutPart: ServerPart = {
  name: 'checkout',
  publicRoutes: registerCheckoutRoutes,
};
