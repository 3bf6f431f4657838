/**
 * The in-app checkout's OAuth step over HTTP, on both backends: an Alipay user agent is sent to
 * auth_base with a random state bound to an HttpOnly SameSite cookie of the order's checkout
 * path; the return with that state and cookie creates the JSAPI trade for the sandbox buyer
 * (alipay.trade.create with buyer_id); a replayed, forged or cookieless return is a 400 page and
 * creates nothing; an app whose configured callback is another host gets no auth_code at all.
 * (The tradePay step in a real browser is checkout-chromium.test.ts.)
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loginCookie } from '../../src/sandbox/pages/session.js';
import { chooseVia } from '../../src/server/checkout/via.js';
import { startHarness, type Harness } from './harness.js';
import { createOrder, orderOf } from './notify-support.js';

const ALIPAY_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ChannelId(1) Nebula AlipayDefined(nt:WIFI,ws:390|844|3.0) AliApp(AP/10.5.0.6000) AlipayClient/10.5.0.6000 Language/zh-Hans';

test('the documented rule: which buyer gets which way to pay', () => {
  assert.equal(chooseVia(ALIPAY_UA, undefined), 'alipay');
  assert.equal(chooseVia('Mozilla/5.0 (Linux; U; Android 12; zh-CN) AlipayClient/10.5.0', undefined), 'alipay');
  assert.equal(chooseVia('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1', undefined), 'wap');
  assert.equal(chooseVia('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36', undefined), 'wap');
  assert.equal(chooseVia('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36', undefined), 'desktop');
  assert.equal(chooseVia(undefined, undefined), 'desktop');
  for (const v of ['wap', 'page', 'qr', 'alipay'] as const) assert.equal(chooseVia(ALIPAY_UA, v), v);
  assert.equal(chooseVia(ALIPAY_UA, 'bogus'), 'alipay');
});

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`in-app checkout OAuth on ${backend}`, { concurrency: 1 }, async () => {
    const h: Harness = await startHarness({ backend });
    after(() => h.close());
    const buyer = h.sandbox.buyers[0]!;
    const buyerCookie = loginCookie(h.sandbox.ctx, buyer.userId).split(';')[0]!;
    const jsapiTrades = () => h.sandbox.ctx.ledger.trades(h.sandbox.appId).filter((t) => t.method === 'alipay.trade.create');

    /** Opens the checkout as the Alipay app and follows the silent auth_base: the return URL and the state cookie. */
    async function toOAuthReturn(orderId: string): Promise<{ back: string; cookie: string }> {
      const co = await fetch(`${h.server.url}/checkout/${orderId}`, { headers: { 'user-agent': ALIPAY_UA }, redirect: 'manual' });
      assert.equal(co.status, 302, await co.text());
      const setCookie = co.headers.get('set-cookie')!;
      assert.match(setCookie, new RegExp(`^zfb_oauth=[\\w-]{43}; Path=/checkout/${orderId}/; Max-Age=600; HttpOnly; SameSite=Lax$`));
      const authorize = new URL(co.headers.get('location')!);
      assert.equal(authorize.origin + authorize.pathname, h.sandbox.oauthAuthorizeUrl);
      assert.equal(authorize.searchParams.get('scope'), 'auth_base');
      assert.equal(authorize.searchParams.get('redirect_uri'), `${h.server.url}/checkout/${orderId}/oauth`);
      const state = authorize.searchParams.get('state')!;
      assert.equal(setCookie.split(';')[0], `zfb_oauth=${state}`);
      const silent = await fetch(authorize, { headers: { cookie: buyerCookie }, redirect: 'manual' });
      assert.equal(silent.status, 302, 'auth_base is silent for a logged-in buyer');
      const back = silent.headers.get('location')!;
      assert.equal(new URL(back).searchParams.get('state'), state);
      return { back, cookie: `zfb_oauth=${state}` };
    }

    test('state and cookie match: the JSAPI trade is created for the buyer, once; a replay is a 400 page', async () => {
      const o = await createOrder(h, { amount: 321 });
      const before = jsapiTrades().length;
      const { back, cookie } = await toOAuthReturn(o.id);
      const ok = await fetch(back, { headers: { cookie }, redirect: 'manual' });
      assert.equal(ok.status, 303, await ok.text());
      assert.match(ok.headers.get('set-cookie')!, /^zfb_oauth=; .*Max-Age=0/);
      const page = new URL(ok.headers.get('location')!, h.server.url);
      assert.equal(page.pathname, `/checkout/${o.id}`);
      const attemptId = page.searchParams.get('a')!;
      const shown = await orderOf(h, o.id);
      assert.deepEqual(shown.attempts.map((a: { id: string; method: string; buyer_user_id: string }) => [a.id, a.method, a.buyer_user_id]), [[attemptId, 'jsapi', buyer.userId]]);
      const trades = jsapiTrades();
      assert.equal(trades.length, before + 1);
      const t = trades.find((x) => x.outTradeNo === shown.attempts[0].out_trade_no)!;
      assert.equal(t.tradeNo, shown.attempts[0].trade_no);
      assert.equal(t.status, 'WAIT_BUYER_PAY');
      // The page for that attempt carries the trade for tradePay.
      const html = await (await fetch(page, { headers: { 'user-agent': ALIPAY_UA } })).text();
      assert.ok(html.includes(t.tradeNo), 'the page hands tradeNO to tradePay');

      const replay = await fetch(back, { headers: { cookie }, redirect: 'manual' });
      assert.equal(replay.status, 400);
      assert.match(replay.headers.get('content-type')!, /^text\/html/);
      assert.equal(jsapiTrades().length, before + 1, 'nothing created for a replay');
    });

    test('a forged state, or no cookie: a 400 page and no trade', async () => {
      const o = await createOrder(h, { amount: 322 });
      const before = jsapiTrades().length;
      const { back, cookie } = await toOAuthReturn(o.id);
      const forged = new URL(back);
      forged.searchParams.set('state', 'A'.repeat(43));
      assert.equal((await fetch(forged, { headers: { cookie }, redirect: 'manual' })).status, 400, 'state not the cookie’s');
      assert.equal((await fetch(forged, { headers: { cookie: 'zfb_oauth=' + 'A'.repeat(43) }, redirect: 'manual' })).status, 400, 'a state we never issued, even with a matching cookie');
      const { back: back2 } = await toOAuthReturn(o.id);
      assert.equal((await fetch(back2, { redirect: 'manual' })).status, 400, 'no cookie');
      // Another order's state does not open this one.
      const other = await createOrder(h, { amount: 323 });
      const { back: back3, cookie: cookie3 } = await toOAuthReturn(other.id);
      const crossed = back3.replace(`/checkout/${other.id}/`, `/checkout/${o.id}/`);
      assert.equal((await fetch(crossed, { headers: { cookie: cookie3 }, redirect: 'manual' })).status, 400, 'bound to its order');
      assert.equal(jsapiTrades().length, before);
      assert.equal((await orderOf(h, o.id)).attempts.length, 0);
    });

    test('an app whose callback is configured elsewhere: the OAuth page refuses this redirect_uri, no code, no trade', async () => {
      const app = h.sandbox.ctx.ledger.app(h.sandbox.appId)!;
      h.sandbox.ctx.ledger.putApp({ ...app, redirectUris: ['https://shop.example.com/oauth'] });
      try {
        const o = await createOrder(h, { amount: 324 });
        const before = jsapiTrades().length;
        const co = await fetch(`${h.server.url}/checkout/${o.id}`, { headers: { 'user-agent': ALIPAY_UA }, redirect: 'manual' });
        const refused = await fetch(co.headers.get('location')!, { headers: { cookie: buyerCookie }, redirect: 'manual' });
        assert.equal(refused.status, 400);
        assert.match(await refused.text(), /redirect_uri/);
        assert.equal(jsapiTrades().length, before);
      } finally {
        h.sandbox.ctx.ledger.putApp(app);
      }
    });
  });
}
