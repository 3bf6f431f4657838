/**
 * A paid order for tests that need one (refunds, notifies), without going through the barcode
 * API (and its settle job): the order is created through the API, a barcode payment attempt is
 * started with the server's own payments/start.ts, paid at the sandbox with alipay.trade.pay
 * (scene bar_code, a fresh payment code of the buyer) through the server's own Alipay client, and
 * recorded paid with payments/record.ts, as the barcode part would.
 */
import assert from 'node:assert/strict';
import { fenToYuan } from '../../src/alipay/index.js';
import { startAttempt } from '../../src/server/payments/start.js';
import { recordPaid } from '../../src/server/payments/record.js';
import type { Harness } from './harness.js';

export interface PaidOrder {
  /** The order as GET /v1/orders/{id} shows it once paid. */
  order: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  tradeNo: string;
  buyerId: string;
}

export async function paidOrder(h: Harness, amountFen: number, options: { buyerId?: string; subject?: string } = {}): Promise<PaidOrder> {
  const subject = options.subject ?? 'paid for a test';
  const created = await h.api('POST', '/v1/orders', { amount: amountFen, subject });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const buyerId = options.buyerId ?? h.sandbox.buyers[0]!.userId;
  const authCode = h.sandbox.ctx.ledger.issuePaymentCode(buyerId).code;
  const { attempt } = await startAttempt(h.server.ctx, created.body.id, 'barcode');
  const paid = await h.server.ctx.alipay.api.trade.pay({ out_trade_no: attempt.outTradeNo, scene: 'bar_code', auth_code: authCode, subject, total_amount: fenToYuan(amountFen) });
  assert.equal(paid.code, '10000', `the sandbox did not take the payment: ${JSON.stringify(paid)}`);
  const tradeNo = paid.trade_no!;
  const r = await recordPaid(h.server.ctx, attempt.id, { tradeNo, buyerUserId: paid.buyer_user_id ?? buyerId }, 'order.paid', { via: 'test', total_amount: fenToYuan(amountFen) });
  assert.equal(r.kind, 'paid', 'the order was not open');
  const shown = await h.api('GET', `/v1/orders/${created.body.id}`);
  return { order: shown.body, tradeNo, buyerId };
}
