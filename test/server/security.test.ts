/**
 * Security checks of the payment server on both backends, against the sandbox, with the server's
 * production log options (src/server/log.ts) writing to memory:
 *  - a notify replayed for another order, a tampered amount, a forged signature: refused, nothing moves;
 *  - no open redirect: a return_url that is not http(s) is refused at creation, and a signed
 *    Alipay return with a return_url of its own goes back to this server or the order's own URL;
 *  - /metrics and the OpenAPI document show nothing private;
 *  - every log line written while the server works (payments, refunds, forged notifies, Alipay
 *    failing with a corrupt signature, wrong API keys) holds no key material, API key or cookie.
 * (Wrong app id, wrong seller, RSA downgrade and oversized bodies: notify-intake.test.ts; OAuth
 * state: checkout-oauth.test.ts; at scale: the fuzz suite in test/chaos/.)
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { serverLogger } from '../../src/server/log.js';
import { API_KEY, startHarness, type Harness } from './harness.js';
import { createOrder, forgerKey, notifyFor, offeredOrder, openCashier, orderOf, payAtCashier, postNotify, waitFor } from './notify-support.js';

const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`security on ${backend}`, async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const h: Harness = await startHarness({ backend, logger: serverLogger('debug', sink) });
    after(() => h.close());

    /** What must never be shown: the API key, and any stretch of the app's private key. */
    const der = h.sandbox.appPrivateKey.replace(/-----[^-]+-----|\s/g, '');
    assert.ok(der.length > 1000, 'the key as configured (base64)');
    const keySlices = Array.from({ length: 12 }, (_, i) => der.slice(40 + i * 100, 40 + i * 100 + 24));
    function assertNothingSecret(text: string, where: string): void {
      assert.ok(!text.includes(API_KEY), `${where}: the API key`);
      assert.ok(!/PRIVATE KEY/.test(text), `${where}: a PEM private key`);
      for (const s of keySlices) assert.ok(!text.includes(s), `${where}: a piece of the app private key`);
    }

    test('a genuine notify replayed for another order, or with its amount changed, is refused; nothing moves', async () => {
      const a = await offeredOrder(h, { amount: 500 });
      const b = await offeredOrder(h, { amount: 500 });
      const genuine = notifyFor(h, a);
      for (const [label, body] of [
        ['replayed for b', genuine.body.replace(`out_trade_no=${a.out_trade_no}`, `out_trade_no=${b.out_trade_no}`)],
        ['amount', genuine.body.replace(/total_amount=[^&]*/, 'total_amount=0.01')],
        ['forged', notifyFor(h, b, {}, { key: forgerKey }).body],
      ] as const) {
        assert.notEqual(body, genuine.body, label);
        const r = await postNotify(h, body);
        assert.equal(r.status, 400, label);
        assert.equal(r.text, 'failure', label);
      }
      assert.equal((await orderOf(h, a.id)).status, 'paying');
      assert.equal((await orderOf(h, b.id)).status, 'paying');
      // The genuine one still pays a, and only a.
      assert.equal((await postNotify(h, genuine.body)).text, 'success');
      assert.equal((await orderOf(h, a.id)).status, 'paid');
      assert.equal((await orderOf(h, b.id)).status, 'paying');
    });

    test('no open redirect: return_url must be http(s); a signed return goes back here or to the order’s own return_url', async () => {
      for (const url of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', '//evil.example/x', 'ftp://evil.example/', 'evil.example']) {
        const r = await h.api('POST', '/v1/orders', { amount: 100, subject: 'x', return_url: url });
        assert.equal(r.status, 400, url);
        assert.match(JSON.stringify(r.body), /return_url/, `${url}: the problem names the field`);
      }
      for (const returnUrl of [undefined, 'https://shop.example/done']) {
        const o = await createOrder(h, { amount: 120, ...(returnUrl ? { return_url: returnUrl } : {}) });
        const back = await payAtCashier(h, await openCashier(h, o.id));
        // The buyer's browser adds a return_url (and a lang) of its own to Alipay's signed return.
        for (const extra of ['&return_url=https%3A%2F%2Fevil.example%2F', '&url=https%3A%2F%2Fevil.example%2F&next=%2F%2Fevil.example']) {
          const r = await fetch(back + extra, { redirect: 'manual' });
          const to = r.headers.get('location') ?? '';
          assert.ok(!to.includes('evil.example'), `went to ${to}`);
          if (r.status === 302) assert.ok(returnUrl ? to.startsWith(`${returnUrl}?`) : to === `/checkout/${o.id}`, to);
          else assert.equal(r.status, 400, 'or refused as not what Alipay signed');
        }
      }
    });

    test('/metrics and the OpenAPI document show nothing private', async () => {
      for (const path of ['/metrics', '/docs/json', '/healthz', '/readyz']) {
        const r = await fetch(`${h.server.url}${path}`);
        assert.ok(r.status < 500, `${path} answers`);
        const text = await r.text();
        assertNothingSecret(text, path);
        assert.doesNotMatch(text, /postgres(ql)?:\/\/|password/i, `${path}: no database URL or password`);
      }
    });

    test('every log line of a busy server is free of keys, the API key and cookies', async () => {
      // Wrong and missing API keys.
      for (const auth of [`Bearer ${API_KEY}x`, 'Bearer nope', '']) {
        const r = await fetch(`${h.server.url}/v1/orders`, { headers: auth ? { authorization: auth } : {} });
        assert.equal(r.status, 401);
      }
      // A wap payment and a partial refund.
      const o = await createOrder(h, { amount: 900 });
      await fetch(`${h.server.url}/checkout/${o.id}`, { headers: { 'user-agent': PHONE } });
      await fetch(await payAtCashier(h, await openCashier(h, o.id)), { redirect: 'manual' });
      await waitFor('paid', async () => (await orderOf(h, o.id)).status === 'paid');
      assert.equal((await h.api('POST', `/v1/orders/${o.id}/refunds`, { amount: 300, reason: 'test' }, { 'idempotency-key': `sec-${backend}` })).status < 300, true);
      // Alipay answering with a corrupt signature: the client's error is logged.
      const fault = h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'corrupt-signature' });
      const q = await createOrder(h, { amount: 130 });
      assert.ok((await h.api('POST', `/v1/orders/${q.id}/qr-payments`)).status >= 500, 'a bad signature from Alipay is not the client’s fault');
      h.sandbox.ctx.faults.remove(fault.id);
      // Forged notifies, and the in-app checkout's OAuth cookie.
      await postNotify(h, notifyFor(h, o, {}, { key: forgerKey }).body);
      const co = await fetch(`${h.server.url}/checkout/${q.id}?via=alipay`, { redirect: 'manual' });
      const cookie = (co.headers.get('set-cookie') ?? '').split(';')[0]!;
      assert.match(cookie, /^zfb_oauth=.{16,}/);
      await fetch(`${h.server.url}/checkout/${q.id}/oauth?state=wrong&auth_code=x`, { headers: { cookie } });

      await new Promise((r) => setTimeout(r, 200));
      const all = lines.join('');
      assert.ok(lines.length > 20, `the server logged (${lines.length} lines)`);
      assertNothingSecret(all, 'the logs');
      assert.ok(!all.includes(cookie.split('=')[1]!), 'the OAuth cookie');
    });
  });
}
