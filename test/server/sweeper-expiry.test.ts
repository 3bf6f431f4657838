/**
 * The expiry sweeper on both backends, against the sandbox: a `paying` order left past its expiry
 * is closed on Alipay first (the sandbox trade ends TRADE_CLOSED) and then here; a `created` one
 * is closed locally; a trade paid while nobody told us is recorded paid; orders not yet expired
 * are left alone. The sweep is one durable job that reschedules itself.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { createOrder, eventsOf, expire, notifiesOf, openCashier, orderOf, payAtCashier, waitFor } from './notify-support.js';
import { SWEEP_KEY, ensureSweepJob, sweepOnce, type SweepPayload } from '../../src/server/sweeper/sweep.js';
import { insertOrder } from '../../src/server/orders/repo.js';

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`expiry sweeper on ${backend}`, async () => {
    const h: Harness = await startHarness({ backend, config: { sweepIntervalMs: 150 } });
    after(() => h.close());
    const statusBecomes = (id: string, status: string) => waitFor(`order ${id} to become ${status}`, async () => ((await orderOf(h, id)).status === status ? true : undefined));
    const sweepEvent = async (id: string) => (await h.server.ctx.pool.query(`SELECT data FROM order_events WHERE order_id = $1 AND type LIKE 'sweep.%'`, [id])).rows.map((r) => r.data);
    // What Alipay said about each attempt the sweeper closed (the order's own event comes after).
    const attemptClosed = async (id: string) => (await h.server.ctx.pool.query(`SELECT data FROM order_events WHERE order_id = $1 AND type = 'attempt.closed' ORDER BY id`, [id])).rows.map((r) => r.data);

    test('a wap checkout the buyer never paid: closed on Alipay, then closed here', async () => {
      const o = await createOrder(h, { amount: 4321 });
      await openCashier(h, o.id); // the gateway opened the trade; the buyer walks away
      const trade = () => h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, o.out_trade_no)!;
      assert.equal(trade().status, 'WAIT_BUYER_PAY');
      await expire(h, o.id);
      await statusBecomes(o.id, 'closed');
      assert.equal(trade().status, 'TRADE_CLOSED');
      assert.deepEqual(await eventsOf(h, o.id), ['order.created', 'checkout.wap', 'attempt.closed', 'sweep.closed']);
      assert.equal((await attemptClosed(o.id))[0].alipay, 'closed');
      assert.equal((await sweepEvent(o.id))[0].reason, 'expired');
      // Alipay's TRADE_CLOSED notify for the close arrives afterwards: a harmless duplicate.
      const rows = await waitFor('the close notify', async () => {
        const r = await notifiesOf(h, o.out_trade_no);
        return r.length > 0 && r.every((x) => x.outcome) ? r : undefined;
      });
      assert.deepEqual(rows.map((r) => `${r.trade_status} ${r.outcome}`), ['TRADE_CLOSED duplicate']);
    });

    test('a created order is closed locally; one whose link was never followed is closed after TRADE_NOT_EXIST', async () => {
      const created = await createOrder(h);
      const linkOnly = await createOrder(h);
      const co = await fetch(`${h.server.url}/checkout/${linkOnly.id}/wap`, { redirect: 'manual' });
      assert.equal(co.status, 302); // paying, but the browser never reached the gateway
      await expire(h, created.id);
      await expire(h, linkOnly.id);
      await statusBecomes(created.id, 'closed');
      await statusBecomes(linkOnly.id, 'closed');
      assert.equal((await sweepEvent(created.id))[0].alipay, 'no trade (never offered)');
      assert.equal((await attemptClosed(linkOnly.id))[0].alipay, 'TRADE_NOT_EXIST');
      assert.equal((await sweepEvent(linkOnly.id)).length, 1);
      assert.equal(h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, linkOnly.out_trade_no), undefined);
    });

    test('paid on Alipay but the notify was lost and the browser never came back: recorded paid', async () => {
      h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-drop', remaining: 1 });
      const o = await createOrder(h, { amount: 66 });
      await payAtCashier(h, await openCashier(h, o.id));
      await expire(h, o.id);
      await statusBecomes(o.id, 'paid');
      const order = await orderOf(h, o.id);
      assert.equal(order.trade_no, h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, o.out_trade_no)!.tradeNo);
      assert.deepEqual(await eventsOf(h, o.id), ['order.created', 'checkout.wap', 'sweep.paid']);
    });

    test('orders not yet expired, or just expired and paying (grace for clock skew), are left alone', async () => {
      const fresh = await createOrder(h);
      const paying = await createOrder(h);
      await openCashier(h, paying.id);
      await expire(h, paying.id, 5_000); // past expiry, inside the grace
      const before = await h.server.ctx.pool.query('SELECT run_at FROM jobs WHERE unique_key = $1', [SWEEP_KEY]);
      await waitFor('two more sweeps', async () => {
        const now = await h.server.ctx.pool.query('SELECT run_at FROM jobs WHERE unique_key = $1', [SWEEP_KEY]);
        return now.rows[0].run_at.getTime() > before.rows[0].run_at.getTime() + 200 ? true : undefined;
      });
      assert.equal((await orderOf(h, fresh.id)).status, 'created');
      assert.equal((await orderOf(h, paying.id)).status, 'paying');
      assert.equal(h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, paying.out_trade_no)!.status, 'WAIT_BUYER_PAY');
    });

    test('one job row, rescheduling itself; Alipay failing leaves the order for the next sweep', async () => {
      const { rows } = await h.server.ctx.pool.query(`SELECT kind, done_at, failed_at FROM jobs WHERE kind = 'orders.sweep'`);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].done_at, null);
      assert.equal(rows[0].failed_at, null);

      // Alipay errors on every call for a while: the order stays paying, nothing throws.
      const o = await createOrder(h);
      await openCashier(h, o.id);
      const fault = h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'system-error', method: 'alipay.trade.query' });
      try {
        await expire(h, o.id);
        const r = await sweepOnce(h.server.ctx, {});
        assert.ok(r.swept.left >= 1, JSON.stringify(r.swept));
        assert.equal((await orderOf(h, o.id)).status, 'paying');
      } finally {
        h.sandbox.ctx.faults.remove(fault.id);
      }
      await statusBecomes(o.id, 'closed');
    });
  });

  describe(`expiry sweeper batches on ${backend}`, async () => {
    // A sweep interval of an hour: after the first (empty) run at start, only these calls sweep.
    const q: Harness = await startHarness({ backend, config: { sweepIntervalMs: 3_600_000 } });
    after(() => q.close());

    test('more than a batch: the next run starts at once after the cursor; then the interval', async () => {
      const now = new Date();
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const o = await insertOrder(q.server.ctx.pool, { appId: q.server.ctx.alipay.appId, outTradeNo: `SWEEP_${backend}_${i}`, amountFen: 100 + i, subject: 's', expiresAt: new Date(now.getTime() - 3600_000 + i * 1000), now });
        ids.push(o.id);
      }
      const first = await sweepOnce(q.server.ctx, {});
      assert.equal(first.swept.closed, 50);
      const payload = first.next.payload as SweepPayload;
      assert.ok(payload.after, 'a cursor');
      assert.ok(first.next.rescheduleAt.getTime() <= Date.now());
      const second = await sweepOnce(q.server.ctx, payload);
      assert.equal(second.swept.closed, 10);
      assert.equal((second.next.payload as SweepPayload).after, null);
      assert.ok(second.next.rescheduleAt.getTime() > Date.now() + 3_000_000);
      const { rows } = await q.server.ctx.pool.query(`SELECT count(*)::int AS n FROM orders WHERE id = ANY($1) AND status = 'closed'`, [ids]);
      assert.equal(rows[0].n, 60);
    });

    test('a sweep job that ended is revived at the next start', async () => {
      await q.server.ctx.pool.query(`UPDATE jobs SET failed_at = now(), locked_by = NULL, locked_until = NULL WHERE unique_key = $1`, [SWEEP_KEY]);
      await ensureSweepJob(q.server.ctx);
      const { rows } = await q.server.ctx.pool.query('SELECT failed_at, done_at, run_at FROM jobs WHERE unique_key = $1', [SWEEP_KEY]);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].failed_at, null);
      assert.ok(rows[0].run_at.getTime() <= Date.now());
      await ensureSweepJob(q.server.ctx); // idempotent
      assert.equal((await q.server.ctx.pool.query(`SELECT count(*)::int AS n FROM jobs WHERE kind = 'orders.sweep'`)).rows[0].n, 1);
    });
  });
}
