/**
 * The phone-browser checkout without a browser: GET /checkout/{id} (the page with the wap button),
 * GET /checkout/{id}/wap and GET /return/alipay on both backends, through the sandbox's gateway and
 * cashier over HTTP: the order moves to paying before the buyer reaches Alipay, is paid exactly
 * once whichever of the return (by query) or the real notify comes first, and the return
 * parameters alone never change anything. (checkout-chromium.test.ts runs every way in Chromium.)
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { createOrder, eventsOf, expire, notifiesOf, openCashier, orderOf, payAtCashier, waitFor } from './notify-support.js';

const PHONE = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1' };
/** The state the page was rendered in (its contract: data-checkout-state). */
const stateOf = (html: string) => /id="co" data-checkout-state="([a-z]+)"/.exec(html)?.[1];

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`checkout and return on ${backend}`, async () => {
    // The sweeper stays out of the way here (its own suite tests it).
    const h: Harness = await startHarness({ backend, config: { sweepIntervalMs: 3_600_000 } });
    after(() => h.close());

    test('wap pay through the sandbox cashier: paying → paid once; the notify is recorded applied or duplicate', async () => {
      const o = await createOrder(h, { amount: 1234, subject: '手机网站 wap & <test>' });
      const page = await fetch(`${h.server.url}/checkout/${o.id}`, { headers: PHONE, redirect: 'manual' });
      assert.equal(page.status, 200);
      const pageHtml = await page.text();
      assert.equal(stateOf(pageHtml), 'waiting');
      assert.ok(pageHtml.includes(`data-action="wap" href="/checkout/${o.id}/wap"`), 'the wap button');
      assert.ok(pageHtml.includes('手机网站 wap &amp; &lt;test&gt;'), 'escaped subject');
      assert.ok(pageHtml.includes('12.34'), 'the amount');
      assert.deepEqual(await eventsOf(h, o.id), ['order.created'], 'nothing is started before the buyer taps');
      const co = await fetch(`${h.server.url}/checkout/${o.id}/wap`, { headers: PHONE, redirect: 'manual' });
      assert.equal(co.status, 302);
      const gateway = new URL(co.headers.get('location')!);
      assert.equal(gateway.searchParams.get('method'), 'alipay.trade.wap.pay');
      assert.equal(gateway.searchParams.get('return_url'), `${h.server.url}/return/alipay`);
      assert.equal(gateway.searchParams.get('notify_url'), `${h.server.url}/notify/alipay`);
      const biz = JSON.parse(gateway.searchParams.get('biz_content')!);
      assert.equal(biz.out_trade_no, o.out_trade_no);
      assert.equal(biz.total_amount, '12.34');
      assert.equal(biz.product_code, 'QUICK_WAP_WAY');
      assert.match(biz.time_expire, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      const paying = await orderOf(h, o.id);
      assert.equal(paying.status, 'paying');
      assert.equal(paying.channel, 'wap');
      assert.deepEqual(await eventsOf(h, o.id), ['order.created', 'checkout.wap']);

      // A second visit (the buyer went back) gets a link to the same trade; no new event.
      const again = await fetch(`${h.server.url}/checkout/${o.id}/wap`, { headers: PHONE, redirect: 'manual' });
      assert.equal(again.status, 302);
      assert.equal(JSON.parse(new URL(again.headers.get('location')!).searchParams.get('biz_content')!).out_trade_no, o.out_trade_no);
      assert.deepEqual(await eventsOf(h, o.id), ['order.created', 'checkout.wap']);

      const cashier = await openCashier(h, o.id);
      const back = await payAtCashier(h, cashier);
      assert.ok(back.startsWith(`${h.server.url}/return/alipay?`), back);
      const ret = await fetch(back, { redirect: 'manual' });
      assert.equal(ret.status, 302, 'no merchant return_url: back to the checkout page');
      assert.equal(ret.headers.get('location'), `/checkout/${o.id}`);
      const paid = await orderOf(h, o.id);
      assert.equal(paid.status, 'paid');
      const trade = h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, o.out_trade_no)!;
      assert.equal(paid.trade_no, trade.tradeNo);
      assert.equal(paid.buyer_user_id, h.sandbox.buyers[0]!.userId);

      const rows = await waitFor('the notify', async () => {
        const r = await notifiesOf(h, o.out_trade_no);
        return r.length > 0 && r.every((x) => x.outcome) ? r : undefined;
      });
      assert.ok(['applied', 'duplicate'].includes(rows[0]!.outcome), rows[0]!.outcome);
      const paidEvents = (await eventsOf(h, o.id)).filter((e) => e === 'notify.paid' || e === 'return.query_paid');
      assert.equal(paidEvents.length, 1, paidEvents.join());
      assert.equal(rows[0]!.outcome === 'applied', paidEvents[0] === 'notify.paid');
      // The sandbox saw `success`: the notify is settled, not retried.
      await waitFor('the sandbox to record the answer', async () => h.sandbox.ctx.notifier!.tasks({ tradeNo: trade.tradeNo }).every((t) => t.state === 'delivered'));

      const shown = await fetch(`${h.server.url}/checkout/${o.id}`, { headers: PHONE, redirect: 'manual' });
      assert.equal(shown.status, 200);
      const shownHtml = await shown.text();
      assert.equal(stateOf(shownHtml), 'paid');
      assert.match(shownHtml, /支付成功/);
      assert.doesNotMatch(shownHtml, /\sdata-action="/, 'nothing left to pay');
    });

    test('with a merchant return_url: back to it with order_id and status; a dropped notify is made up by the query', async () => {
      h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-drop', remaining: 1 });
      const o = await createOrder(h, { amount: 250, return_url: 'https://shop.example.com/done?cart=7' });
      const back = await payAtCashier(h, await openCashier(h, o.id));
      const ret = await fetch(back, { redirect: 'manual' });
      assert.equal(ret.status, 302);
      const to = new URL(ret.headers.get('location')!);
      assert.equal(to.origin + to.pathname, 'https://shop.example.com/done');
      assert.equal(to.searchParams.get('cart'), '7');
      assert.equal(to.searchParams.get('order_id'), o.id);
      assert.equal(to.searchParams.get('status'), 'paid');
      assert.deepEqual(await eventsOf(h, o.id), ['order.created', 'checkout.wap', 'return.query_paid']);
      const page = await fetch(`${h.server.url}/checkout/${o.id}`, { headers: PHONE });
      assert.match(await page.text(), new RegExp(`href="https://shop.example.com/done\\?cart=7&amp;order_id=${o.id}&amp;status=paid"`));
    });

    test('the return alone never pays: a signed return for an unpaid trade leaves the order paying', async () => {
      const o = await createOrder(h, { amount: 300 });
      const cashier = await openCashier(h, o.id);
      const trade = h.sandbox.ctx.ledger.tradeByOutTradeNo(h.sandbox.appId, o.out_trade_no)!;
      assert.equal(trade.status, 'WAIT_BUYER_PAY');
      // Build the return the sandbox would send, for a trade nobody paid.
      const { returnParams } = await import('../../src/sandbox/pages/return-url.js');
      const params = returnParams(h.sandbox.ctx, h.sandbox.ctx.ledger.app(h.sandbox.appId)!, trade, 'alipay.trade.wap.pay');
      const ret = await fetch(`${h.server.url}/return/alipay?${new URLSearchParams(params)}`, { redirect: 'manual' });
      assert.equal(ret.status, 302);
      assert.equal(ret.headers.get('location'), `/checkout/${o.id}`);
      const shown = await fetch(`${h.server.url}${ret.headers.get('location')}`, { headers: PHONE });
      assert.equal(stateOf(await shown.text()), 'waiting', 'the page still offers to pay');
      assert.equal((await orderOf(h, o.id)).status, 'paying');
      void cashier;
    });

    test('the browser helper is served as an ES module at /zfb/tradepay.js', async () => {
      const r = await fetch(`${h.server.url}/zfb/tradepay.js`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /^application\/javascript/);
      const js = await r.text();
      assert.match(js, /export function outcomeOf/);
      assert.match(js, /export async function tradePay/);
      assert.doesNotMatch(js, /\binterface\s+\w+\s*\{/, 'compiled, not TypeScript');
    });

    test('bad return links are a 400 page; unknown, closed and expired orders have their pages', async () => {
      for (const q of ['', '?a=1', '?out_trade_no=X&sign=abc&sign_type=RSA2&app_id=1&trade_no=1&total_amount=1.00', '?%%%']) {
        const r = await fetch(`${h.server.url}/return/alipay${q}`, { redirect: 'manual' });
        assert.equal(r.status, 400, q);
        assert.match(r.headers.get('content-type')!, /^text\/html/);
        assert.match(await r.text(), /链接无效/);
      }
      for (const id of ['ord_000000000000000000000000', 'nonsense', '%3Cscript%3E']) {
        const r = await fetch(`${h.server.url}/checkout/${id}`);
        assert.equal(r.status, 404, id);
        assert.match(await r.text(), /订单不存在/);
      }
      const en = await fetch(`${h.server.url}/checkout/ord_000000000000000000000000`, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
      assert.match(await en.text(), /Order not found/);
      const c = await createOrder(h);
      await h.api('POST', `/v1/orders/${c.id}/close`);
      const closed = await fetch(`${h.server.url}/checkout/${c.id}`, { headers: PHONE, redirect: 'manual' });
      assert.equal(closed.status, 200);
      const closedHtml = await closed.text();
      assert.equal(stateOf(closedHtml), 'closed');
      assert.match(closedHtml, /订单已关闭/);
      assert.doesNotMatch(closedHtml, /\sdata-action="/);
      const lateWap = await fetch(`${h.server.url}/checkout/${c.id}/wap`, { redirect: 'manual' });
      assert.equal(lateWap.status, 303, 'no cashier for a closed order');
      assert.equal(lateWap.headers.get('location'), `/checkout/${c.id}`);

      const e = await createOrder(h);
      await expire(h, e.id, 5_000);
      const expired = await fetch(`${h.server.url}/checkout/${e.id}`, { headers: PHONE, redirect: 'manual' });
      assert.equal(expired.status, 200);
      const expiredHtml = await expired.text();
      assert.equal(stateOf(expiredHtml), 'expired');
      assert.match(expiredHtml, /订单已过期/);
      assert.equal((await orderOf(h, e.id)).status, 'created', 'not offered after its expiry');
    });
  });
}
