/**
 * The JS bridge in a real browser. Headless Chromium (test/support/chromium.ts) opens a merchant
 * H5 page served here on its own origin, which loads `<sandbox>/jsbridge.js` as a page written
 * for the Alipay app does, waits for AlipayJSBridge, and calls tradePay or getAuthCode when its
 * button is clicked. The buyer logs in and pays (or cancels) by clicking through the sandbox's
 * real cashier in the bridge's overlay iframe; the page shows what its callback got, and the
 * sandbox ledger says what really happened.
 *
 * pages-bridge.test.ts covers the same script in a fake DOM, with every knob and error path; this
 * file proves what a fake DOM cannot: a cross-origin iframe, real form posts, the cookie, and
 * postMessage with the bridge's origin check, in the browser a merchant will use; and that the
 * browser itself keeps a result page's message from a parent of another origin than `origin=`.
 *
 * Skipped when Chromium is absent (apt-get install chromium), except in CI, where it must run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { createSandbox } from '../../src/sandbox/index.js';
import { loginCookie } from '../../src/sandbox/pages/session.js';
import { chromiumSkip, launchChromium } from '../support/chromium.js';

const skip = chromiumSkip();
let browser: Browser | undefined;
// One browser for the file, a fresh context per test. In a hook: see test/support/chromium.ts.
before(async () => {
  if (!skip) browser = await launchChromium();
});
after(() => browser?.close());

const sandbox = await createSandbox();
after(() => sandbox.close());
const official = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const buyer = sandbox.buyers[0]!;
const ledger = sandbox.ctx.ledger;

/** Generous: a slow CI machine, and the result pages wait ~1 s before posting back. */
const WAIT_MS = 20_000;
const options = { skip, timeout: 90_000 };

// ── the merchant ────────────────────────────────────────────────────────────

/**
 * The merchant's H5 page: it includes the sandbox's bridge script and, like a page written for
 * the Alipay app, uses AlipayJSBridge if it is already there or waits for AlipayJSBridgeReady.
 * The buttons stay disabled until then; the callback's argument is shown in #result.
 */
function merchantPage(scriptSrc: string, tradeNo: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Merchant shop</title>
<script src="${scriptSrc}"></script></head><body>
<h1>Merchant shop</h1>
<button id="pay" disabled>Pay with Alipay</button>
<button id="auth" disabled>Log in with Alipay</button>
<output id="result"></output>
<script>
  var TRADE_NO = ${JSON.stringify(tradeNo).replace(/</g, '\\u003c')};
  function show(r) {
    var out = document.getElementById('result');
    out.textContent = JSON.stringify(r);
    out.setAttribute('data-done', '1');
  }
  function start(via) {
    document.body.setAttribute('data-bridge-via', via);
    var pay = document.getElementById('pay'), auth = document.getElementById('auth');
    pay.addEventListener('click', function () { AlipayJSBridge.call('tradePay', { tradeNO: TRADE_NO }, show); });
    auth.addEventListener('click', function () { AlipayJSBridge.call('getAuthCode', { scopeNicks: ['auth_base'] }, show); });
    pay.disabled = false;
    auth.disabled = false;
  }
  if (window.AlipayJSBridge) start('global');
  else document.addEventListener('AlipayJSBridgeReady', function () { start('event'); }, false);
</script></body></html>`;
}

/** The merchant's web server: another origin than the sandbox (another port), as in production. */
const shop = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/shop') {
    res.writeHead(404).end();
    return;
  }
  // `report` and `app_id` go onto the script src: the page-wide knobs of jsbridge.ts.
  const knobs = new URLSearchParams();
  for (const k of ['report', 'app_id']) if (url.searchParams.get(k)) knobs.set(k, url.searchParams.get(k)!);
  const scriptSrc = `${sandbox.baseUrl}/jsbridge.js${knobs.size ? `?${knobs}` : ''}`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(merchantPage(scriptSrc, url.searchParams.get('trade_no') ?? ''));
});
await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
after(() => new Promise<void>((resolve) => shop.close(() => resolve())));
assert.notEqual(new URL(shopUrl).origin, new URL(sandbox.baseUrl).origin);

/**
 * A page of a third origin that frames sandbox pages itself, without the bridge: `#lying` with
 * the URL in `src`, `#honest` when the test sets it. It records every message it receives, and
 * from which frame, in `window.received`.
 */
const framer = createServer((req, res) => {
  const src = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('src') ?? 'about:blank';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><head><meta charset="utf-8"><title>Framer</title></head><body>
<script>
  window.received = [];
  window.addEventListener('message', function (e) {
    window.received.push({ from: e.source === document.getElementById('lying').contentWindow ? 'lying' : 'honest', data: e.data });
  });
</script>
<iframe id="lying" src="${src.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"></iframe>
<iframe id="honest"></iframe>
</body></html>`);
});
await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
const framerUrl = `http://127.0.0.1:${(framer.address() as AddressInfo).port}`;
after(() => new Promise<void>((resolve) => framer.close(() => resolve())));

async function jsapiTrade(outTradeNo: string, amount: string): Promise<string> {
  const res = await official.exec('alipay.trade.create', { bizContent: { out_trade_no: outTradeNo, total_amount: amount, subject: 'JSAPI 订单', buyer_id: buyer.userId } }, { validateSign: true });
  assert.equal(res.code, '10000', JSON.stringify(res));
  return res.trade_no as string;
}

// ── the browser ─────────────────────────────────────────────────────────────

/** Opens the merchant page in a fresh browser context (no cookies), runs `body`, closes it. */
async function inShop(query: Record<string, string>, body: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser!.newContext();
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  try {
    await page.goto(`${shopUrl}/shop?${new URLSearchParams(query)}`);
    await body(page);
    assert.deepEqual(errors, [], 'no script errors on the merchant page or in the overlay');
  } finally {
    await context.close();
  }
}

/** The sandbox page inside the bridge's overlay. */
const overlayFrame = (page: Page, type: 'tradePay' | 'getAuthCode'): FrameLocator => page.locator(`[data-zfb-bridge="${type}"] iframe`).contentFrame();

/** What the merchant page's callback received (it waits for the callback). */
async function callbackResult(page: Page): Promise<Record<string, unknown>> {
  const out = page.locator('#result[data-done]');
  await out.waitFor({ state: 'attached', timeout: WAIT_MS });
  return JSON.parse((await out.textContent()) ?? '') as Record<string, unknown>;
}

/** The buyer types the account and password into the sandbox page's login form. */
async function logIn(frame: FrameLocator): Promise<void> {
  await frame.locator('#logon_id').fill(buyer.logonId);
  await frame.locator('#password').fill(buyer.password);
}

const balance = () => ledger.buyer(buyer.userId)!.balanceFen;

// ── tests ───────────────────────────────────────────────────────────────────

test('tradePay: the cashier opens in the overlay, the buyer logs in and pays, the callback gets 9000 and the ledger is paid', options, async () => {
  const tradeNo = await jsapiTrade('CR-PAY', '9.90');
  await inShop({ trade_no: tradeNo }, async (page) => {
    await page.locator('#pay').click(); // waits until the bridge is ready and the button enabled
    // Like the Alipay container, the bridge arrives after DOMContentLoaded, so the page's own
    // script, which ran before, had to wait for the event.
    assert.equal(await page.locator('body').getAttribute('data-bridge-via'), 'event');
    const origin = encodeURIComponent(shopUrl);
    assert.equal(await page.locator('[data-zfb-bridge="tradePay"] iframe').getAttribute('src'), `${sandbox.baseUrl}/cashier/${tradeNo}?bridge=1&origin=${origin}`);

    const cashier = overlayFrame(page, 'tradePay');
    assert.equal((await cashier.locator('.amount').textContent())?.trim(), '¥9.90', 'the cashier shows this trade');
    const before = balance();
    await logIn(cashier);
    await cashier.getByRole('button', { name: /确认付款/ }).click();

    const r = await callbackResult(page);
    assert.equal(r.resultCode, '9000');
    const sync = JSON.parse(String(r.result)) as { alipay_trade_app_pay_response: Record<string, string> };
    assert.equal(sync.alipay_trade_app_pay_response.trade_no, tradeNo, 'the signed result is for this trade');
    assert.equal(await page.locator('[data-zfb-bridge]').count(), 0, 'the overlay is gone');

    const trade = ledger.trade(tradeNo)!;
    assert.equal(trade.status, 'TRADE_SUCCESS');
    assert.equal(trade.buyerUserId, buyer.userId);
    assert.equal(balance(), before - 990, "the buyer's balance went down by ¥9.90");
  });
});

test('tradePay: the buyer cancels in the cashier, the callback gets 6001 and the trade still waits', options, async () => {
  const tradeNo = await jsapiTrade('CR-CANCEL', '5.00');
  await inShop({ trade_no: tradeNo }, async (page) => {
    await page.locator('#pay').click();
    const before = balance();
    await overlayFrame(page, 'tradePay').getByRole('link', { name: /取消/ }).click();

    const r = await callbackResult(page);
    assert.equal(r.resultCode, '6001');
    assert.equal(r.result, '');
    assert.equal(await page.locator('[data-zfb-bridge]').count(), 0, 'the overlay is gone');
    assert.equal(ledger.trade(tradeNo)!.status, 'WAIT_BUYER_PAY');
    assert.equal(balance(), before);
  });
});

test('the lying knob: with ?report=9000 on the script a cancel calls back 9000, and only the server knows it is unpaid', options, async () => {
  const tradeNo = await jsapiTrade('CR-LIE', '3.00');
  await inShop({ trade_no: tradeNo, report: '9000' }, async (page) => {
    await page.locator('#pay').click();
    const before = balance();
    await overlayFrame(page, 'tradePay').getByRole('link', { name: /取消/ }).click();

    const r = await callbackResult(page);
    assert.equal(r.resultCode, '9000', 'the page is told it was paid');
    assert.equal(r.result, '', 'with nothing signed to back it up');
    assert.equal(ledger.trade(tradeNo)!.status, 'WAIT_BUYER_PAY');
    assert.equal(balance(), before);
    // What the merchant's server must do instead of trusting the callback:
    const query = await official.exec('alipay.trade.query', { bizContent: { trade_no: tradeNo } }, { validateSign: true });
    assert.equal(query.trade_status, 'WAIT_BUYER_PAY');
  });
});

test('getAuthCode (auth_base): the buyer logs in on the OAuth page in the overlay, and the auth code exchanges for the buyer', options, async () => {
  await inShop({}, async (page) => {
    await page.locator('#auth').click();
    const oauth = overlayFrame(page, 'getAuthCode');
    await logIn(oauth);
    await oauth.getByRole('button', { name: /登录并授权/ }).click();

    const r = await callbackResult(page);
    assert.deepEqual(r.authSuccessScopes, ['auth_base']);
    assert.equal(typeof r.authCode, 'string');
    const token = await official.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code: r.authCode }, { validateSign: true });
    assert.equal(token.user_id, buyer.userId);
  });
});

test("getAuthCode from a page whose host is not among the app's redirectUris calls back error 4 at once; on a matching host the code comes", options, async () => {
  const base = ledger.app(sandbox.appId)!;
  ledger.putApp({ ...base, appId: '9021000100000092', name: 'strict shop', redirectUris: ['https://shop.example/oauth/callback'] });
  await inShop({ app_id: '9021000100000092' }, async (page) => {
    await page.locator('#auth').click();
    const r = await callbackResult(page);
    assert.equal(r.error, 4);
    assert.match(String(r.errorMessage), /shop\.example/);
    assert.equal(r.authCode, undefined);
    assert.equal(await page.locator('[data-zfb-bridge]').count(), 0, 'the overlay is gone');
  });

  // The shop's own host (and port) configured: the buyer logs in and the code comes.
  ledger.putApp({ ...base, appId: '9021000100000093', name: 'right shop', redirectUris: [`${shopUrl}/oauth/callback`] });
  await inShop({ app_id: '9021000100000093' }, async (page) => {
    await page.locator('#auth').click();
    const oauth = overlayFrame(page, 'getAuthCode');
    await logIn(oauth);
    await oauth.getByRole('button', { name: /登录并授权/ }).click();
    const r = await callbackResult(page);
    assert.equal(typeof r.authCode, 'string');
  });
});

test("a result page's message never reaches a parent of another origin than origin=, even with the buyer logged in", options, async () => {
  const context = await browser!.newContext();
  context.setDefaultTimeout(WAIT_MS);
  try {
    // The buyer logged in to the sandbox earlier: auth_base is silent, no click needed.
    const [name, value] = loginCookie(sandbox.ctx, buyer.userId).split(';')[0]!.split('=') as [string, string];
    await context.addCookies([{ name, value, url: sandbox.baseUrl }]);
    const authorize = (origin: string) => `${sandbox.baseUrl}/oauth2/publicAppAuthorize.htm?${new URLSearchParams({ bridge: '1', app_id: sandbox.appId, scope: 'auth_base', origin })}`;
    const page = await context.newPage();
    // The framer claims to be the shop.
    await page.goto(`${framerUrl}/?${new URLSearchParams({ src: authorize(shopUrl) })}`);
    const lying = page.frameLocator('#lying');
    await lying.locator('#zfb-done').click(); // the result page is there: it posts now, and on its own
    // (Strings, not functions: the tests are compiled without the DOM's types.)
    await assert.rejects(page.waitForFunction('window.received.length > 0', undefined, { timeout: 2_000 }), 'nothing arrives');

    // Control: the same page, honest about its origin, does get the message (the default app has
    // no redirectUris, so any origin may ask).
    await page.evaluate(`document.getElementById('honest').src = ${JSON.stringify(authorize(framerUrl))}`);
    await page.waitForFunction('window.received.length > 0', undefined, { timeout: WAIT_MS });
    const received = (await page.evaluate('window.received')) as { from: string; data: { type: string; payload: Record<string, unknown> } }[];
    assert.deepEqual(
      received.map((m) => m.from),
      received.map(() => 'honest'),
      'only the honest frame was heard',
    );
    assert.equal(received[0]!.data.type, 'getAuthCode');
    assert.equal(typeof received[0]!.data.payload.authCode, 'string');
  } finally {
    await context.close();
  }
});
