/**
 * QR pay (当面付扫码, alipay.trade.precreate): Alipay answers a qr_code for the buyer to scan with
 * the Alipay app, from a laptop screen or a printed stand. The attempt is committed first
 * (payments/start.ts); then precreate with its out_trade_no; the qr_code is kept on the attempt,
 * so reopening the checkout shows the same code. A precreate whose answer was lost is simply sent
 * again for the same open attempt (same out_trade_no and parameters: Alipay answers the same
 * waiting trade). The trade's expiry is the order's (time_expire).
 */
import { fenToYuan, formatAlipayTime } from '../../alipay/index.js';
import { alipayProblem } from './alipay-problem.js';
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import { Problem } from '../http/problem.js';
import type { Order } from '../orders/model.js';
import type { Attempt } from '../payments/model.js';
import { transitionAttempt } from '../payments/repo.js';
import { reuseOrStartAttempt } from '../payments/start.js';

export async function qrPayment(ctx: ServerContext, order: Order): Promise<{ attempt: Attempt; qrCode: string }> {
  const { order: current, attempt } = await reuseOrStartAttempt(ctx, order, 'precreate', { eventType: 'checkout.qr' });
  if (attempt.qrCode) return { attempt, qrCode: attempt.qrCode };
  let qrCode: string | undefined;
  try {
    const r = await ctx.alipay.api.trade.precreate(
      { out_trade_no: attempt.outTradeNo, total_amount: fenToYuan(attempt.amountFen), subject: current.subject, time_expire: formatAlipayTime(current.expiresAt) },
      { notifyUrl: `${ctx.publicBaseUrl}/notify/alipay` },
    );
    qrCode = r.qr_code;
  } catch (err) {
    ctx.log.warn({ orderId: order.id, attemptId: attempt.id, err: (err as Error)?.message }, 'qr: alipay.trade.precreate failed');
    throw alipayProblem(err, 'a QR code');
  }
  if (!qrCode) throw new Problem(502, 'alipay-bad-answer', 'Unexpected answer from Alipay', 'alipay.trade.precreate answered without a qr_code', {});
  const now = ctx.now();
  const kept = await withTransaction(ctx.pool, (c) => transitionAttempt(c, attempt.id, { from: ['paying'], set: { qr_code: qrCode }, event: { type: 'qr.created', data: {} }, now }));
  return { attempt: kept ?? attempt, qrCode };
}
