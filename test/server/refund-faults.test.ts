/**
 * Refunds whose outcome is not known when the request answers, on both backends: Alipay answers
 * 20000 or never answers, having refunded or not. The refund.confirm job queries and, if nothing
 * was refunded, sends the refund again with the same out_request_no; either way the sandbox ends
 * with exactly one refund of the right amount. After too many unresolved runs it raises an alert.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { paidOrder } from './paid-order.js';
import { orderEvents } from '../../src/server/orders/repo.js';
import { REFUND_CONFIRM_MAX_TRIES } from '../../src/server/refunds/confirm-job.js';
import { requestRefund } from '../../src/server/refunds/create.js';

async function sandboxRefunds(h: Harness, tradeNo: string): Promise<{ outRequestNo: string; amountFen: number }[]> {
  const res = await fetch(`${h.sandbox.adminUrl}/refunds?tradeNo=${tradeNo}`);
  assert.equal(res.status, 200);
  return (await res.json()) as { outRequestNo: string; amountFen: number }[];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function settled(h: Harness, refundId: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return until(`refund ${refundId} to settle`, async () => {
    const r = await h.api('GET', `/v1/refunds/${refundId}`);
    return r.body.status === 'succeeded' || r.body.status === 'failed' ? r.body : undefined;
  });
}

const balance = (h: Harness, buyerId: string) => h.sandbox.ctx.ledger.buyer(buyerId)!.balanceFen;

/** The answer's HTTP status agrees with the refund's status in it. */
function answerAgrees(r: { status: number; body: { status: string } }): void {
  assert.equal(r.status, r.body.status === 'succeeded' || r.body.status === 'failed' ? 201 : 202, JSON.stringify(r.body));
}

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`refund faults on ${backend}`, async () => {
    // A short client timeout for the hang cases; refundConfirmDelayMs is 200 ms in the harness.
    const h: Harness = await startHarness({ backend, config: { alipayTimeoutMs: 1000 } });
    after(() => h.close());
    const appId = h.sandbox.appId;

    for (const applied of [true, false]) {
      test(`system error (20000) on the refund, ${applied ? 'after' : 'before'} Alipay refunded: processing, then the job settles it with exactly one refund`, async () => {
        const buyerId = h.sandbox.buyers[0]!.userId;
        const before = balance(h, buyerId);
        const { order, tradeNo } = await paidOrder(h, 900, { buyerId });
        h.sandbox.ctx.faults.add({ appId, kind: 'system-error', method: 'alipay.trade.refund', remaining: 1, applied });
        const r = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 250 }, { 'idempotency-key': `sys-${applied}-${backend}` });
        answerAgrees(r);
        assert.equal(r.body.status, 'processing');
        assert.equal(r.body.fund_change, null);
        // Reserved while in flight.
        assert.equal((await h.api('GET', `/v1/orders/${order.id}`)).body.amount_refundable, 650);

        const done = await settled(h, r.body.id);
        assert.equal(done.status, 'succeeded');
        const atSandbox = await sandboxRefunds(h, tradeNo);
        assert.deepEqual(atSandbox.map((x) => [x.outRequestNo, x.amountFen]), [[r.body.out_request_no, 250]]);
        assert.equal(balance(h, buyerId), before - 900 + 250);
        const o = (await h.api('GET', `/v1/orders/${order.id}`)).body;
        assert.equal(o.amount_refunded, 250);
        assert.equal(o.amount_refundable, 650);
        const events = await orderEvents(h.server.ctx.pool, order.id);
        const types = events.map((e) => e.type);
        // Refunded already: the query confirms it. Not refunded: sent again, same request no.
        assert.equal(types.includes('refund.retried'), !applied);
        assert.equal(events.find((e) => e.type === 'refund.succeeded')?.data.by, 'job');
        const { rows } = await h.server.ctx.pool.query('SELECT attempts FROM refunds WHERE id = $1', [r.body.id]);
        assert.equal(rows[0].attempts, applied ? 1 : 2);
        // The replay answers what the first call answered; GET shows the present.
        const replay = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 250 }, { 'idempotency-key': `sys-${applied}-${backend}` });
        assert.equal(replay.body.id, r.body.id);
        assert.equal((await sandboxRefunds(h, tradeNo)).length, 1);
      });
    }

    for (const applied of [true, false]) {
      test(`Alipay never answers the refund (timeout), ${applied ? 'having' : 'not having'} refunded: the job confirms it, one refund at Alipay`, async () => {
        const buyerId = h.sandbox.buyers[0]!.userId;
        const before = balance(h, buyerId);
        const { order, tradeNo } = await paidOrder(h, 700, { buyerId });
        h.sandbox.ctx.faults.add({ appId, kind: 'hang', method: 'alipay.trade.refund', remaining: 1, applied });
        const r = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 700, reason: '超时' });
        answerAgrees(r);
        const done = await settled(h, r.body.id);
        assert.equal(done.status, 'succeeded');
        assert.deepEqual((await sandboxRefunds(h, tradeNo)).map((x) => [x.outRequestNo, x.amountFen]), [[r.body.out_request_no, 700]]);
        assert.equal(balance(h, buyerId), before);
        const o = (await h.api('GET', `/v1/orders/${order.id}`)).body;
        assert.equal(o.amount_refunded, 700);
        assert.equal(o.amount_refundable, 0);
        // Refunded already: the query shows it. Not refunded: the job sent it again, same request no.
        assert.equal((await orderEvents(h.server.ctx.pool, order.id)).some((e) => e.type === 'refund.retried'), !applied);
      });
    }

    test('a request that died after committing the refund, before calling Alipay: the job sends it', async () => {
      const { order, tradeNo } = await paidOrder(h, 300);
      const refund = await requestRefund(h.server.ctx, order.id, { amountFen: 120, reason: 'crash' });
      assert.equal(refund.status, 'pending');
      const done = await settled(h, refund.id);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.fund_change, 'Y');
      assert.deepEqual((await sandboxRefunds(h, tradeNo)).map((x) => [x.outRequestNo, x.amountFen]), [[refund.outRequestNo, 120]]);
      const processing = (await orderEvents(h.server.ctx.pool, order.id)).find((e) => e.type === 'refund.processing');
      assert.equal(processing?.data.by, 'job');
    });

    test('a refund that never resolves ends in a refund_unresolved alert and stays processing, its amount reserved', async () => {
      const { order, tradeNo } = await paidOrder(h, 400);
      const fault = h.sandbox.ctx.faults.add({ appId, kind: 'system-error', method: 'alipay.trade.refund', applied: false });
      try {
        const r = await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 400 });
        assert.equal(r.status, 202);
        const key = `refund:${r.body.id}`;
        // Let one run of the job go by, then skip ahead to its last allowed run.
        await until('the first unresolved run', async () => {
          const { rows } = await h.server.ctx.pool.query(`SELECT 1 FROM jobs WHERE unique_key = $1 AND payload ? 'tries' AND locked_by IS NULL`, [key]);
          return rows[0] ? true : undefined;
        });
        await until('the job to be fast-forwarded', async () => {
          const { rowCount } = await h.server.ctx.pool.query(
            `UPDATE jobs SET payload = jsonb_set(payload, '{tries}', to_jsonb($2::int)), run_at = $3 WHERE unique_key = $1 AND locked_by IS NULL AND done_at IS NULL RETURNING id`,
            [key, REFUND_CONFIRM_MAX_TRIES - 1, new Date()],
          );
          return rowCount === 1 ? true : undefined;
        });
        const alert = await until('the alert', async () => {
          const { rows } = await h.server.ctx.pool.query(`SELECT * FROM alerts WHERE refund_id = $1`, [r.body.id]);
          return rows[0];
        });
        assert.equal(alert.kind, 'refund_unresolved');
        assert.equal(alert.order_id, order.id);
        assert.equal(alert.detail.out_request_no, r.body.out_request_no);
        assert.equal(alert.detail.last_error.kind, 'unknown');
        const job = await until('the job to finish', async () => {
          const { rows } = await h.server.ctx.pool.query('SELECT done_at FROM jobs WHERE unique_key = $1', [key]);
          return rows[0]?.done_at ? rows[0] : undefined;
        });
        assert.ok(job.done_at);
        const shown = (await h.api('GET', `/v1/refunds/${r.body.id}`)).body;
        assert.equal(shown.status, 'processing');
        assert.equal((await h.api('GET', `/v1/orders/${order.id}`)).body.amount_refundable, 0);
        assert.ok((await orderEvents(h.server.ctx.pool, order.id)).some((e) => e.type === 'refund.unresolved'));
        assert.deepEqual(await sandboxRefunds(h, tradeNo), []);
        // The reservation holds: nothing more can be refunded while it is unresolved.
        assert.equal((await h.api('POST', `/v1/orders/${order.id}/refunds`, { amount: 1 })).status, 409);
      } finally {
        h.sandbox.ctx.faults.remove(fault.id);
      }
    });
  });
}
