/** /v1/orders on both backends: create (Idempotency-Key), show, list, close; auth and bad input. */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`orders on ${backend}`, async () => {
    const h: Harness = await startHarness({ backend });
    after(() => h.close());

    test('create, show, list with a cursor', async () => {
      const a = await h.api('POST', '/v1/orders', { amount: 1234, subject: '咖啡', metadata: { cart: 'c1' } });
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(a.body.amount, 1234);
      assert.equal(a.body.status, 'created');
      assert.match(a.body.out_trade_no, /^ZFB\d{14}[0-9A-F]{10}$/);
      assert.equal(a.body.checkout_url, `${h.server.url}/checkout/${a.body.id}`);
      const shown = await h.api('GET', `/v1/orders/${a.body.id}`);
      assert.deepEqual(shown.body, a.body);
      for (let i = 0; i < 3; i++) await h.api('POST', '/v1/orders', { amount: 100 + i, subject: `s${i}` });
      const p1 = await h.api('GET', '/v1/orders?limit=2');
      assert.equal(p1.body.data.length, 2);
      const p2 = await h.api('GET', `/v1/orders?limit=2&cursor=${p1.body.next_cursor}`);
      assert.equal(p2.body.data.length, 2);
      assert.equal(new Set([...p1.body.data, ...p2.body.data].map((o: { id: string }) => o.id)).size, 4);
      assert.equal(p2.body.next_cursor, null);
    });

    test('Idempotency-Key: same body replays, other body is refused, concurrent duplicates make one order', async () => {
      const key = `k-${backend}-1`;
      const first = await h.api('POST', '/v1/orders', { amount: 500, subject: 'idem' }, { 'idempotency-key': key });
      const again = await h.api('POST', '/v1/orders', { subject: 'idem', amount: 500 }, { 'idempotency-key': key });
      assert.equal(again.status, 201);
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      const other = await h.api('POST', '/v1/orders', { amount: 501, subject: 'idem' }, { 'idempotency-key': key });
      assert.equal(other.status, 422);
      const key2 = `k-${backend}-2`;
      const many = await Promise.all(Array.from({ length: 8 }, () => h.api('POST', '/v1/orders', { amount: 7, subject: 'race' }, { 'idempotency-key': key2 })));
      const created = many.filter((r) => r.status === 201);
      assert.ok(created.length >= 1);
      assert.ok(many.every((r) => r.status === 201 || r.status === 409), JSON.stringify(many.map((r) => r.status)));
      assert.equal(new Set(created.map((r) => r.body.id)).size, 1);
    });

    test('out_trade_no chosen by the merchant is unique', async () => {
      assert.equal((await h.api('POST', '/v1/orders', { amount: 1, subject: 'x', out_trade_no: `M_${backend}_1` })).status, 201);
      const dup = await h.api('POST', '/v1/orders', { amount: 2, subject: 'y', out_trade_no: `M_${backend}_1` });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.field, 'out_trade_no');
    });

    test('bad input is a 400 naming the field; no key is a 401; unknown order a 404', async () => {
      for (const [body, field] of [
        [{ amount: 1.5, subject: 'x' }, 'amount'],
        [{ amount: 0, subject: 'x' }, 'amount'],
        [{ amount: '100', subject: 'x' }, 'amount'],
        [{ amount: 100 }, 'subject'],
        [{ amount: 100, subject: 'x', out_trade_no: 'bad-no!' }, 'out_trade_no'],
        [{ amount: 100, subject: 'x', surprise: 1 }, 'body'],
      ] as const) {
        const r = await h.api('POST', '/v1/orders', body);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.equal(r.body.field, field, r.body.detail);
      }
      const bad = await fetch(`${h.server.url}/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${'x'.repeat(30)}`, 'content-type': 'application/json' }, body: '{"amount":1,"subject":"x"}' });
      assert.equal(bad.status, 401);
      const malformed = await fetch(`${h.server.url}/v1/orders`, { method: 'POST', headers: { authorization: 'Bearer test_api_key_0123456789abcdef', 'content-type': 'application/json' }, body: '{"amount":' });
      assert.equal(malformed.status, 400);
      assert.equal((await h.api('GET', '/v1/orders/ord_0000000000000000000000')).status, 404);
    });

    test('close: an unpaid order closes; closing twice is fine', async () => {
      const o = (await h.api('POST', '/v1/orders', { amount: 300, subject: 'close me' })).body;
      const c = await h.api('POST', `/v1/orders/${o.id}/close`);
      assert.equal(c.status, 200);
      assert.equal(c.body.status, 'closed');
      assert.equal((await h.api('POST', `/v1/orders/${o.id}/close`)).body.status, 'closed');
    });

    test('health, readiness, metrics and the OpenAPI document', async () => {
      assert.equal((await fetch(`${h.server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${h.server.url}/readyz`)).status, 200);
      const metrics = await (await fetch(`${h.server.url}/metrics`)).text();
      assert.match(metrics, /zfb_orders\{status="created"\} \d+/);
      const doc = await (await fetch(`${h.server.url}/docs/json`)).json() as { paths: Record<string, unknown> };
      assert.ok(doc.paths['/v1/orders']);
    });
  });
}
