/**
 * Payment attempts against the sandbox, on PGlite and PostgreSQL: one order offered several ways
 * (a QR code on the laptop, JSAPI in the Alipay app, wap on the phone) is paid once; the other
 * attempts are closed on Alipay; a second payment that gets through all the same is refunded in
 * full automatically, with an alert naming both trades; and the sandbox ledger agrees.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { createOrder, eventsOf, expire, orderOf, waitFor } from './notify-support.js';
import { adminCall } from '../support/sandbox-admin.js';

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`payment attempts on ${backend}`, { concurrency: 1 }, async () => {
    const h: Harness = await startHarness({ backend, config: { sweepIntervalMs: 200 } });
    after(() => h.close());
    const ledger = h.sandbox.ctx.ledger;
    const buyer = h.sandbox.buyers[0]!;
    const trade = (outTradeNo: string) => ledger.tradeByOutTradeNo(h.sandbox.appId, outTradeNo)!;
    const payAtSandbox = async (tradeNo: string, buyerId?: string) => {
      const r = await adminCall(h.sandbox.adminUrl, 'POST', `/trades/${tradeNo}/pay`, buyerId ? { buyerId } : {});
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };

    test('the API: a QR attempt and a JSAPI attempt of one order, each its own out_trade_no; the open one is reused; bad input names the field', async () => {
      const o = await createOrder(h, { amount: 990, subject: '扫码 or 生活号' });
      const qr = await h.api('POST', `/v1/orders/${o.id}/qr-payments`, undefined, { 'idempotency-key': `qr-${o.id}` });
      assert.equal(qr.status, 201, JSON.stringify(qr.body));
      assert.equal(qr.body.method, 'precreate');
      assert.equal(qr.body.out_trade_no, o.out_trade_no, 'the first attempt carries the order’s own number');
      assert.match(qr.body.qr_code, /^https?:\/\//);
      const again = await h.api('POST', `/v1/orders/${o.id}/qr-payments`);
      assert.equal(again.body.id, qr.body.id, 'the open QR attempt is reused');
      const replay = await h.api('POST', `/v1/orders/${o.id}/qr-payments`, undefined, { 'idempotency-key': `qr-${o.id}` });
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');

      const js = await h.api('POST', `/v1/orders/${o.id}/jsapi-payments`, { buyer_id: buyer.userId });
      assert.equal(js.status, 201, JSON.stringify(js.body));
      assert.equal(js.body.method, 'jsapi');
      assert.notEqual(js.body.out_trade_no, o.out_trade_no);
      assert.equal(js.body.trade_no, trade(js.body.out_trade_no).tradeNo);
      assert.equal(trade(js.body.out_trade_no).status, 'WAIT_BUYER_PAY');

      for (const [body, field] of [[{}, 'buyer_id'], [{ buyer_id: '123' }, 'buyer_id'], [{ buyer_id: buyer.userId, extra: 1 }, '']] as const) {
        const bad = await h.api('POST', `/v1/orders/${o.id}/jsapi-payments`, body);
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.equal(bad.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        if (field) assert.match(bad.body.detail, new RegExp(field));
      }
      const shown = await orderOf(h, o.id);
      assert.equal(shown.status, 'paying');
      assert.deepEqual(shown.attempts.map((a: { method: string; status: string }) => `${a.method}:${a.status}`), ['precreate:paying', 'jsapi:paying']);
    });

    test('switching: QR shown on the laptop, then paid in the Alipay app: paid once, the QR trade closed on Alipay', async () => {
      const o = await createOrder(h, { amount: 1500 });
      const qr = (await h.api('POST', `/v1/orders/${o.id}/qr-payments`)).body;
      const js = (await h.api('POST', `/v1/orders/${o.id}/jsapi-payments`, { buyer_id: buyer.userId })).body;
      const before = ledger.buyer(buyer.userId)!.balanceFen;
      await payAtSandbox(js.trade_no);
      const paid = await waitFor('the order paid (notify)', async () => {
        const x = await orderOf(h, o.id);
        return x.status === 'paid' ? x : undefined;
      });
      assert.equal(paid.paid_attempt_id, js.id);
      assert.equal(paid.trade_no, js.trade_no);
      assert.equal(paid.channel, 'jsapi');
      await waitFor('the QR attempt closed', async () => (await orderOf(h, o.id)).attempts.find((a: { id: string }) => a.id === qr.id).status === 'closed');
      assert.equal(trade(qr.out_trade_no).status, 'TRADE_CLOSED', 'closed on Alipay too');
      assert.equal(before - ledger.buyer(buyer.userId)!.balanceFen, 1500, 'charged once');
      // The closed QR code cannot take the money any more.
      const late = await adminCall(h.sandbox.adminUrl, 'POST', `/trades/${trade(qr.out_trade_no).tradeNo}/pay`, { buyerId: buyer.userId });
      assert.equal(late.status, 409);
      const types = await eventsOf(h, o.id);
      assert.equal(types.filter((t) => t.endsWith('.paid')).length, 1, types.join());
    });

    test('two attempts both paid: the second is refunded in full automatically, and a duplicate_payment alert names both trades', async () => {
      // Hold the notifies back, so that both trades are paid before zfb hears of either.
      const drop = h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-drop' });
      const o = await createOrder(h, { amount: 2345 });
      const qr = (await h.api('POST', `/v1/orders/${o.id}/qr-payments`)).body;
      const js = (await h.api('POST', `/v1/orders/${o.id}/jsapi-payments`, { buyer_id: buyer.userId })).body;
      const before = ledger.buyer(buyer.userId)!.balanceFen;
      await payAtSandbox(js.trade_no);
      await payAtSandbox(trade(qr.out_trade_no).tradeNo, buyer.userId);
      assert.equal(before - ledger.buyer(buyer.userId)!.balanceFen, 4690, 'the buyer paid twice');
      h.sandbox.ctx.faults.remove(drop.id);

      // The app reports 9000 for the JSAPI attempt: the server asks Alipay, which says paid.
      const res = await fetch(`${h.server.url}/checkout/${o.id}/attempts/${js.id}/result`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resultCode: '9000' }) });
      assert.deepEqual(await res.json(), { state: 'paid' });
      const order = await orderOf(h, o.id);
      assert.equal(order.paid_attempt_id, js.id);

      // The close-others job finds the QR trade paid: a duplicate, refunded in full with its own out_request_no.
      const refund = await waitFor('the duplicate refund to succeed', async () => {
        const list = (await h.api('GET', `/v1/orders/${o.id}/refunds`)).body.data as { kind: string; status: string; attempt_id: string; amount: number; out_request_no: string }[];
        const dup = list.find((r) => r.kind === 'duplicate');
        return dup?.status === 'succeeded' ? dup : undefined;
      }, 15_000);
      assert.equal(refund.attempt_id, qr.id);
      assert.equal(refund.amount, 2345);
      const qrTrade = trade(qr.out_trade_no);
      assert.equal(qrTrade.refundedFen, 2345, 'the sandbox ledger shows the second trade refunded in full');
      assert.equal(ledger.refunds(h.sandbox.appId).filter((r) => r.tradeNo === qrTrade.tradeNo).length, 1, 'one refund at Alipay');
      assert.equal(trade(js.out_trade_no).refundedFen, 0, 'the payment that counts is untouched');
      assert.equal(before - ledger.buyer(buyer.userId)!.balanceFen, 2345, 'the buyer paid once in the end');

      const { rows } = await h.db.pool.query(`SELECT detail FROM alerts WHERE kind = 'duplicate_payment' AND order_id = $1`, [o.id]);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].detail.order_trade_no, js.trade_no);
      assert.equal(rows[0].detail.duplicate_trade_no, qrTrade.tradeNo);
      const after = await orderOf(h, o.id);
      assert.equal(after.status, 'paid');
      assert.equal(after.amount_refunded, 0, 'a duplicate refund is not a refund of the order');
      assert.equal(after.amount_refundable, 2345);
      assert.deepEqual(after.attempts.map((a: { status: string }) => a.status), ['paid', 'paid']);
      // The notifies that now arrive change nothing more.
      for (const a of [js, qr]) for (const t of h.sandbox.ctx.notifier!.tasks({ tradeNo: trade(a.out_trade_no).tradeNo })) await adminCall(h.sandbox.adminUrl, 'POST', `/notifies/${t.id}/resend`);
      await new Promise((r) => setTimeout(r, 500));
      const { rows: refunds } = await h.db.pool.query(`SELECT count(*)::int AS n FROM refunds WHERE order_id = $1`, [o.id]);
      assert.equal(refunds[0].n, 1);
    });

    test('expiry: every open attempt is closed on Alipay, then the order; nothing can be paid', async () => {
      const o = await createOrder(h, { amount: 700 });
      const qr = (await h.api('POST', `/v1/orders/${o.id}/qr-payments`)).body;
      const js = (await h.api('POST', `/v1/orders/${o.id}/jsapi-payments`, { buyer_id: buyer.userId })).body;
      await expire(h, o.id);
      const closed = await waitFor('the sweeper to close the order', async () => {
        const x = await orderOf(h, o.id);
        return x.status === 'closed' ? x : undefined;
      }, 10_000);
      assert.deepEqual(closed.attempts.map((a: { status: string }) => a.status), ['closed', 'closed']);
      assert.equal(trade(qr.out_trade_no).status, 'TRADE_CLOSED');
      assert.equal(trade(js.out_trade_no).status, 'TRADE_CLOSED');
      const refused = await h.api('POST', `/v1/orders/${o.id}/qr-payments`);
      assert.equal(refused.status, 409);
    });

    test('the merchant closes an order with open attempts: each is closed on Alipay first', async () => {
      const o = await createOrder(h, { amount: 720 });
      const qr = (await h.api('POST', `/v1/orders/${o.id}/qr-payments`)).body;
      const r = await h.api('POST', `/v1/orders/${o.id}/close`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'closed');
      assert.equal(trade(qr.out_trade_no).status, 'TRADE_CLOSED');
      const again = await h.api('POST', `/v1/orders/${o.id}/jsapi-payments`, { buyer_id: buyer.userId });
      assert.equal(again.status, 409);
      assert.equal(again.body.order_status, 'closed');
    });
  });
}
