/**
 * The JS bridge: `/jsbridge.js` is served as JavaScript and, run against a minimal fake DOM,
 * defines AlipayJSBridge after DOMContentLoaded and fires AlipayJSBridgeReady; tradePay and
 * getAuthCode open the sandbox pages in bridge mode, and the messages those pages post back (read
 * here from the HTML the server renders) reach the callback with Alipay's result codes. The
 * knobs make the reported code disagree with the truth. The overlay pages post only to the
 * merchant page's origin, which the script passes as `origin=`; getAuthCode holds that origin to
 * the app's redirectUris. The same script in real Chromium, with the buyer clicking through the
 * cashier in the overlay iframe: jsbridge-chromium.test.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { setBridgeReport } from '../../src/sandbox/pages/index.js';
import { verifyText } from '../../src/alipay/sign/rsa.js';
import { C, type SandboxApp } from '../../src/sandbox/state/model.js';

const sandbox = await createSandbox();
after(() => sandbox.close());
const official = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const buyer = sandbox.buyers[0]!;
const ledger = sandbox.ctx.ledger;

/** The origin of the fake merchant page below, and how the bridge puts it on a URL. */
const MERCHANT = 'http://merchant.test';
const ORIGIN_Q = `origin=${encodeURIComponent(MERCHANT)}`;

/** Another app of the sandbox (same keys as the default one), e.g. with redirectUris. */
function addApp(appId: string, patch: Partial<SandboxApp> = {}): string {
  ledger.putApp({ ...ledger.app(sandbox.appId)!, appId, name: `app ${appId}`, ...patch });
  return appId;
}
const authCodesIssued = () => sandbox.ctx.store.all(C.oauthCodes).length;

const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) });

/** The targetOrigin of the postMessage call in a bridge-mode page's script. */
function targetOriginIn(html: string): string {
  const calls = [...html.matchAll(/postMessage\(m,("[^"]*"|'[^']*')\)/g)];
  assert.equal(calls.length, 1, 'the page posts its message in one place');
  return calls[0]![1]!.startsWith("'") ? calls[0]![1]!.slice(1, -1) : (JSON.parse(calls[0]![1]!) as string);
}

/** The message a bridge-mode page posts to its parent, which must be a page of `target` (the origin). */
function messageIn(html: string, target = MERCHANT): { zfbBridge: true; type: string; payload: Record<string, unknown>; forced?: boolean } {
  const m = /<script type="application\/json" id="zfb-bridge-message">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the page carries a bridge message');
  assert.equal(targetOriginIn(html), target, 'posted to that origin only');
  return JSON.parse(m[1]!);
}

async function jsapiTrade(outTradeNo: string, amount = '9.90'): Promise<string> {
  const res = await official.exec('alipay.trade.create', { bizContent: { out_trade_no: outTradeNo, total_amount: amount, subject: 'JSAPI 订单', buyer_id: buyer.userId } }, { validateSign: true });
  assert.equal(res.code, '10000');
  return res.trade_no as string;
}

// ── a minimal DOM, enough for the bridge script ─────────────────────────────

type Listener = (e: unknown) => void;
class FakeElement {
  style = { cssText: '' };
  children: FakeElement[] = [];
  parentNode: FakeElement | null = null;
  attrs: Record<string, string> = {};
  listeners: Record<string, Listener[]> = {};
  src = '';
  type = '';
  title = '';
  textContent = '';
  contentWindow = { frame: true };
  constructor(readonly tag: string) {}
  setAttribute(k: string, v: string) {
    this.attrs[k] = v;
  }
  getAttribute(k: string) {
    return this.attrs[k] ?? null;
  }
  appendChild(c: FakeElement) {
    c.parentNode = this;
    this.children.push(c);
  }
  removeChild(c: FakeElement) {
    this.children = this.children.filter((x) => x !== c);
    c.parentNode = null;
  }
  addEventListener(type: string, fn: Listener) {
    (this.listeners[type] ??= []).push(fn);
  }
}

function loadBridge(scriptSrc: string, source: string, attrs: Record<string, string> = {}) {
  const docListeners: Record<string, Listener[]> = {};
  const winListeners: Record<string, Listener[]> = {};
  const fired: string[] = [];
  const script = new FakeElement('script');
  script.src = scriptSrc;
  Object.assign(script.attrs, attrs);
  const body = new FakeElement('body');
  const document = {
    readyState: 'loading',
    currentScript: script,
    body,
    documentElement: body,
    createElement: (tag: string) => new FakeElement(tag),
    addEventListener: (t: string, fn: Listener) => (docListeners[t] ??= []).push(fn),
    dispatchEvent: (e: { type: string }) => {
      fired.push(e.type);
      for (const fn of docListeners[e.type] ?? []) fn(e);
      return true;
    },
  };
  const window: Record<string, unknown> = {
    document,
    location: { href: `${MERCHANT}/pay.html`, origin: MERCHANT },
    console: { warn: () => {} },
    addEventListener: (t: string, fn: Listener) => (winListeners[t] ??= []).push(fn),
    removeEventListener: (t: string, fn: Listener) => {
      winListeners[t] = (winListeners[t] ?? []).filter((f) => f !== fn);
    },
  };
  runInNewContext(source, { window, document, location: window.location, console: window.console, setTimeout, URL, Event });
  return {
    window,
    fired,
    body,
    contentLoaded: async () => {
      document.readyState = 'interactive';
      for (const fn of docListeners.DOMContentLoaded ?? []) fn({ type: 'DOMContentLoaded' });
      await new Promise((r) => setTimeout(r, 5));
    },
    bridge: () => window.AlipayJSBridge as { call: (name: string, params?: unknown, cb?: (r: Record<string, unknown>) => void) => void },
    overlay: () => body.children[body.children.length - 1],
    /** Delivers a message event as the overlay's iframe would. */
    deliver: (data: unknown, origin = sandbox.baseUrl) => {
      const frame = body.children[body.children.length - 1]!.children[0]!;
      for (const fn of [...(winListeners.message ?? [])]) fn({ origin, source: frame.contentWindow, data });
    },
    close: () => {
      const btn = body.children[body.children.length - 1]!.children[1]!;
      for (const fn of btn.listeners.click ?? []) fn({});
    },
  };
}

const call = (b: ReturnType<typeof loadBridge>, name: string, params?: unknown) =>
  new Promise<Record<string, unknown>>((resolve) => b.bridge().call(name, params, resolve));

async function bridgeScript(query = ''): Promise<{ src: string; source: string }> {
  const src = `${sandbox.baseUrl}/jsbridge.js${query}`;
  const res = await fetch(src);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/javascript/);
  return { src, source: await res.text() };
}

// ── tests ───────────────────────────────────────────────────────────────────

test('/jsbridge.js is JavaScript that documents its knobs and defines the API', async () => {
  const { source } = await bridgeScript();
  assert.match(source, /AlipayJSBridge/);
  assert.match(source, /AlipayJSBridgeReady/);
  assert.match(source, /data-zfb-report/);
  assert.match(source, /tradePay/);
  assert.match(source, /getAuthCode/);
  assert.doesNotThrow(() => new Function(source), 'it parses');
});

test('the bridge appears only after DOMContentLoaded, then AlipayJSBridgeReady fires', async () => {
  const { src, source } = await bridgeScript();
  const b = loadBridge(src, source);
  assert.equal(b.window.AlipayJSBridge, undefined);
  await b.contentLoaded();
  assert.equal(typeof b.bridge().call, 'function');
  assert.deepEqual(b.fired, ['AlipayJSBridgeReady']);
  assert.equal(JSON.stringify(await call(b, 'setTitle', { title: 'x' })), '{}');
  const unknown = await call(b, 'scan');
  assert.equal(unknown.error, 1);
});

test('tradePay({ tradeNO }): the cashier in bridge mode, pay, 9000 with a signed result; a second call while open is 5000', async () => {
  const tradeNo = await jsapiTrade('BR-1');
  const { src, source } = await bridgeScript();
  const b = loadBridge(src, source);
  await b.contentLoaded();
  const result = call(b, 'tradePay', { tradeNO: tradeNo });
  const frame = b.overlay()!.children[0]!;
  assert.equal(frame.src, `${sandbox.baseUrl}/cashier/${tradeNo}?bridge=1&${ORIGIN_Q}`);
  assert.equal((await call(b, 'tradePay', { tradeNO: tradeNo })).resultCode, '5000');

  const page = await (await fetch(frame.src)).text();
  assert.match(page, /开发者选项/);
  assert.doesNotMatch(page, /<header/, 'no sandbox header inside the overlay');
  const res = await post(frame.src, { logon_id: buyer.logonId, password: buyer.password });
  assert.equal(res.status, 200, 'bridge mode never redirects');
  const message = messageIn(await res.text());
  assert.equal(message.type, 'tradePay');
  b.deliver({ zfbBridge: true, type: 'tradePay', payload: { resultCode: 'forged' } }, 'http://evil.test'); // ignored: wrong origin
  b.deliver(message);
  const r = await result;
  assert.equal(r.resultCode, '9000');
  assert.equal(ledger.trade(tradeNo)!.status, 'TRADE_SUCCESS');
  assert.equal(b.body.children.length, 0, 'the overlay is gone');

  const sync = JSON.parse(String(r.result)) as { alipay_trade_app_pay_response: Record<string, string>; sign: string; sign_type: string };
  assert.equal(sync.alipay_trade_app_pay_response.trade_no, tradeNo);
  assert.equal(sync.alipay_trade_app_pay_response.out_trade_no, 'BR-1');
  const nodeText = /"alipay_trade_app_pay_response":(\{[^}]*\})/.exec(String(r.result))![1]!;
  assert.ok(verifyText(nodeText, sync.sign, sandbox.ctx.identity.alipayPublicKey, 'RSA2'), 'the result is signed by the sandbox');
});

test('cancel in the cashier is 6001 and the trade still waits; closing the overlay too', async () => {
  const tradeNo = await jsapiTrade('BR-2');
  const { src, source } = await bridgeScript();
  const b = loadBridge(src, source);
  await b.contentLoaded();
  const first = call(b, 'tradePay', { tradeNO: tradeNo });
  const page = await (await fetch(b.overlay()!.children[0]!.src)).text();
  const cancelHref = /href="(\/cashier\/[^"]*cancel=1[^"]*)"/.exec(page)![1]!.replace(/&amp;/g, '&');
  const cancelled = await (await fetch(`${sandbox.baseUrl}${cancelHref}`)).text();
  b.deliver(messageIn(cancelled));
  assert.equal((await first).resultCode, '6001');
  assert.equal(ledger.trade(tradeNo)!.status, 'WAIT_BUYER_PAY');

  const second = call(b, 'tradePay', { tradeNO: tradeNo });
  b.close();
  assert.equal((await second).resultCode, '6001');
});

test('knob 1: ?report=9000 on the script makes a cancelled payment report 9000 (but unpaid)', async () => {
  const tradeNo = await jsapiTrade('BR-3');
  const { src, source } = await bridgeScript('?report=9000');
  const b = loadBridge(src, source);
  await b.contentLoaded();
  const r = call(b, 'tradePay', { tradeNO: tradeNo });
  b.close();
  assert.equal((await r).resultCode, '9000');
  assert.equal(ledger.trade(tradeNo)!.status, 'WAIT_BUYER_PAY');

  const viaAttr = loadBridge(`${sandbox.baseUrl}/jsbridge.js`, source, { 'data-zfb-report': '6002' });
  await viaAttr.contentLoaded();
  const r2 = call(viaAttr, 'tradePay', { tradeNO: tradeNo });
  viaAttr.close();
  assert.equal((await r2).resultCode, '6002');
});

test('knob 2: a per-trade override reports 6004 although the trade was paid, and wins over knob 1', async () => {
  const tradeNo = await jsapiTrade('BR-4');
  setBridgeReport(sandbox.ctx, tradeNo, '6004');
  const { src, source } = await bridgeScript('?report=9000');
  const b = loadBridge(src, source);
  await b.contentLoaded();
  const r = call(b, 'tradePay', { tradeNO: tradeNo });
  const res = await post(b.overlay()!.children[0]!.src, { logon_id: buyer.logonId, password: buyer.password });
  const message = messageIn(await res.text());
  assert.equal(message.forced, true);
  b.deliver(message);
  const out = await r;
  assert.equal(out.resultCode, '6004');
  assert.equal(ledger.trade(tradeNo)!.status, 'TRADE_SUCCESS', 'paid all the same');
  assert.throws(() => setBridgeReport(sandbox.ctx, tradeNo, '1234'));
  setBridgeReport(sandbox.ctx, tradeNo, undefined);
});

test('knob 3: the cashier\'s developer option; a paid or closed trade reports 4000', async () => {
  const tradeNo = await jsapiTrade('BR-5');
  const url = `${sandbox.baseUrl}/cashier/${tradeNo}?bridge=1&${ORIGIN_Q}`;
  const picked = messageIn(await (await post(url, { logon_id: buyer.logonId, password: buyer.password, report: '8000' })).text());
  assert.equal(picked.payload.resultCode, '8000');
  assert.equal(ledger.trade(tradeNo)!.status, 'TRADE_SUCCESS');
  const again = messageIn(await (await fetch(url)).text());
  assert.equal(again.payload.resultCode, '4000');
  assert.match(String(again.payload.memo), /已支付/);
  const missing = messageIn(await (await fetch(`${sandbox.baseUrl}/cashier/2026010122001000000000000001?bridge=1&${ORIGIN_Q}`)).text());
  assert.equal(missing.payload.resultCode, '4000');
});

test('a trade created for another buyer cannot be paid by this one', async () => {
  const tradeNo = await jsapiTrade('BR-6');
  const other = sandbox.buyers[1]!;
  const res = await post(`${sandbox.baseUrl}/cashier/${tradeNo}?bridge=1&${ORIGIN_Q}`, { logon_id: other.logonId, password: other.password });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /指定的买家/);
  assert.equal(ledger.trade(tradeNo)!.status, 'WAIT_BUYER_PAY');
});

test('tradePay({ orderStr }): the order string goes through the gateway, then the cashier', async () => {
  const orderStr = official.sdkExecute('alipay.trade.app.pay', { bizContent: { out_trade_no: 'BR-APP', total_amount: '2.00', subject: 'app pay', product_code: 'QUICK_MSECURITY_PAY' } });
  const { src, source } = await bridgeScript();
  const b = loadBridge(src, source);
  await b.contentLoaded();
  const r = call(b, 'tradePay', { orderStr });
  const frameSrc = b.overlay()!.children[0]!.src;
  assert.ok(frameSrc.startsWith(`${sandbox.baseUrl}/jsbridge/order?order_str=`));
  assert.ok(frameSrc.endsWith(`&${ORIGIN_Q}`), frameSrc);
  const hop = await fetch(frameSrc, { redirect: 'manual' });
  assert.equal(hop.status, 302);
  const cashier = new URL(hop.headers.get('location')!, sandbox.baseUrl).toString();
  assert.ok(cashier.endsWith(`?bridge=1&${ORIGIN_Q}`), 'the cashier gets the origin passed on');
  assert.match(cashier, /\/cashier\/\d{28}\?/);
  b.deliver(messageIn(await (await post(cashier, { logon_id: buyer.logonId, password: buyer.password })).text()));
  assert.equal((await r).resultCode, '9000');
  assert.equal(ledger.tradeByOutTradeNo(sandbox.appId, 'BR-APP')!.status, 'TRADE_SUCCESS');

  const bad = await fetch(`${sandbox.baseUrl}/jsbridge/order?order_str=${encodeURIComponent(orderStr.replace('2.00', '0.01'))}&${ORIGIN_Q}`, { redirect: 'manual' });
  const message = messageIn(await bad.text());
  assert.equal(message.payload.resultCode, '4000');
  assert.match(String(message.payload.memo), /isv\.invalid-signature/);
});

test('getAuthCode: the OAuth page in bridge mode posts an auth code that exchanges for the buyer', async () => {
  const { src, source } = await bridgeScript();
  const b = loadBridge(src, source);
  await b.contentLoaded();
  const r = call(b, 'getAuthCode', { scopeNicks: ['auth_base'] });
  const url = b.overlay()!.children[0]!.src;
  assert.equal(url, `${sandbox.baseUrl}/oauth2/publicAppAuthorize.htm?bridge=1&app_id=${sandbox.appId}&scope=auth_base&${ORIGIN_Q}`);
  const login = await post(url, { action: 'login', logon_id: buyer.logonId, password: buyer.password });
  assert.equal(login.status, 200);
  b.deliver(messageIn(await login.text()));
  const out = await r;
  assert.deepEqual(out.authSuccessScopes, ['auth_base']);
  const token = await official.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code: out.authCode }, { validateSign: true });
  assert.equal(token.user_id, buyer.userId);

  // Logged in already (the cookie): silent.
  const silent = await fetch(url, { headers: { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]! } });
  assert.ok(messageIn(await silent.text()).payload.authCode);
});

test('getAuthCode for an unknown app reports an error to the bridge instead of hanging', async () => {
  const res = await fetch(`${sandbox.baseUrl}/oauth2/publicAppAuthorize.htm?bridge=1&app_id=2021999999999999&scope=auth_base&${ORIGIN_Q}`);
  const message = messageIn(await res.text());
  assert.equal(message.type, 'getAuthCode');
  assert.equal(message.payload.error, 2);
  assert.match(String(message.payload.errorMessage), /app_id/);
});

// ── the origin: where the overlay pages may post ───────────────────────────

const oauthUrl = (q: Record<string, string>) => `${sandbox.baseUrl}/oauth2/publicAppAuthorize.htm?${new URLSearchParams({ bridge: '1', app_id: '', scope: 'auth_base', ...q })}`; // the bridge's order

/** A buyer logged in to the sandbox, as the zfb_buyer cookie a framing page would ride on. */
async function loggedInCookie(): Promise<string> {
  const res = await post(oauthUrl({ app_id: sandbox.appId, origin: MERCHANT }), { action: 'login', logon_id: buyer.logonId, password: buyer.password });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  assert.match(cookie, /^zfb_buyer=/);
  return cookie;
}

test('the OAuth page in bridge mode without a valid origin refuses (error 2, to any origin) and issues no code, even for a logged-in buyer', async () => {
  const cookie = await loggedInCookie();
  const before = authCodesIssued();
  const missing = await fetch(oauthUrl({ app_id: sandbox.appId }), { headers: { cookie } });
  const refused = messageIn(await missing.text(), '*');
  assert.equal(refused.type, 'getAuthCode');
  assert.equal(refused.payload.error, 2);
  assert.equal(refused.payload.authCode, undefined);
  assert.match(String(refused.payload.errorMessage), /\/jsbridge\.js/, 'says how the page must be opened');
  // Logging in on it does not get past the refusal either.
  const login = await post(oauthUrl({ app_id: sandbox.appId }), { action: 'login', logon_id: buyer.logonId, password: buyer.password });
  assert.equal(messageIn(await login.text(), '*').payload.error, 2);

  for (const origin of ['null', `${MERCHANT}/pay.html`, `${MERCHANT}/`, 'ftp://merchant.test', 'javascript:alert(1)', 'merchant.test']) {
    const m = messageIn(await (await fetch(oauthUrl({ app_id: sandbox.appId, origin }), { headers: { cookie } })).text(), '*');
    assert.equal(m.payload.error, 2, origin);
    assert.match(String(m.payload.errorMessage), /origin/, origin);
  }
  assert.equal(authCodesIssued(), before, 'no auth code was issued');
});

test("getAuthCode from a page whose host is not among the app's redirectUris gets error 4 and no code; a matching host gets the code, posted to that origin", async () => {
  const app = addApp('9021000100000091', { redirectUris: ['https://shop.example/oauth/callback'] });
  const cookie = await loggedInCookie();
  const before = authCodesIssued();

  // Through the bridge script on http://merchant.test (fake DOM), as a merchant page would.
  const { src, source } = await bridgeScript();
  const b = loadBridge(src, source, { 'data-app-id': app });
  await b.contentLoaded();
  const r = call(b, 'getAuthCode', { scopeNicks: ['auth_base'] });
  const framed = b.overlay()!.children[0]!.src;
  assert.equal(framed, oauthUrl({ app_id: app, origin: MERCHANT }));
  const refused = messageIn(await (await fetch(framed, { headers: { cookie } })).text());
  assert.equal(refused.payload.error, 4);
  assert.match(String(refused.payload.errorMessage), /shop\.example/);
  b.deliver(refused);
  const out = await r;
  assert.equal(out.error, 4);
  assert.equal(out.authCode, undefined);
  // Not after a login either, nor from another port of the configured host (host includes the port).
  const login = await post(framed, { action: 'login', logon_id: buyer.logonId, password: buyer.password });
  assert.equal(messageIn(await login.text()).payload.error, 4);
  const otherPort = messageIn(await (await fetch(oauthUrl({ app_id: app, origin: 'https://shop.example:8443' }), { headers: { cookie } })).text(), 'https://shop.example:8443');
  assert.equal(otherPort.payload.error, 4);
  assert.equal(authCodesIssued(), before, 'no auth code was issued');

  // The configured host, over http or https as for redirect_uri: silent, and the code is the buyer's.
  for (const origin of ['https://shop.example', 'http://shop.example']) {
    const html = await (await fetch(oauthUrl({ app_id: app, origin }), { headers: { cookie } })).text();
    assert.equal(targetOriginIn(html), origin, 'posted with exactly that targetOrigin');
    assert.doesNotMatch(html, /postMessage\(m,\s*['"]\*['"]\)/, "never to '*'");
    const granted = messageIn(html, origin);
    assert.equal(typeof granted.payload.authCode, 'string');
    const token = await new AlipaySdk({ appId: app, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false }).exec(
      'alipay.system.oauth.token',
      { grantType: 'authorization_code', code: granted.payload.authCode },
      { validateSign: true },
    );
    assert.equal(token.user_id, buyer.userId);
  }
  assert.equal(authCodesIssued(), before + 2);
});

test('the cashier and /jsbridge/order in bridge mode refuse without a valid origin (4000, to any origin): the trade is neither shown nor paid nor opened', async () => {
  const tradeNo = await jsapiTrade('BR-NO-ORIGIN');
  const page = await (await fetch(`${sandbox.baseUrl}/cashier/${tradeNo}?bridge=1`)).text();
  const refused = messageIn(page, '*');
  assert.equal(refused.type, 'tradePay');
  assert.equal(refused.payload.resultCode, '4000');
  assert.match(String(refused.payload.memo), /\/jsbridge\.js/);
  assert.doesNotMatch(page, /BR-NO-ORIGIN|name="password"/, 'no trade details, no login form');
  const paid = await post(`${sandbox.baseUrl}/cashier/${tradeNo}?bridge=1&origin=null`, { logon_id: buyer.logonId, password: buyer.password });
  assert.equal(messageIn(await paid.text(), '*').payload.resultCode, '4000');
  assert.equal(ledger.trade(tradeNo)!.status, 'WAIT_BUYER_PAY', 'not paid');

  // With the origin, the cashier keeps it on its form, so the result goes there.
  const shown = await (await fetch(`${sandbox.baseUrl}/cashier/${tradeNo}?bridge=1&${ORIGIN_Q}`)).text();
  assert.match(shown, new RegExp(`action="/cashier/${tradeNo}\\?bridge=1&amp;${ORIGIN_Q}"`));

  const orderStr = official.sdkExecute('alipay.trade.app.pay', { bizContent: { out_trade_no: 'BR-APP-NO-ORIGIN', total_amount: '1.00', subject: 'app pay', product_code: 'QUICK_MSECURITY_PAY' } });
  const order = await fetch(`${sandbox.baseUrl}/jsbridge/order?order_str=${encodeURIComponent(orderStr)}`, { redirect: 'manual' });
  assert.equal(order.status, 200, 'no redirect to the cashier');
  assert.equal(messageIn(await order.text(), '*').payload.resultCode, '4000');
  assert.equal(ledger.tradeByOutTradeNo(sandbox.appId, 'BR-APP-NO-ORIGIN'), undefined, 'no trade was opened');
});
