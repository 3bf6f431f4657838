/**
 * Real notifies from the sandbox, over HTTP to the server's notify_url, with the sandbox's notify
 * faults: duplicated and reordered deliveries change nothing beyond the one transition they
 * carry (payments-reliability.md §4.1, rows "Notify duplicated" and "Notifies out of order").
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { alertsOf, offeredOrder, eventsOf, notifiesOf, openCashier, orderOf, payAtCashier, waitFor } from './notify-support.js';

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`sandbox notifies with faults on ${backend}`, async () => {
    const h: Harness = await startHarness({ backend, config: { sweepIntervalMs: 3_600_000 } });
    after(() => h.close());
    const settled = (tradeNo: string) => waitFor(`the sandbox's notifies for ${tradeNo} to settle`, async () => {
      const tasks = h.sandbox.ctx.notifier!.tasks({ tradeNo });
      return tasks.length > 0 && tasks.every((t) => t.state !== 'pending') ? tasks : undefined;
    });
    const processed = (outTradeNo: string, n: number) => waitFor(`${n} notifies for ${outTradeNo}`, async () => {
      const rows = await notifiesOf(h, outTradeNo);
      return rows.length >= n && rows.every((r) => r.outcome) ? rows : undefined;
    });

    test('notify-duplicate: every send twice; one transition, both answered success', async () => {
      h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-duplicate', remaining: 1 });
      const o = await offeredOrder(h, { amount: 777 });
      await payAtCashier(h, await openCashier(h, o.id)); // the browser never comes back: only the notify tells us
      const rows = await processed(o.out_trade_no, 2);
      assert.deepEqual(rows.map((r) => r.outcome), ['applied', 'duplicate']);
      assert.equal(rows[0]!.notify_id, rows[1]!.notify_id);
      assert.deepEqual(Buffer.from(rows[0]!.raw_body).length > 0, true);
      const order = await orderOf(h, o.id);
      assert.equal(order.status, 'paid');
      assert.deepEqual(await eventsOf(h, o.id), ['order.created', 'checkout.wap', 'notify.paid']);
      const trade = h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, o.out_trade_no)!;
      const tasks = await settled(trade.tradeNo);
      assert.ok(tasks.every((t) => t.state === 'delivered' && t.attempts.every((a) => a.ok)));
    });

    test('notify-reorder: the payment notify arrives after a later one (another order, then a refund); states stay monotonic', async () => {
      // A's payment notify is held back until a later notify of the app settles: B's.
      h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-reorder', remaining: 1 });
      const a = await offeredOrder(h, { amount: 501 });
      await payAtCashier(h, await openCashier(h, a.id));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await notifiesOf(h, a.out_trade_no)).length, 0, 'held back');
      assert.equal((await orderOf(h, a.id)).status, 'paying');
      const b = await offeredOrder(h, { amount: 502 });
      await payAtCashier(h, await openCashier(h, b.id));
      await processed(a.out_trade_no, 1);
      const [bRow] = await notifiesOf(h, b.out_trade_no);
      const [aRow] = await notifiesOf(h, a.out_trade_no);
      assert.ok(Number(bRow!.id) < Number(aRow!.id), 'B arrived first');
      assert.equal(aRow!.outcome, 'applied');
      assert.equal((await orderOf(h, a.id)).status, 'paid');
      assert.equal((await orderOf(h, b.id)).status, 'paid');

      // C is paid here (the browser came back, the query recorded it); its payment notify is held
      // until the refund notify (made on the sandbox, as the refunds part would) has settled.
      h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-reorder', remaining: 1 });
      const c = await offeredOrder(h, { amount: 1000 });
      const back = await payAtCashier(h, await openCashier(h, c.id));
      const ret = await fetch(back, { redirect: 'manual' });
      assert.equal(ret.status, 302, 'back to the checkout page, which shows the order as it now is');
      assert.equal(ret.headers.get('location'), `/checkout/${c.id}`);
      assert.equal((await orderOf(h, c.id)).status, 'paid');
      const trade = h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, c.out_trade_no)!;
      h.sandbox.ctx.ledger.refund(trade.tradeNo, { outRequestNo: 'R1', amountFen: 300 });
      const rows = await processed(c.out_trade_no, 2);
      assert.equal(rows[0]!.trade_status, 'TRADE_SUCCESS');
      assert.match(Buffer.from(rows[0]!.raw_body).toString(), /refund_fee=3.00/, 'the refund notify came first');
      assert.deepEqual(rows.map((r) => r.outcome), ['ignored', 'duplicate']);
      const order = await orderOf(h, c.id);
      assert.equal(order.status, 'paid');
      assert.deepEqual(await eventsOf(h, c.id), ['order.created', 'checkout.wap', 'return.query_paid']);
    });

    test('a refund zfb never made shows up first: the payment is recorded once and a person is alerted', async () => {
      h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-reorder', remaining: 1 });
      const o = await offeredOrder(h, { amount: 900 });
      await payAtCashier(h, await openCashier(h, o.id));
      const trade = h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, o.out_trade_no)!;
      h.sandbox.ctx.ledger.refund(trade.tradeNo, { outRequestNo: 'OOB1', amountFen: 100 });
      const rows = await processed(o.out_trade_no, 2);
      assert.deepEqual(rows.map((r) => r.outcome), ['applied', 'duplicate']);
      assert.equal((await orderOf(h, o.id)).status, 'paid');
      assert.deepEqual((await eventsOf(h, o.id)).filter((e) => e.endsWith('paid')), ['notify.paid']);
      assert.ok((await alertsOf(h, 'refund_not_in_zfb')).some((a) => a.order_id === o.id));
    });
  });
}
