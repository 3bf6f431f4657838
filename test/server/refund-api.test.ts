/**
 * Refunds through the API on both backends, against the sandbox: partial then full refund,
 * refusing more than is refundable (before Alipay is called, and in the database when requests
 * race), Idempotency-Key replay, a definite refusal by Alipay, listing and bad input.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { paidOrder } from './paid-order.js';
import { orderEvents } from '../../src/server/orders/repo.js';

async function sandboxRefunds(h: Harness, tradeNo: string): Promise<{ outRequestNo: string; amountFen: number }[]> {
  const res = await fetch(`${h.sandbox.adminUrl}/refunds?tradeNo=${tradeNo}`);
  assert.equal(res.status, 200);
  return (await res.json()) as { outRequestNo: string; amountFen: number }[];
}

const balance = (h: Harness, buyerId: string) => h.sandbox.ctx.ledger.buyer(buyerId)!.balanceFen;

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`refunds API on ${backend}`, async () => {
    const h: Harness = await startHarness({ backend, config: { alipayTimeoutMs: 2000 } });
    after(() => h.close());

    test('a partial then a full refund: the buyer gets exactly the money back, the order counts it', async () => {
      const buyerId = h.sandbox.buyers[0]!.userId;
      const before = balance(h, buyerId);
      const { order, tradeNo } = await paidOrder(h, 1000, { buyerId });
      assert.equal(order.status, 'paid');
      assert.equal(order.amount_refundable, 1000);
      assert.equal(balance(h, buyerId), before - 1000);

      const first = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 300, reason: '部分退款' }, { 'idempotency-key': `partial-${backend}` });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.object, 'refund');
      assert.equal(first.body.status, 'succeeded');
      assert.equal(first.body.amount, 300);
      assert.equal(first.body.reason, '部分退款');
      assert.equal(first.body.order_id, order.id);
      assert.equal(first.body.fund_change, 'Y');
      assert.match(first.body.id, /^re_/);
      assert.match(first.body.out_request_no, /^R\d{14}[0-9A-F]{12}$/);
      assert.ok(first.body.refunded_at);
      assert.equal(first.body.failure, undefined);
      assert.equal(balance(h, buyerId), before - 700);
      let o = (await h.api('GET', `/v1/orders/${order.id}`)).body;
      assert.equal(o.amount_refunded, 300);
      assert.equal(o.amount_refundable, 700);

      const second = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 700 });
      assert.equal(second.status, 201, JSON.stringify(second.body));
      assert.equal(second.body.status, 'succeeded');
      assert.notEqual(second.body.out_request_no, first.body.out_request_no);
      assert.equal(balance(h, buyerId), before);
      o = (await h.api('GET', `/v1/orders/${order.id}`)).body;
      assert.equal(o.status, 'paid');
      assert.equal(o.amount_refunded, 1000);
      assert.equal(o.amount_refundable, 0);

      const atSandbox = await sandboxRefunds(h, tradeNo);
      assert.deepEqual(atSandbox.map((r) => [r.outRequestNo, r.amountFen]).sort(), [[first.body.out_request_no, 300], [second.body.out_request_no, 700]].sort());
      assert.equal(h.sandbox.ctx.ledger.trade(tradeNo)!.status, 'TRADE_CLOSED');

      const list = await h.api('GET', `/v1/orders/${order.id}/refunds`);
      assert.equal(list.status, 200);
      assert.equal(list.body.object, 'list');
      assert.deepEqual(new Set(list.body.data.map((r: { id: string }) => r.id)), new Set([first.body.id, second.body.id]));
      const shown = await h.api('GET', `/v1/refunds/${first.body.id}`);
      assert.equal(shown.status, 200);
      assert.equal(shown.body.status, 'succeeded');
      assert.equal(shown.body.out_request_no, first.body.out_request_no);

      const types = (await orderEvents(h.server.ctx.pool, order.id)).map((e) => e.type);
      assert.deepEqual(types.filter((t) => t.startsWith('refund.')), ['refund.requested', 'refund.processing', 'refund.succeeded', 'refund.requested', 'refund.processing', 'refund.succeeded']);

      const more = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 1 });
      assert.equal(more.status, 409);
      assert.equal(more.body.type, 'urn:zfb:problem:refund-exceeds-refundable');
      assert.equal(more.body.field, 'amount');
      assert.equal(more.body.amount_refundable, 0);
    });

    test('more than is refundable is a 409 naming amount, and Alipay is never called', async () => {
      const { order, tradeNo } = await paidOrder(h, 500);
      const over = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 501 });
      assert.equal(over.status, 409, JSON.stringify(over.body));
      assert.equal(over.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(over.body.type, 'urn:zfb:problem:refund-exceeds-refundable');
      assert.equal(over.body.field, 'amount');
      assert.equal(over.body.amount_refundable, 500);
      assert.deepEqual(await sandboxRefunds(h, tradeNo), []);
      assert.deepEqual((await h.api('GET', `/v1/orders/${order.id}/refunds`)).body.data, []);
      const o = (await h.api('GET', `/v1/orders/${order.id}`)).body;
      assert.equal(o.amount_refundable, 500);
    });

    test('only a paid order can be refunded; unknown order and refund are 404', async () => {
      const unpaid = (await h.api('POST', '/v1/orders', { amount: 100, subject: 'unpaid' })).body;
      const r = await h.api('POST', `/v1/orders/${unpaid.id}/refunds`, { amount: 100 });
      assert.equal(r.status, 409);
      assert.equal(r.body.type, 'urn:zfb:problem:order-not-paid');
      assert.equal(r.body.order_status, 'created');
      assert.equal((await h.api('POST', '/v1/orders/ord_0000000000000000000000/refunds', { amount: 1 })).status, 404);
      assert.equal((await h.api('GET', '/v1/orders/ord_0000000000000000000000/refunds')).status, 404);
      assert.equal((await h.api('GET', '/v1/refunds/re_0000000000000000000000')).status, 404);
      assert.equal((await h.api('GET', '/v1/refunds/nope')).status, 400);
    });

    test('bad input is a 400 naming the field', async () => {
      const { order } = await paidOrder(h, 100);
      for (const [body, field] of [
        [{ amount: 0 }, 'amount'],
        [{ amount: 1.5 }, 'amount'],
        [{ amount: '100' }, 'amount'],
        [{}, 'amount'],
        [{ amount: 1, reason: '   ' }, 'reason'],
        [{ amount: 1, reason: 'x'.repeat(257) }, 'reason'],
        [{ amount: 1, surprise: true }, 'body'],
      ] as const) {
        const r = await h.api('POST', `/v1/orders/${order.id}/refunds`, body);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.field, field, r.body.detail);
      }
      assert.equal((await h.api('GET', `/v1/orders/${order.id}`)).body.amount_refundable, 100);
    });

    test('concurrent refunds racing for the same money: only what fits goes through', async () => {
      const buyerId = h.sandbox.buyers[0]!.userId;
      const before = balance(h, buyerId);
      const { order, tradeNo } = await paidOrder(h, 1000, { buyerId });
      const results = await Promise.all(Array.from({ length: 6 }, () => h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 300 })));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 201, 201, 409, 409, 409], JSON.stringify(results.map((r) => r.body)));
      for (const r of results.filter((x) => x.status === 409)) {
        assert.equal(r.body.type, 'urn:zfb:problem:refund-exceeds-refundable');
        assert.equal(r.body.field, 'amount');
      }
      for (const r of results.filter((x) => x.status === 201)) assert.equal(r.body.status, 'succeeded');
      const o = (await h.api('GET', `/v1/orders/${order.id}`)).body;
      assert.equal(o.amount_refunded, 900);
      assert.equal(o.amount_refundable, 100);
      const atSandbox = await sandboxRefunds(h, tradeNo);
      assert.equal(atSandbox.length, 3);
      assert.equal(atSandbox.reduce((s, r) => s + r.amountFen, 0), 900);
      assert.equal(balance(h, buyerId), before - 100);
      // What is left still refunds, exactly.
      const rest = await Promise.all([h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 60 }), h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 60 })]);
      assert.deepEqual(rest.map((r) => r.status).sort(), [201, 409]);
      assert.equal((await h.api('GET', `/v1/orders/${order.id}`)).body.amount_refunded, 960);
    });

    test('Idempotency-Key: a replay is the same refund (one refund at Alipay); another body is refused; keys are per order', async () => {
      const { order, tradeNo } = await paidOrder(h, 800);
      const key = `refund-key-${backend}`;
      const first = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 200, reason: 'dup' }, { 'idempotency-key': key });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const again = await h.api('POST', `/v1/orders/${order.id}/refunds`, { reason: 'dup', amount: 200 }, { 'idempotency-key': key });
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.body.id, first.body.id);
      assert.equal((await sandboxRefunds(h, tradeNo)).length, 1);
      assert.equal((await h.api('GET', `/v1/orders/${order.id}`)).body.amount_refunded, 200);
      const other = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 201, reason: 'dup' }, { 'idempotency-key': key });
      assert.equal(other.status, 422);
      assert.equal((await h.api('GET', `/v1/orders/${order.id}/refunds`)).body.data.length, 1);

      const second = await paidOrder(h, 800);
      const elsewhere = await h.api('POST', `/v1/orders/${second.order.id}/refunds`, { amount: 200, reason: 'dup' }, { 'idempotency-key': key });
      assert.equal(elsewhere.status, 201);
      assert.equal(elsewhere.headers.get('idempotent-replayed'), null);
      assert.notEqual(elsewhere.body.id, first.body.id);
      assert.equal(elsewhere.body.order_id, second.order.id);
    });

    test('a definite refusal (trade finished at Alipay) fails the refund and releases the amount', async () => {
      const { order, tradeNo } = await paidOrder(h, 600);
      const fin = await fetch(`${h.sandbox.adminUrl}/trades/${tradeNo}/finish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(fin.status, 200, await fin.text());
      const r = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 100 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.status, 'failed');
      assert.equal(r.body.failure.code, 'ACQ.TRADE_HAS_FINISHED');
      assert.ok(r.body.failure.message);
      assert.equal(r.body.refunded_at, null);
      const o = (await h.api('GET', `/v1/orders/${order.id}`)).body;
      assert.equal(o.amount_refunded, 0);
      assert.equal(o.amount_refundable, 600);
      assert.deepEqual(await sandboxRefunds(h, tradeNo), []);
      const failed = (await orderEvents(h.server.ctx.pool, order.id)).find((e) => e.type === 'refund.failed');
      assert.equal(failed?.data.sub_code, 'ACQ.TRADE_HAS_FINISHED');
      assert.equal(failed?.data.refund_id, r.body.id);
      // Its confirm job finds it settled and changes nothing.
      for (let i = 0; ; i++) {
        const { rows } = await h.server.ctx.pool.query('SELECT done_at FROM jobs WHERE unique_key = $1', [`refund:${r.body.id}`]);
        if (rows[0]?.done_at) break;
        assert.ok(i < 200, 'the confirm job completed');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal((await h.api('GET', `/v1/refunds/${r.body.id}`)).body.status, 'failed');
      assert.deepEqual(await sandboxRefunds(h, tradeNo), []);
    });

    test('the OpenAPI document has the refund routes and says what the Idempotency-Key is for', async () => {
      const doc = (await (await fetch(`${h.server.url}/docs/json`)).json()) as { paths: Record<string, Record<string, { description?: string }>> };
      assert.ok(doc.paths['/v1/refunds/{id}']);
      assert.match(doc.paths['/v1/orders/{id}/refunds']!.post!.description ?? '', /Idempotency-Key/);
    });
  });
}
