/**
 * A paid order for tests that need one (refunds, notifies), without going through the barcode
 * API: the order is created through the API, paid at the sandbox with alipay.trade.pay (scene
 * bar_code, a fresh payment code of the buyer) through the server's own Alipay client, and marked
 * paid with the repo's compare-and-set `transition`, as the barcode part would.
 */
import assert from 'node:assert/strict';
import { fenToYuan } from '../../src/alipay/index.js';
import { withTransaction } from '../../src/server/db/tx.js';
import { transition } from '../../src/server/orders/repo.js';
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
  const paid = await h.server.ctx.alipay.api.trade.pay({ out_trade_no: created.body.out_trade_no, scene: 'bar_code', auth_code: authCode, subject, total_amount: fenToYuan(amountFen) });
  assert.equal(paid.code, '10000', `the sandbox did not take the payment: ${JSON.stringify(paid)}`);
  const tradeNo = paid.trade_no!;
  const now = h.server.ctx.now();
  const order = await withTransaction(h.server.ctx.pool, (c) =>
    transition(c, created.body.id, {
      from: ['created'],
      to: 'paid',
      set: { channel: 'barcode', trade_no: tradeNo, paid_at: now, buyer_user_id: paid.buyer_user_id ?? buyerId },
      event: { type: 'order.paid', data: { via: 'test', total_amount: fenToYuan(amountFen) } },
      now,
    }),
  );
  assert.ok(order, 'the order was not in created');
  const shown = await h.api('GET', `/v1/orders/${created.body.id}`);
  return { order: shown.body, tradeNo, buyerId };
}
