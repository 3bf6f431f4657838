/**
 * Barcode payments (当面付条码) against the sandbox, on PGlite and PostgreSQL: paid at once; 10003
 * then paid; 10003 never paid → cancelled; 20000 and timeouts with the call applied or not;
 * a definite refusal; bad input; a second call; long-poll; a pay that never left; an amount that
 * does not match. Every order must end as the sandbox ledger says, with money moved at most once.
 * The two backends run side by side (each has its own sandbox); tests within one run in order,
 * because faults apply to the whole sandbox app. Notifies are dropped: the job alone settles.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AlipayGatewayError, AlipayTransportError } from '../../src/alipay/index.js';
import { startHarness, type Harness } from './harness.js';

const FINAL = new Set(['paid', 'cancelled', 'failed', 'closed']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('barcode payments', { concurrency: true }, () => {
  for (const backend of ['pglite', 'postgres'] as const) {
    describe(`on ${backend}`, { concurrency: 1 }, async () => {
      // A short Alipay timeout so that a hanging gateway costs 1 s (the harness's deadline is 3 s).
      const h: Harness = await startHarness({ backend, config: { alipayTimeoutMs: 1000 } });
      after(() => h.close());
      // Notifies are another part's business (and would race the job to settle the order): these
      // tests watch the barcode part alone, so the sandbox drops every notify of this app.
      h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-drop' });

      const ledger = h.sandbox.ctx.ledger;
      const rich = h.sandbox.buyers[0]!.userId;
      const broke = h.sandbox.buyers.find((b) => b.balanceFen === 0)!.userId;
      const balance = (userId: string) => ledger.buyer(userId)!.balanceFen;
      const code = (userId: string) => ledger.issuePaymentCode(userId).code;
      const trade = (outTradeNo: string) => ledger.tradeByOutTradeNo(h.sandbox.appId, outTradeNo);
      const fault = (kind: 'hang' | 'system-error' | 'need-password' | 'insufficient-balance', extra: { applied?: boolean; payAfterSeconds?: number } = {}) =>
        h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind, method: 'alipay.trade.pay', remaining: 1, ...extra });

      async function newOrder(amount: number) {
        const r = await h.api('POST', '/v1/orders', { amount, subject: `barcode ${amount}` });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body as { id: string; out_trade_no: string };
      }
      const pay = (id: string, authCode: string, wait?: number) => h.api('POST', `/v1/orders/${id}/barcode-payments${wait !== undefined ? `?wait=${wait}` : ''}`, { auth_code: authCode });
      const events = async (id: string) => (await h.api('GET', `/v1/orders/${id}/events`)).body.data as { id: number; type: string; data: Record<string, unknown> }[];
      /** The order's latest barcode payment attempt (each scan is one attempt), with its order. */
      async function barcodeAttempt(id: string) {
        const o = (await h.api('GET', `/v1/orders/${id}`)).body;
        const a = (o.attempts as { method: string; status: string; id: string }[]).filter((x) => x.method === 'barcode').at(-1)!;
        return { ...a, order: o };
      }
      /** Waits until the latest barcode attempt of the order is final, and returns it. */
      async function settled(id: string, within = 10_000) {
        const until = Date.now() + within;
        for (;;) {
          const a = await barcodeAttempt(id);
          if (FINAL.has(a.status)) return a as typeof a & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
          if (Date.now() > until) assert.fail(`the barcode payment of order ${id} is still ${a.status} after ${within} ms`);
          await sleep(100);
        }
      }
      /** The settle job has finished with the order's barcode attempt (done, not still queued). */
      async function jobDone(orderId: string) {
        const until = Date.now() + 5000;
        const attemptId = (await barcodeAttempt(orderId)).id;
        for (;;) {
          const { rows } = await h.db.pool.query(`SELECT done_at, failed_at FROM jobs WHERE unique_key = $1`, [`barcode:${attemptId}`]);
          if (rows[0]?.done_at) return;
          assert.equal(rows[0]?.failed_at ?? null, null);
          if (Date.now() > until) assert.fail(`settle job of ${orderId} not done`);
          await sleep(100);
        }
      }
      async function assertNoAuthCodeStored(authCode: string) {
        for (const table of ['order_events', 'jobs', 'alerts']) {
          const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${table}::text LIKE $1`, [`%${authCode}%`]);
          assert.equal(rows[0].n, 0, `the payment code is stored in ${table}`);
        }
      }

      test('paid at once: one charge, the trade_no and buyer recorded, events, the job ends quietly', async () => {
        const o = await newOrder(1234);
        const before = balance(rich);
        const authCode = code(rich);
        const r = await pay(o.id, authCode);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.status, 'paid');
        assert.equal(r.body.method, 'barcode');
        assert.equal(r.body.order.status, 'paid');
        assert.equal(r.body.order.channel, 'barcode');
        assert.equal(r.body.failure, null);
        const t = trade(o.out_trade_no)!;
        assert.equal(t.status, 'TRADE_SUCCESS');
        assert.equal(r.body.trade_no, t.tradeNo);
        assert.equal(r.body.buyer_user_id, rich);
        assert.ok(r.body.paid_at);
        assert.equal(before - balance(rich), 1234);
        await jobDone(o.id);
        const ev = await events(o.id);
        assert.deepEqual(ev.map((e) => e.type), ['order.created', 'barcode.started', 'barcode.paid']);
        assert.equal(ev[1]!.data.auth_code_last4, authCode.slice(-4));
        assert.equal(ev[2]!.data.via, 'pay');
        await assertNoAuthCodeStored(authCode);
        // A final order takes no second payment.
        const again = await pay(o.id, code(rich));
        assert.equal(again.status, 409);
        assert.equal(again.body.order_status, 'paid');
        assert.equal(before - balance(rich), 1234);
      });

      test('10003, the buyer confirms a second later: the job sees it paid', async () => {
        fault('need-password', { payAfterSeconds: 1 });
        const o = await newOrder(501);
        const before = balance(rich);
        const r = await pay(o.id, code(rich));
        assert.equal(r.status, 202, JSON.stringify(r.body));
        assert.equal(r.body.status, 'paying');
        assert.equal(r.body.trade_no, trade(o.out_trade_no)!.tradeNo, 'trade_no kept from the 10003 answer');
        const done = await settled(o.id);
        assert.equal(done.status, 'paid');
        assert.equal(trade(o.out_trade_no)!.status, 'TRADE_SUCCESS');
        assert.equal(before - balance(rich), 501);
        const types = (await events(o.id)).map((e) => e.type);
        assert.deepEqual(types.slice(0, 3), ['order.created', 'barcode.started', 'barcode.waiting']);
        assert.equal(types.at(-1), 'barcode.paid');
        assert.ok(!types.includes('barcode.cancelled'));
      });

      test('10003 and never paid: a second call is refused, then the trade is cancelled at the deadline', async () => {
        fault('need-password');
        const o = await newOrder(502);
        const before = balance(rich);
        const r = await pay(o.id, code(rich));
        assert.equal(r.status, 202);
        const second = await pay(o.id, code(rich));
        assert.equal(second.status, 409, JSON.stringify(second.body));
        assert.equal(second.body.order_status, 'paying');
        assert.equal(second.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        const done = await settled(o.id);
        assert.equal(done.status, 'cancelled');
        assert.ok(done.closed_at);
        assert.equal(trade(o.out_trade_no)!.status, 'TRADE_CLOSED');
        assert.equal(balance(rich), before);
        const ev = await events(o.id);
        const types = ev.map((e) => e.type);
        assert.ok(types.includes('barcode.poll'));
        assert.deepEqual(types.slice(-2), ['barcode.cancel_requested', 'barcode.cancelled']);
        assert.equal(ev.at(-1)!.data.action, 'close');
        assert.equal(ev.at(-2)!.data.reason, 'deadline');
        // Polls are recorded when what Alipay says changes, not on every poll.
        assert.equal(types.filter((t) => t === 'barcode.poll').length, 1);
      });

      test('concurrent calls on one order: one payment, the others 409', async () => {
        const o = await newOrder(519);
        const before = balance(rich);
        const answers = await Promise.all(Array.from({ length: 5 }, () => pay(o.id, code(rich))));
        const statuses = answers.map((a) => a.status).sort();
        assert.deepEqual(statuses, [200, 409, 409, 409, 409], JSON.stringify(answers.map((a) => a.body)));
        assert.equal(answers.find((a) => a.status === 200)!.body.status, 'paid');
        assert.equal(before - balance(rich), 519);
        assert.equal((await events(o.id)).filter((e) => e.type === 'barcode.started').length, 1);
      });

      test('20000 but the payment went through: paid via the job, charged once', async () => {
        fault('system-error', { applied: true });
        const o = await newOrder(503);
        const before = balance(rich);
        const r = await pay(o.id, code(rich));
        assert.equal(r.status, 202);
        const ev0 = await events(o.id);
        assert.equal(ev0.at(-1)!.type, 'barcode.unknown');
        assert.equal(ev0.at(-1)!.data.reason, 'system-error');
        const done = await settled(o.id);
        assert.equal(done.status, 'paid');
        assert.equal(done.trade_no, trade(o.out_trade_no)!.tradeNo);
        assert.equal(before - balance(rich), 503);
        assert.equal((await events(o.id)).at(-1)!.data.via, 'query');
      });

      test('20000 and nothing happened: cancelled at the deadline, nothing charged', async () => {
        fault('system-error', { applied: false });
        const o = await newOrder(504);
        const before = balance(rich);
        assert.equal((await pay(o.id, code(rich))).status, 202);
        const done = await settled(o.id);
        assert.equal(done.status, 'cancelled');
        assert.equal(trade(o.out_trade_no), undefined, 'the sandbox never had a trade');
        assert.equal(balance(rich), before);
      });

      test('timeout, the payment went through: paid via the job', async () => {
        fault('hang', { applied: true });
        const o = await newOrder(505);
        const before = balance(rich);
        const r = await pay(o.id, code(rich));
        // The settle job's first query (one poll interval in) may find it paid before the client's
        // 1 s timeout: then the call already answers paid.
        assert.ok((r.status === 202 && r.body.status === 'paying') || (r.status === 200 && r.body.status === 'paid'), JSON.stringify(r.body));
        const done = await settled(o.id);
        assert.equal(done.status, 'paid');
        const ev = await events(o.id);
        assert.equal(ev.find((e) => e.type === 'barcode.paid')?.data.via, 'query');
        if (r.status === 202) assert.equal(ev.find((e) => e.type === 'barcode.unknown')?.data.reason, 'timeout');
        assert.equal(trade(o.out_trade_no)!.status, 'TRADE_SUCCESS');
        assert.equal(before - balance(rich), 505);
      });

      test('timeout, nothing happened: cancelled, nothing charged', async () => {
        fault('hang', { applied: false });
        const o = await newOrder(506);
        const before = balance(rich);
        assert.equal((await pay(o.id, code(rich))).status, 202);
        const done = await settled(o.id);
        assert.equal(done.status, 'cancelled');
        assert.equal(trade(o.out_trade_no), undefined);
        assert.equal(balance(rich), before);
      });

      test('insufficient balance: failed at once with Alipay’s message for the clerk; the trade is voided; the order takes another scan', async () => {
        const o = await newOrder(507);
        const r = await pay(o.id, code(broke));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.status, 'failed');
        assert.ok(r.body.closed_at);
        assert.deepEqual(r.body.failure, { code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', message: '买家余额不足' });
        assert.equal(balance(broke), 0);
        // The best-effort cancel runs and is recorded; the attempt stays failed.
        const until = Date.now() + 5000;
        let ev = await events(o.id);
        while (!ev.some((e) => e.type === 'barcode.voided') && Date.now() < until) {
          await sleep(100);
          ev = await events(o.id);
        }
        assert.deepEqual(ev.map((e) => e.type), ['order.created', 'barcode.started', 'barcode.failed', 'barcode.voided']);
        assert.equal(ev.at(-1)!.data.action, null);
        const shown = (await h.api('GET', `/v1/orders/${o.id}`)).body;
        assert.equal(shown.status, 'paying', 'the order stays open for another way to pay');
        assert.deepEqual(shown.attempts.map((a: { status: string }) => a.status), ['failed']);
        assert.deepEqual(shown.attempts[0].failure, { code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', message: '买家余额不足' });
        // The buyer pays with another account: a second attempt, with its own out_trade_no.
        const before = balance(rich);
        const again = await pay(o.id, code(rich));
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.status, 'paid');
        assert.notEqual(again.body.out_trade_no, o.out_trade_no);
        assert.equal(again.body.order.status, 'paid');
        assert.equal(before - balance(rich), 507);
        assert.equal(trade(again.body.out_trade_no)!.status, 'TRADE_SUCCESS');
      });

      test('a used payment code: failed with Alipay’s message, no cancel needed', async () => {
        const used = code(rich);
        const first = await newOrder(508);
        assert.equal((await pay(first.id, used)).body.status, 'paid');
        const o = await newOrder(509);
        const r = await pay(o.id, used);
        assert.equal(r.body.status, 'failed');
        assert.equal(r.body.failure.code, 'ACQ.PAYMENT_AUTH_CODE_INVALID');
        assert.match(r.body.failure.message, /付款码/);
        await sleep(700);
        assert.ok(!(await events(o.id)).some((e) => e.type.startsWith('barcode.void')));
      });

      test('bad auth_code is a 400 naming auth_code; the order stays created', async () => {
        const o = await newOrder(510);
        for (const body of [{ auth_code: '12345' }, { auth_code: '1912345678901234' }, { auth_code: '28123456789012345678901234' }, { auth_code: '28abcdefghijklmnop' }, { auth_code: 281234567890123456 }, {}]) {
          const r = await h.api('POST', `/v1/orders/${o.id}/barcode-payments`, body);
          assert.equal(r.status, 400, JSON.stringify(body));
          assert.equal(r.body.field, 'auth_code', JSON.stringify(r.body));
        }
        const w = await h.api('POST', `/v1/orders/${o.id}/barcode-payments?wait=31`, { auth_code: code(rich) });
        assert.equal(w.status, 400);
        assert.equal(w.body.field, 'querystring.wait');
        assert.equal((await h.api('POST', '/v1/orders/ord_0000000000000000000000/barcode-payments', { auth_code: code(rich) })).status, 404);
        assert.equal((await h.api('GET', `/v1/orders/${o.id}`)).body.status, 'created');
        assert.deepEqual((await events(o.id)).map((e) => e.type), ['order.created']);
      });

      test('long-poll: ?wait answers as soon as the order is final', async () => {
        fault('need-password', { payAfterSeconds: 1 });
        const o = await newOrder(511);
        const t0 = Date.now();
        const r = await pay(o.id, code(rich), 10);
        const took = Date.now() - t0;
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.status, 'paid');
        assert.ok(took < 6000, `took ${took} ms`);
        // And gives up after N seconds when it is not final.
        fault('need-password');
        const o2 = await newOrder(512);
        const t1 = Date.now();
        const r2 = await pay(o2.id, code(rich), 1);
        const took2 = Date.now() - t1;
        assert.equal(r2.status, 202);
        assert.ok(took2 >= 1000 && took2 < 2500, `took ${took2} ms`);
        assert.equal((await settled(o2.id)).status, 'cancelled');
      });

      test('a pay request that never left: cancelled at once (no waiting for the deadline)', async () => {
        const real = h.server.ctx.alipay.api.trade.pay;
        h.server.ctx.alipay.api.trade.pay = async () => {
          throw new AlipayTransportError('ERR_TRANSPORT_CONNECTION', 'not-sent', 'connection refused');
        };
        try {
          const o = await newOrder(513);
          const t0 = Date.now();
          const r = await pay(o.id, code(rich));
          assert.equal(r.status, 202);
          const done = await settled(o.id);
          assert.equal(done.status, 'cancelled');
          assert.ok(Date.now() - t0 < 2500, 'before the 3 s deadline');
          const ev = await events(o.id);
          assert.equal(ev.find((e) => e.type === 'barcode.cancel_requested')?.data.reason, 'pay-not-sent');
          assert.equal(ev.at(-1)!.data.action, null);
        } finally {
          h.server.ctx.alipay.api.trade.pay = real;
        }
      });

      /** pay that never leaves this process: the job cancels at once (a fast way into the cancel phase). */
      const notSent = async () => {
        throw new AlipayTransportError('ERR_TRANSPORT_CONNECTION', 'not-sent', 'connection refused');
      };

      test('cancel: repeated while retry_flag is Y and after a timeout, then cancelled', async () => {
        const api = h.server.ctx.alipay.api.trade;
        const real = { pay: api.pay, cancel: api.cancel };
        let calls = 0;
        api.pay = notSent;
        api.cancel = async (input, options) => {
          calls++;
          if (calls === 1) return { code: '10000', msg: 'Success', retry_flag: 'Y' };
          if (calls === 2) throw new AlipayTransportError('ERR_TRANSPORT_TIMEOUT', 'unknown', 'timed out');
          return real.cancel(input, options);
        };
        try {
          const o = await newOrder(517);
          assert.equal((await pay(o.id, code(rich))).status, 202);
          const done = await settled(o.id);
          assert.equal(done.status, 'cancelled');
          assert.equal(calls, 3);
          const ev = await events(o.id);
          const retries = ev.filter((e) => e.type === 'barcode.cancel_retry').map((e) => e.data.reason);
          assert.deepEqual(retries, ['retry_flag', 'ERR_TRANSPORT_TIMEOUT']);
          assert.equal(ev.at(-1)!.type, 'barcode.cancelled');
          assert.equal(ev.at(-1)!.data.attempts, 3);
        } finally {
          Object.assign(api, real);
        }
      });

      test('cancel refused for good: the trade is queried, a person is alerted, and it is tried again later', async () => {
        const api = h.server.ctx.alipay.api.trade;
        const real = { pay: api.pay, cancel: api.cancel };
        api.pay = notSent;
        api.cancel = async () => {
          const err = new AlipayGatewayError('alipay.trade.cancel', '40004', 'Business Failed', 'ACQ.TRADE_CANCEL_TIME_OUT', '超过撤销时间范围', {});
          Object.defineProperty(err, 'verified', { value: true });
          throw err;
        };
        try {
          const o = await newOrder(518);
          assert.equal((await pay(o.id, code(rich))).status, 202);
          const until = Date.now() + 5000;
          let rows: { kind: string }[] = [];
          while (rows.length === 0 && Date.now() < until) {
            await sleep(100);
            rows = (await h.db.pool.query(`SELECT kind FROM alerts WHERE order_id = $1`, [o.id])).rows;
          }
          assert.deepEqual(rows.map((r) => r.kind), ['barcode_cancel_refused']);
          assert.equal((await h.api('GET', `/v1/orders/${o.id}`)).body.status, 'paying');
          const refused = (await events(o.id)).find((e) => e.type === 'barcode.cancel_refused')!;
          assert.equal(refused.data.sub_code, 'ACQ.TRADE_CANCEL_TIME_OUT');
          assert.equal(refused.data.trade_status, 'TRADE_NOT_EXIST');
          // Once Alipay takes the cancel, the next try (brought forward here) finishes the order.
          api.cancel = real.cancel;
          await h.db.pool.query(`UPDATE jobs SET run_at = $2 WHERE unique_key = $1`, [`barcode:${(await barcodeAttempt(o.id)).id}`, new Date()]);
          assert.equal((await settled(o.id)).status, 'cancelled');
        } finally {
          Object.assign(api, real);
        }
      });

      test('crash after the Alipay call (its answer never recorded): the job finds the payment', async () => {
        const api = h.server.ctx.alipay.api.trade;
        const real = api.pay;
        // The call reaches Alipay and is charged, then this "process" is gone: nothing comes back
        // to the route until long after the job has run.
        api.pay = async (input, options) => {
          await real(input, options);
          await sleep(1500);
          throw new Error('the process died here');
        };
        try {
          const o = await newOrder(516);
          const before = balance(rich);
          const r = await pay(o.id, code(rich));
          assert.equal(r.body.status, 'paid', JSON.stringify(r.body));
          assert.equal(before - balance(rich), 516);
          const types = (await events(o.id)).map((e) => e.type);
          assert.deepEqual(types, ['order.created', 'barcode.started', 'barcode.paid'], 'nothing recorded after the job settled it');
        } finally {
          api.pay = real;
        }
      });

      test('an amount that does not match is never marked paid: one alert, then cancelled', async () => {
        const api = h.server.ctx.alipay.api.trade;
        const real = { pay: api.pay, query: api.query };
        const o = await newOrder(514);
        api.pay = async () => ({ code: '10000', msg: 'Success', trade_no: '2099010122001400000000000001', out_trade_no: o.out_trade_no, total_amount: '0.01' });
        api.query = async () => ({ code: '10000', msg: 'Success', trade_no: '2099010122001400000000000001', out_trade_no: o.out_trade_no, trade_status: 'TRADE_SUCCESS', total_amount: '0.01' });
        try {
          const r = await pay(o.id, code(rich));
          assert.equal(r.status, 202);
          assert.equal(r.body.status, 'paying');
          const done = await settled(o.id);
          assert.equal(done.status, 'cancelled');
          assert.equal(done.trade_no, null);
          const { rows } = await h.db.pool.query(`SELECT kind, detail FROM alerts WHERE order_id = $1`, [o.id]);
          assert.equal(rows.length, 1);
          assert.equal(rows[0].kind, 'amount_mismatch');
          assert.equal(rows[0].detail.alipay_total_amount, '0.01');
          const types = (await events(o.id)).map((e) => e.type);
          assert.equal(types.filter((t) => t === 'barcode.amount_mismatch').length, 1);
          assert.ok(!types.includes('barcode.paid'));
        } finally {
          api.pay = real.pay;
          api.query = real.query;
        }
      });

      test('events: 404 for an unknown order; ?after follows progress', async () => {
        assert.equal((await h.api('GET', '/v1/orders/ord_0000000000000000000000/events')).status, 404);
        const o = await newOrder(515);
        const all = await events(o.id);
        assert.equal(all.length, 1);
        assert.equal((await pay(o.id, code(rich))).body.status, 'paid');
        const later = (await h.api('GET', `/v1/orders/${o.id}/events?after=${all[0]!.id}`)).body.data as { type: string }[];
        assert.deepEqual(later.map((e) => e.type), ['barcode.started', 'barcode.paid']);
      });
    });
  }
});
