/**
 * The two ways to pay where the buyer's browser goes to Alipay's own cashier with a signed link:
 * wap pay (手机网站支付, alipay.trade.wap.pay, a phone browser) and page pay (电脑网站支付,
 * alipay.trade.page.pay, a desktop browser). Alipay creates the trade when the buyer opens the
 * link, so the attempt (and its out_trade_no) is committed first (payments/start.ts), and an open
 * attempt of the same way is reused: the same out_trade_no and parameters reopen the waiting trade.
 * The link carries time_expire = the order's expiry (Asia/Shanghai), so Alipay refuses to open the
 * trade after it; return_url and notify_url point at this server.
 */
import { fenToYuan, formatAlipayTime } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import type { Order } from '../orders/model.js';
import type { Attempt } from '../payments/model.js';
import { reuseOrStartAttempt } from '../payments/start.js';
import { crashPoint } from '../crash.js';

export type RedirectMethod = 'wap' | 'page';

/** The signed cashier URL of the attempt (pure: signs, sends nothing). */
export function cashierUrl(ctx: ServerContext, order: Order, attempt: Attempt): string {
  const common = {
    out_trade_no: attempt.outTradeNo,
    total_amount: fenToYuan(attempt.amountFen),
    subject: order.subject,
    time_expire: formatAlipayTime(order.expiresAt),
  };
  const urls = { returnUrl: `${ctx.publicBaseUrl}/return/alipay`, notifyUrl: `${ctx.publicBaseUrl}/notify/alipay` };
  return attempt.method === 'page'
    ? ctx.alipay.api.trade.pagePayUrl({ ...common, product_code: 'FAST_INSTANT_TRADE_PAY' }, urls)
    : ctx.alipay.api.trade.wapPayUrl({ ...common, product_code: 'QUICK_WAP_WAY' }, urls);
}

/** Starts (or reuses) the attempt and returns where to send the buyer. */
export async function redirectPayment(ctx: ServerContext, order: Order, method: RedirectMethod): Promise<{ attempt: Attempt; url: string }> {
  const { order: current, attempt, reused } = await reuseOrStartAttempt(ctx, order, method, { eventType: `checkout.${method}` });
  if (!reused) crashPoint('checkout.after_paying_commit');
  return { attempt, url: cashierUrl(ctx, current, attempt) };
}
