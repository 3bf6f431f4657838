/**
 * Crash safety (payments-reliability.md §3.5, §4.1): the server process is killed with SIGKILL at
 * each crash point on the paths that move money, restarted on the same database, and every order
 * must reach the state the sandbox's ledger says — no payment lost, none charged twice, no refund
 * made twice. Runs on PGlite and on real PostgreSQL.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSandbox } from '../../../src/sandbox/index.js';
import { realClock } from '../../../src/sandbox/clock.js';
import { eventually, freePort, freshStorage, startServerProcess, type ServerProcess } from './process.js';

// The sandbox's waits run 100x faster (Alipay's first notify retry, 4 min, comes 2.4 s after a
// failed delivery) while its clock reads real time, so trade expiry agrees with the server's.
const fast = realClock(100);
const sandbox = await createSandbox({ clock: { now: () => new Date(), setTimeout: (fn, ms) => fast.setTimeout(fn, ms) } });
after(() => sandbox.close());
const buyer = sandbox.buyers[0]!;
const balance = () => sandbox.ctx.ledger.buyer(buyer.userId)!.balanceFen;
/** A fresh payment code, taken right before use. */
const payCode = () => sandbox.ctx.ledger.issuePaymentCode(buyer.userId).code;
const sandboxTrade = (outTradeNo: string) => sandbox.ctx.ledger.tradeByOutTradeNo(sandbox.appId, outTradeNo);
const sandboxRefunds = (tradeNo: string) => sandbox.ctx.ledger.refunds(sandbox.appId).filter((r) => r.tradeNo === tradeNo);

async function finalOrder(s: ServerProcess, id: string, want: string[]) {
  return eventually(async () => {
    const o = (await s.api('GET', `/v1/orders/${id}`)).body;
    return want.includes(o.status) ? o : undefined;
  }, 30_000, `order ${id} to become ${want.join(' or ')}`);
}

/** The order's latest payment attempt once it is in one of `want` (a barcode payment ends cancelled or failed while its order stays open). */
async function finalAttempt(s: ServerProcess, id: string, want: string[]) {
  return eventually(async () => {
    const o = (await s.api('GET', `/v1/orders/${id}`)).body;
    const a = o.attempts?.at(-1);
    return a && want.includes(a.status) ? { ...a, order: o } : undefined;
  }, 30_000, `the payment attempt of order ${id} to become ${want.join(' or ')}`);
}

/** The buyer pays a wap order through the sandbox cashier; the return redirect is not followed. */
async function payThroughCashier(serverUrl: string, orderId: string): Promise<void> {
  const toGateway = await fetch(`${serverUrl}/checkout/${orderId}/wap`, { redirect: 'manual' });
  assert.equal(toGateway.status, 302);
  const toCashier = await fetch(toGateway.headers.get('location')!, { redirect: 'manual' });
  const cashier = new URL(toCashier.headers.get('location')!, sandbox.baseUrl);
  const login = await fetch(cashier, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logon_id: buyer.logonId, password: buyer.password }) });
  assert.equal(login.status, 302, await login.text());
}

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`crash safety on ${backend}`, { concurrency: false }, async () => {
    const storage = await freshStorage(backend);
    const port = await freePort();
    after(() => storage.drop());
    /**
     * Starts the server with a crash point, runs `act` (which makes it die), restarts it without one.
     * First, with a clean server up, every notify still owed to this port is delivered: otherwise a
     * late retry for an earlier test's order can reach the doomed server first and trip its crash
     * point before the test's own request does (seen in CI: the doomed server died on a stale
     * duplicate, so the test's buyer never paid).
     */
    async function crashThenRestart(point: string, act: (s: ServerProcess) => Promise<void>): Promise<ServerProcess> {
      await deliverOwedNotifies((await server()).url);
      await restartClean();
      const doomed = await startServerProcess(sandbox, storage, port, point);
      await act(doomed).catch(() => {}); // the request dies with the process
      const why = await Promise.race([doomed.exited, new Promise((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
      if (why !== 'SIGKILL') await doomed.stop();
      assert.equal(why, 'SIGKILL', `the server did not reach ${point}:\n${doomed.output()}`);
      const s = await startServerProcess(sandbox, storage, port);
      after(() => s.stop());
      return s;
    }
    let s: ServerProcess | undefined;
    async function deliverOwedNotifies(url: string): Promise<void> {
      for (const t of sandbox.ctx.notifier!.tasks({ appId: sandbox.appId, state: 'pending' })) {
        if (!t.url.startsWith(`${url}/`)) continue;
        const attempt = await sandbox.ctx.notifier!.resend(t.id);
        assert.ok(attempt?.ok, `an earlier notify (trade ${t.tradeNo}) was not acknowledged by a clean server: ${JSON.stringify(attempt)}`);
      }
    }
    const server = async () => (s ??= await startServerProcess(sandbox, storage, port));
    const restartClean = async () => {
      await s?.stop();
      s = undefined;
    };
    const newOrder = async (amount: number) => (await (await server()).api('POST', '/v1/orders', { amount, subject: `crash ${backend}` })).body;

    test('barcode: killed after "paying" is committed, before alipay.trade.pay is sent → cancelled, nothing charged', async () => {
      const order = await newOrder(101);
      const before = balance();
      const s2 = await crashThenRestart('barcode.after_paying_commit', (d) => d.api('POST', `/v1/orders/${order.id}/barcode-payments`, { auth_code: payCode() }).then(() => {}));
      const o = await finalAttempt(s2, order.id, ['cancelled', 'paid', 'failed']);
      assert.equal(o.status, 'cancelled');
      assert.equal(o.order.status, 'paying', 'the order stays open for another scan');
      assert.notEqual(sandboxTrade(order.out_trade_no)?.status, 'TRADE_SUCCESS');
      assert.equal(balance(), before);
      await s2.stop();
    });

    test('barcode: killed after Alipay took the payment, before it was recorded → paid, charged once', async () => {
      const order = await newOrder(102);
      const before = balance();
      const s2 = await crashThenRestart('barcode.after_alipay_pay', (d) => d.api('POST', `/v1/orders/${order.id}/barcode-payments`, { auth_code: payCode() }).then(() => {}));
      const o = await finalOrder(s2, order.id, ['paid', 'cancelled', 'failed']);
      assert.equal(o.status, 'paid');
      assert.equal(sandboxTrade(order.out_trade_no)?.status, 'TRADE_SUCCESS');
      assert.equal(o.trade_no, sandboxTrade(order.out_trade_no)?.tradeNo);
      assert.equal(balance(), before - 102);
      await s2.stop();
    });

    test('checkout: killed after "paying" is committed, before the redirect → the buyer comes back and pays once', async () => {
      const order = await newOrder(103);
      const before = balance();
      const s2 = await crashThenRestart('checkout.after_paying_commit', (d) => fetch(`${d.url}/checkout/${order.id}/wap`, { redirect: 'manual' }).then(() => {}));
      await payThroughCashier(s2.url, order.id);
      const o = await finalOrder(s2, order.id, ['paid']);
      assert.equal(o.channel, 'wap');
      assert.equal(balance(), before - 103);
      await s2.stop();
    });

    test('notify: killed after the raw body is stored, before it is applied → Alipay\'s retry applies it', async () => {
      const order = await newOrder(104);
      const before = balance();
      const s2 = await crashThenRestart('notify.after_store', async (d) => {
        await payThroughCashier(d.url, order.id);
        await d.exited;
      });
      const o = await finalOrder(s2, order.id, ['paid']);
      assert.equal(o.trade_no, sandboxTrade(order.out_trade_no)?.tradeNo);
      assert.equal(balance(), before - 104);
      const tradeNo = sandboxTrade(order.out_trade_no)!.tradeNo;
      await eventually(async () => (sandbox.ctx.notifier!.tasks({ tradeNo })[0]?.state === 'delivered' ? true : undefined), 30_000, 'the notify to be acknowledged');
      await s2.stop();
    });

    test('notify: killed after commit, before answering "success" → the resend is a harmless duplicate', async () => {
      const order = await newOrder(105);
      const before = balance();
      const s2 = await crashThenRestart('notify.after_commit', async (d) => {
        await payThroughCashier(d.url, order.id);
        await d.exited;
      });
      const o = await finalOrder(s2, order.id, ['paid']);
      assert.equal(balance(), before - 105);
      const tradeNo = sandboxTrade(order.out_trade_no)!.tradeNo;
      await eventually(async () => (sandbox.ctx.notifier!.tasks({ tradeNo })[0]?.state === 'delivered' ? true : undefined), 30_000, 'the notify to be acknowledged');
      assert.equal(o.status, 'paid');
      await s2.stop();
    });

    for (const point of ['refund.after_row_commit', 'refund.after_alipay_refund']) {
      test(`refund: killed at ${point} → the refund completes once`, async () => {
          const srv = await server();
        const order = await newOrder(200);
        const paid = await srv.api('POST', `/v1/orders/${order.id}/barcode-payments?wait=10`, { auth_code: payCode() });
        assert.equal(paid.body.status, 'paid', JSON.stringify(paid.body));
        const before = balance();
        let refundId: string | undefined;
        const s2 = await crashThenRestart(point, (d) => d.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 150, reason: 'crash' }).then((r) => void (refundId = r.body?.id)));
        const tradeNo = sandboxTrade(order.out_trade_no)!.tradeNo;
        const refunds = await eventually(async () => {
          const list = (await s2.api('GET', `/v1/orders/${order.id}/refunds`)).body;
          const rs = (list.data ?? list) as { id: string; status: string }[];
          return rs.length === 1 && rs[0]!.status === 'succeeded' ? rs : undefined;
        }, 40_000, 'the refund to succeed');
        if (refundId) assert.equal(refunds[0]!.id, refundId);
        assert.equal(sandboxRefunds(tradeNo).length, 1, 'exactly one refund at Alipay');
        assert.equal(balance(), before + 150);
        assert.equal((await s2.api('GET', `/v1/orders/${order.id}`)).body.amount_refunded, 150);
        await s2.stop();
      });
    }
  });
}
