/**
 * What the checkout page shows, from what the server knows (never from what the buyer's page
 * reports): the answer of GET /checkout/{id}/status and of the tradePay result report.
 *   paid       the order is paid (by any attempt);
 *   closed     closed by the merchant; expired: past its expiry (closed by the sweeper or not yet);
 *   failed     the attempt the page shows failed (Alipay's message in `failure`);
 *   confirming the page reported 9000, 8000 or 6004 for its JSAPI attempt less than CONFIRM_MS ago
 *              and Alipay does not show it paid yet: the server keeps asking Alipay;
 *   waiting    otherwise: open, pay (again).
 */
import type { ServerContext } from '../context.js';
import type { Order } from '../orders/model.js';
import type { Attempt } from '../payments/model.js';
import { merchantReturnUrl } from './return-url.js';

import type { CheckoutState } from '../../web/checkout/texts.js';
export type { CheckoutState };

export interface StatusAnswer {
  state: CheckoutState;
  failure?: { code: string; message: string };
  returnUrl?: string;
}

/** How long a reported 9000 / 8000 / 6004 keeps the page confirming while Alipay does not show the payment. */
export const CONFIRM_MS = 60_000;
export const CONFIRMING_CODES = new Set(['9000', '8000', '6004']);

export async function recentlyReported(ctx: ServerContext, attempt: Attempt): Promise<boolean> {
  const { rows } = await ctx.pool.query(
    `SELECT data->>'result_code' AS code, created_at FROM order_events WHERE attempt_id = $1 AND type = 'checkout.result_code' ORDER BY id DESC LIMIT 1`,
    [attempt.id],
  );
  const r = rows[0];
  return !!r && CONFIRMING_CODES.has(r.code) && ctx.now().getTime() - new Date(r.created_at).getTime() < CONFIRM_MS;
}

export async function checkoutState(ctx: ServerContext, order: Order, attempt?: Attempt): Promise<StatusAnswer> {
  const back = merchantReturnUrl(order);
  const withBack = (a: StatusAnswer): StatusAnswer => (back ? { ...a, returnUrl: back } : a);
  if (order.status === 'paid') return withBack({ state: 'paid' });
  if (order.status !== 'created' && order.status !== 'paying') {
    return withBack({ state: order.closedAt && order.closedAt.getTime() >= order.expiresAt.getTime() ? 'expired' : 'closed' });
  }
  if (order.expiresAt.getTime() <= ctx.now().getTime()) return withBack({ state: 'expired' });
  if (attempt?.status === 'failed') return { state: 'failed', ...(attempt.failure ? { failure: attempt.failure } : {}) };
  if (attempt && attempt.status === 'paying' && (await recentlyReported(ctx, attempt))) return { state: 'confirming' };
  return { state: 'waiting' };
}
