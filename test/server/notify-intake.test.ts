/**
 * POST /notify/alipay on both backends, with notifies signed by the sandbox's Alipay key (genuine)
 * or by anyone else: every arrival stored byte for byte before anything else; only a verified,
 * matching notify moves an order, exactly once; `success` only after commit; bad input refused
 * and recorded, never a 5xx.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { startAttempt } from '../../src/server/payments/start.js';
import { FORM, alertsOf, createOrder, offeredOrder, eventsOf, forgerKey, lastNotify, notifyFor, orderOf, postNotify } from './notify-support.js';

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`notify intake on ${backend}`, async () => {
    const h: Harness = await startHarness({ backend });
    after(() => h.close());

    test('a genuine TRADE_SUCCESS pays the order once; the same notify again is a harmless duplicate', async () => {
      const o = await offeredOrder(h);
      const n = notifyFor(h, o);
      const first = await postNotify(h, n.body);
      assert.equal(first.status, 200);
      assert.equal(first.text, 'success');
      assert.match(first.contentType!, /^text\/plain/);
      const row = await lastNotify(h);
      assert.equal(row.outcome, 'applied', row.reason);
      assert.deepEqual(Buffer.from(row.raw_body), Buffer.from(n.body));
      assert.equal(row.content_type, FORM);
      assert.equal(row.order_id, o.id);
      assert.equal(row.notify_id, n.params.notify_id);
      assert.equal(row.trade_no, n.params.trade_no);
      assert.equal(row.trade_status, 'TRADE_SUCCESS');
      assert.ok(row.processed_at);
      const paid = await orderOf(h, o.id);
      assert.equal(paid.status, 'paid');
      assert.equal(paid.trade_no, n.params.trade_no);
      assert.equal(paid.buyer_user_id, '2088102177846880');
      assert.equal(paid.paid_at, '2026-11-20T02:00:04.000Z'); // gmt_payment, Asia/Shanghai
      assert.equal(paid.channel, 'wap');

      const again = await postNotify(h, n.body);
      assert.equal(again.text, 'success');
      assert.equal((await lastNotify(h)).outcome, 'duplicate');
      const finished = await postNotify(h, notifyFor(h, o, { trade_no: n.params.trade_no, trade_status: 'TRADE_FINISHED' }).body);
      assert.equal(finished.text, 'success');
      assert.equal((await lastNotify(h)).outcome, 'duplicate');
      assert.deepEqual((await eventsOf(h, o.id)).filter((e) => e.endsWith('paid')), ['notify.paid']);
    });

    test('concurrent copies of one notify: one transition, every copy answered success', async () => {
      const o = await offeredOrder(h);
      const n = notifyFor(h, o);
      const answers = await Promise.all(Array.from({ length: 12 }, () => postNotify(h, n.body)));
      assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.text}`)), new Set(['200 success']));
      assert.deepEqual((await eventsOf(h, o.id)).filter((e) => e === 'notify.paid'), ['notify.paid']);
      const { rows } = await h.server.ctx.pool.query(`SELECT outcome, count(*)::int AS n FROM notifies WHERE out_trade_no = $1 GROUP BY outcome`, [o.out_trade_no]);
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.outcome, r.n])), { applied: 1, duplicate: 11 });
    });

    test('forged (another key), tampered amount, RSA downgrade, no sign: rejected with 400 failure, recorded verbatim, order untouched', async () => {
      const o = await offeredOrder(h);
      const genuine = notifyFor(h, o);
      const cases: [string, string][] = [
        ['forged', notifyFor(h, o, {}, { key: forgerKey }).body],
        ['tampered', genuine.body.replace(`total_amount=${genuine.params.total_amount}`, 'total_amount=0.01')],
        ['rsa', notifyFor(h, o, {}, { signType: 'RSA' }).body],
        ['nosign', genuine.body.replace(/&?sign=[^&]*/, '')],
        ['bad-base64', genuine.body.replace(/sign=[^&]*/, 'sign=%%%')],
      ];
      assert.notEqual(cases[1]![1], genuine.body);
      for (const [label, body] of cases) {
        const r = await postNotify(h, body);
        assert.equal(r.status, 400, label);
        assert.equal(r.text, 'failure', label);
        const row = await lastNotify(h);
        assert.equal(row.outcome, 'rejected', label);
        assert.match(row.reason, /^(signature|malformed)/, `${label}: ${row.reason}`);
        assert.deepEqual(Buffer.from(row.raw_body), Buffer.from(body), label);
        assert.equal(row.order_id, null, label);
        if (label === 'rsa') assert.match(row.reason, /sign_type=RSA\b/);
      }
      assert.equal((await orderOf(h, o.id)).status, 'paying');
      assert.deepEqual(await eventsOf(h, o.id), ['order.created', 'checkout.wap']);
      // One open alert for rejected notifies, not one per arrival, even when they arrive at once
      // (on PostgreSQL each on its own connection).
      await h.db.pool.query(`UPDATE alerts SET resolved_at = now() WHERE kind = 'notify_rejected'`);
      const flood = await Promise.all(Array.from({ length: 24 }, (_, i) => postNotify(h, notifyFor(h, o, { notify_id: `flood-${i}` }, { key: forgerKey }).body)));
      assert.ok(flood.every((r) => r.status === 400));
      assert.equal((await alertsOf(h, 'notify_rejected')).filter((a) => a.resolved_at === null).length, 1);
    });

    test('signed by Alipay but disagreeing (amount, app_id, seller_id, unknown order, other trade): flagged with an alert, 200 failure, nothing applied', async () => {
      const o = await offeredOrder(h, { amount: 5000 });
      const cases: [string, Record<string, string>, string][] = [
        ['amount', { total_amount: '0.01' }, 'notify_amount_mismatch'],
        ['amount-unreadable', { total_amount: '50.000' }, 'notify_amount_mismatch'],
        ['app', { app_id: '2021000000000000', auth_app_id: '2021000000000000' }, 'notify_app_mismatch'],
        ['seller', { seller_id: '2088000000000001' }, 'notify_seller_mismatch'],
      ];
      for (const [label, overrides, kind] of cases) {
        const n = notifyFor(h, o, overrides);
        const r = await postNotify(h, n.body);
        assert.equal(`${r.status} ${r.text}`, '200 failure', label);
        const row = await lastNotify(h);
        assert.equal(row.outcome, 'flagged', label);
        assert.deepEqual(Buffer.from(row.raw_body), Buffer.from(n.body));
        const alerts = await alertsOf(h, kind);
        assert.ok(alerts.some((a) => a.notify_row_id === row.id), `${label}: alert ${kind}`);
        // Alipay resends the same notify: the row is kept, the alert is not repeated.
        await postNotify(h, n.body);
        assert.equal((await alertsOf(h, kind)).filter((a) => a.detail.notify_id === n.params.notify_id).length, 1, label);
      }
      assert.equal((await orderOf(h, o.id)).status, 'paying');

      const unknown = notifyFor(h, { out_trade_no: 'NO_SUCH_ORDER_1', amount: 100 });
      const r = await postNotify(h, unknown.body);
      assert.equal(`${r.status} ${r.text}`, '200 failure');
      assert.equal((await lastNotify(h)).outcome, 'flagged');
      assert.equal((await alertsOf(h, 'notify_unknown_order')).at(-1)!.detail.out_trade_no, 'NO_SUCH_ORDER_1');

      // Paid with one trade; a notify naming another trade for the same order is not a second payment.
      const first = notifyFor(h, o);
      assert.equal((await postNotify(h, first.body)).text, 'success');
      const other = await postNotify(h, notifyFor(h, o).body);
      assert.equal(`${other.status} ${other.text}`, '200 failure');
      assert.equal((await lastNotify(h)).outcome, 'flagged');
      assert.equal((await alertsOf(h, 'notify_trade_no_mismatch')).length >= 1, true);
      assert.equal((await orderOf(h, o.id)).trade_no, first.params.trade_no);
    });

    test('malformed and odd bodies are refused and recorded byte for byte; nothing crashes', async () => {
      const o = await offeredOrder(h);
      const genuine = notifyFor(h, o).body;
      const cases: [string, Buffer, string | null, number][] = [
        ['percent', Buffer.from('%%%'), FORM, 400],
        ['duplicate keys', Buffer.from(`${genuine}&total_amount=0.01`), FORM, 400],
        ['empty', Buffer.alloc(0), FORM, 400],
        ['not utf-8', Buffer.concat([Buffer.from('a='), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('&sign=x')]), FORM, 400],
        ['nested keys', Buffer.from('a[b]=1&sign=x&sign_type=RSA2'), FORM, 400],
        ['unknown charset', Buffer.from('charset=ebcdic&a=1'), FORM, 400],
        ['json', Buffer.from(JSON.stringify({ out_trade_no: o.out_trade_no })), 'application/json', 415],
        ['no content type', Buffer.from(genuine), null, 415],
        ['invalid media type', Buffer.from(genuine), 'foo', 415],
        ['nul bytes', Buffer.from([0x61, 0x3d, 0x00, 0x01, 0x26, 0x62]), FORM, 400],
        // Found by the fuzzer: a NUL inside a field the row keeps as text (PostgreSQL text has no U+0000).
        ['nul in a claim', Buffer.from(genuine.replace(`out_trade_no=${o.out_trade_no}`, `out_trade_no=${o.out_trade_no}\u0000x`)), FORM, 400],
        ['%00 in a claim', Buffer.from(genuine.replace(/notify_id=[^&]*/, 'notify_id=a%00b')), FORM, 400],
      ];
      for (const [label, body, ct, status] of cases) {
        const r = await postNotify(h, body, ct);
        assert.equal(r.status, status, `${label}: ${r.text}`);
        assert.equal(r.text, 'failure', label);
        const row = await lastNotify(h);
        assert.equal(row.outcome, 'rejected', label);
        assert.deepEqual(Buffer.from(row.raw_body), body, label);
        assert.equal(row.content_type, ct === null ? null : ct, label);
        if (label.endsWith('in a claim')) assert.ok(`${row.out_trade_no}${row.notify_id}`.includes('\uFFFD'), `${label}: the claim kept, readable`);
      }
      // A charset parameter in any spelling is fine.
      const ok = await postNotify(h, genuine, 'Application/X-WWW-Form-Urlencoded;Charset=UTF-8');
      assert.equal(ok.text, 'success');
      assert.equal((await orderOf(h, o.id)).status, 'paid');
      // The JSON API next door still parses JSON.
      assert.equal((await h.api('POST', '/v1/orders', { amount: 1, subject: 'still json' })).status, 201);
    });

    test('oversized bodies: 413 failure, the first 64 KiB recorded', async () => {
      const big = Buffer.alloc(70 * 1024, 'a');
      const r = await postNotify(h, big);
      assert.equal(`${r.status} ${r.text}`, '413 failure');
      const row = await lastNotify(h);
      assert.equal(row.outcome, 'rejected');
      assert.match(row.reason, /too large: 71680 bytes/);
      assert.deepEqual(Buffer.from(row.raw_body), big.subarray(0, 64 * 1024));
      // Far beyond: reading stops, the connection is closed after the answer.
      const huge = Buffer.alloc(3 * 1024 * 1024, 'b');
      const r2 = await postNotify(h, huge).catch((err: Error) => ({ status: 0, text: err.message, contentType: null }));
      assert.ok(r2.status === 413 || r2.status === 0, `${r2.status} ${r2.text}`);
      const row2 = await lastNotify(h);
      assert.equal(row2.outcome, 'rejected');
      assert.equal(Buffer.from(row2.raw_body).length, 64 * 1024);
      assert.equal((await h.api('GET', '/v1/orders?limit=1')).status, 200, 'the server still answers');
    });

    test('TRADE_CLOSED closes the attempt, the order stays open; after the merchant closes the order, money for it is flagged paid_after_close and acknowledged', async () => {
      const o = await offeredOrder(h);
      const closed = notifyFor(h, o, { trade_status: 'TRADE_CLOSED', gmt_payment: undefined, gmt_close: '2026-11-20 10:30:00' });
      assert.equal((await postNotify(h, closed.body)).text, 'success');
      assert.equal((await lastNotify(h)).outcome, 'applied');
      const c = await orderOf(h, o.id);
      assert.equal(c.status, 'paying', 'the buyer may still pay another way');
      assert.deepEqual(c.attempts.map((a: { status: string }) => a.status), ['closed']);
      assert.equal(c.attempts[0].trade_no, closed.params.trade_no);
      assert.equal(c.attempts[0].closed_at, '2026-11-20T02:30:00.000Z'); // gmt_close, Asia/Shanghai
      assert.equal((await postNotify(h, closed.body)).text, 'success');
      assert.equal((await lastNotify(h)).outcome, 'duplicate');

      // The merchant closes the order (Alipay knows the trade as closed), then money arrives for it.
      const gone = await offeredOrder(h);
      assert.equal((await h.api('POST', `/v1/orders/${gone.id}/close`)).status, 200);
      const late = notifyFor(h, gone);
      const r = await postNotify(h, late.body);
      assert.equal(`${r.status} ${r.text}`, '200 success');
      const row = await lastNotify(h);
      assert.equal(row.outcome, 'flagged');
      const alert = (await alertsOf(h, 'paid_after_close')).find((a) => a.order_id === gone.id);
      assert.ok(alert);
      assert.equal(alert.detail.total_amount, late.params.total_amount);
      assert.equal((await orderOf(h, gone.id)).status, 'closed');
      assert.deepEqual(await eventsOf(h, gone.id), ['order.created', 'checkout.wap', 'attempt.closed', 'order.closed', 'attempt.paid_after_close']);
    });

    test('refund notifies for a paid order change nothing (refunds are confirmed by refund query)', async () => {
      const o = await offeredOrder(h, { amount: 1000 });
      const pay = notifyFor(h, o);
      assert.equal((await postNotify(h, pay.body)).text, 'success');
      const partial = notifyFor(h, o, { trade_no: pay.params.trade_no, refund_fee: '3.00', gmt_refund: '2026-11-20 11:00:00.123', out_biz_no: 'R1' });
      assert.equal((await postNotify(h, partial.body)).text, 'success');
      assert.equal((await lastNotify(h)).outcome, 'ignored');
      const full = notifyFor(h, o, { trade_no: pay.params.trade_no, trade_status: 'TRADE_CLOSED', refund_fee: '10.00', gmt_refund: '2026-11-20 11:00:00.123', out_biz_no: 'R2' });
      assert.equal((await postNotify(h, full.body)).text, 'success');
      assert.equal((await lastNotify(h)).outcome, 'ignored');
      const order = await orderOf(h, o.id);
      assert.equal(order.status, 'paid');
      assert.equal(order.amount_refunded, 0);
      // A notify of another type, verified: nothing to do, acknowledged.
      const other = notifyFor(h, o, { notify_type: 'trade_settle_sync' });
      assert.equal((await postNotify(h, other.body)).text, 'success');
      assert.equal((await lastNotify(h)).outcome, 'ignored');
    });

    test('a barcode payment in progress is left to its settle job', async () => {
      const o = await createOrder(h, { amount: 800 });
      await startAttempt(h.server.ctx, o.id, 'barcode');
      for (const status of ['TRADE_SUCCESS', 'TRADE_CLOSED']) {
        const r = await postNotify(h, notifyFor(h, o, { trade_status: status }).body);
        assert.equal(`${r.status} ${r.text}`, '200 success');
        assert.equal((await lastNotify(h)).outcome, 'ignored');
      }
      assert.equal((await orderOf(h, o.id)).status, 'paying');
    });

    test('the database failing answers failure (500), never success', async () => {
      const o = await offeredOrder(h);
      const n = notifyFor(h, o);
      const pool = h.server.ctx.pool;
      const original = pool.query.bind(pool);
      (pool as unknown as { query: unknown }).query = async (...args: unknown[]) => {
        if (typeof args[0] === 'string' && args[0].startsWith('INSERT INTO notifies')) throw new Error('connection refused (simulated)');
        return (original as (...a: unknown[]) => unknown)(...args);
      };
      try {
        const r = await postNotify(h, n.body);
        assert.equal(`${r.status} ${r.text}`, '500 failure');
      } finally {
        (pool as unknown as { query: unknown }).query = original;
      }
      assert.equal((await orderOf(h, o.id)).status, 'paying');
      // Alipay resends; now it goes through.
      assert.equal((await postNotify(h, n.body)).text, 'success');
      assert.equal((await orderOf(h, o.id)).status, 'paid');
    });
  });
}
