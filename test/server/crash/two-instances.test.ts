/**
 * Two server processes on one PostgreSQL (the issue's "safe with many instances"): barcode
 * payments and refunds started on either instance are settled by durable jobs that both
 * instances' runners compete for; every job runs to completion once, every order ends in one
 * final state, and the sandbox ledger agrees (charged once, refunded once). PostgreSQL only:
 * PGlite is one process's database.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createSandbox } from '../../../src/sandbox/index.js';
import { eventually, freePort, freshStorage, startServerProcess } from './process.js';

const sandbox = await createSandbox();
const storage = await freshStorage('postgres');
const [a, b] = await Promise.all([startServerProcess(sandbox, storage, await freePort()), freePort().then((p) => new Promise((r) => setTimeout(r, 200)).then(() => p))]).then(async ([first, port]) => [first, await startServerProcess(sandbox, storage, port as number)] as const);
after(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await sandbox.close();
  await storage.drop();
});
const db = new pg.Pool({ connectionString: storage.env.DATABASE_URL, max: 2 });
after(() => db.end());

test('jobs started on either instance run to completion once; the ledger agrees', async () => {
  const buyer = sandbox.buyers[0]!;
  const before = sandbox.ctx.ledger.buyer(buyer.userId)!.balanceFen;
  const N = 12;
  const orders: { id: string; out_trade_no: string; amount: number; pays: boolean }[] = [];
  for (let i = 0; i < N; i++) {
    const via = i % 2 === 0 ? a : b;
    const o = (await via.api('POST', '/v1/orders', { amount: 100 + i, subject: `two instances ${i}` })).body;
    orders.push({ ...o, pays: i % 3 !== 0 });
  }
  // Which workers hold jobs while they run (a finished job's lock is cleared, so sample it live).
  const workers = new Set<string>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const r of (await db.query('SELECT DISTINCT locked_by FROM jobs WHERE locked_by IS NOT NULL')).rows) workers.add(r.locked_by);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  // Every payment waits for the buyer's password: most pay after a second, a third never (→ cancel).
  // One at a time, so each payment takes its own fault; the settling then runs concurrently.
  for (const [i, o] of orders.entries()) {
    sandbox.ctx.faults.add({ appId: sandbox.appId, kind: 'need-password', method: 'alipay.trade.pay', remaining: 1, ...(o.pays ? { payAfterSeconds: 1 } : {}) });
    const code = sandbox.ctx.ledger.issuePaymentCode(buyer.userId).code;
    const r = await (i % 2 === 0 ? b : a).api('POST', `/v1/orders/${o.id}/barcode-payments`, { auth_code: code });
    assert.equal(r.status, 202, JSON.stringify(r.body));
  }
  const finals = await Promise.all(
    orders.map((o) =>
      eventually(async () => {
        // The barcode attempt's outcome: paid (and so the order), or cancelled (the order stays open).
        const s = (await a.api('GET', `/v1/orders/${o.id}`)).body.attempts.at(-1).status as string;
        return s === 'paid' || s === 'cancelled' ? s : undefined;
      }, 30_000, `order ${o.id} final`),
    ),
  );
  orders.forEach((o, i) => assert.equal(finals[i], o.pays ? 'paid' : 'cancelled', `order ${i}`));

  // Refund each paid order, alternating instances, with Alipay's answer lost half the time.
  const paid = orders.filter((o) => o.pays);
  sandbox.ctx.faults.add({ appId: sandbox.appId, kind: 'system-error', method: 'alipay.trade.refund', applied: true, remaining: Math.floor(paid.length / 2) });
  const refunds = await Promise.all(paid.map(async (o, i) => (await (i % 2 === 0 ? a : b).api('POST', `/v1/orders/${o.id}/refunds`, { amount: 50 })).body));
  await Promise.all(
    refunds.map((r) => eventually(async () => ((await b.api('GET', `/v1/refunds/${r.id}`)).body.status === 'succeeded' ? true : undefined), 40_000, `refund ${r.id}`)),
  );

  // Every job is done, none failed, none ran its final step twice.
  await eventually(async () => ((await db.query('SELECT count(*)::int AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL AND kind <> $1', ['orders.sweep'])).rows[0].n === 0 ? true : undefined), 20_000, 'all jobs done');
  assert.equal((await db.query('SELECT count(*)::int AS n FROM jobs WHERE failed_at IS NOT NULL')).rows[0].n, 0);
  sampling = false;
  await sampler;
  assert.ok(workers.size >= 2, `both instances ran jobs (saw ${[...workers].join(', ')})`);
  const terminal = await db.query(`SELECT order_id, count(*)::int AS n FROM order_events WHERE type IN ('barcode.paid', 'barcode.cancelled', 'notify.paid', 'notify.closed') GROUP BY order_id`);
  for (const row of terminal.rows) assert.equal(row.n, 1, `order ${row.order_id} reached its final state once`);
  const succeeded = await db.query(`SELECT order_id, count(*)::int AS n FROM order_events WHERE type = 'refund.succeeded' GROUP BY order_id`);
  assert.equal(succeeded.rows.length, paid.length);
  for (const row of succeeded.rows) assert.equal(row.n, 1, `refund of ${row.order_id} recorded once`);

  // The ledger: each paid order charged once and refunded 50 fen once.
  for (const o of paid) {
    const t = sandbox.ctx.ledger.tradeByOutTradeNo(sandbox.appId, o.out_trade_no)!;
    assert.equal(t.status, 'TRADE_SUCCESS');
    assert.equal(sandbox.ctx.ledger.refunds(sandbox.appId).filter((r) => r.tradeNo === t.tradeNo).length, 1);
  }
  const charged = paid.reduce((sum, o) => sum + o.amount - 50, 0);
  assert.equal(sandbox.ctx.ledger.buyer(buyer.userId)!.balanceFen, before - charged);
});
