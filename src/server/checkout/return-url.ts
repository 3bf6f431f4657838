import type { Order } from '../orders/model.js';

/** Where the merchant wants the buyer back (the order's return_url), with the order id and status appended. */
export function merchantReturnUrl(o: Order): string | undefined {
  if (!o.returnUrl) return undefined;
  try {
    const u = new URL(o.returnUrl);
    u.searchParams.set('order_id', o.id);
    u.searchParams.set('status', o.status);
    return u.toString();
  } catch {
    return undefined;
  }
}
