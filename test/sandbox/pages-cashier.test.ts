/**
 * Wap and page pay through the sandbox cashier, driven over HTTP like a browser would: the
 * official alipay-sdk builds the pay link (pageExecute GET) or form (POST), the gateway sends the
 * browser to the cashier, the buyer logs in and pays, and the 302 to return_url carries
 * parameters that verify with our client and with the official SDK's checkNotifySignV2.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { AlipayClient } from '../../src/alipay/index.js';
import { parseForm } from '../../src/alipay/form.js';

const sandbox = await createSandbox();
after(() => sandbox.close());

const official = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const client = (charset: 'utf-8' | 'gbk' = 'utf-8') =>
  new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, charset });
const rich = sandbox.buyers[0]!;
const poor = sandbox.buyers.find((b) => b.balanceFen === 0)!;
const ledger = sandbox.ctx.ledger;
const RETURN = 'https://merchant.example/pay/return';

const abs = (location: string) => new URL(location, sandbox.baseUrl).toString();
const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields), redirect: 'manual' as const });

/** GET the pay link; expect the 302 to the cashier; answer the cashier URL. */
async function toCashier(payUrl: string): Promise<string> {
  const res = await fetch(payUrl, { redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  const location = res.headers.get('location')!;
  assert.match(location, /^\/cashier\/\d{28}$/);
  return abs(location);
}

const wapUrl = (outTradeNo: string, biz: Record<string, unknown> = {}, extra: Record<string, unknown> = { returnUrl: RETURN }) =>
  official.pageExecute('alipay.trade.wap.pay', 'GET', {
    bizContent: { out_trade_no: outTradeNo, total_amount: '88.80', subject: '沙箱 T恤 / tee', product_code: 'QUICK_WAP_WAY', ...biz },
    notifyUrl: 'http://127.0.0.1:9/notify',
    ...extra,
  });

const tradeNoOf = (cashierUrl: string) => new URL(cashierUrl).pathname.split('/').pop()!;

test('wap pay: official pageExecute GET → cashier → login → 302 to return_url with verifiable parameters', async () => {
  const cashier = await toCashier(wapUrl('WAP-1'));
  const page = await fetch(cashier);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const html = await page.text();
  assert.match(html, /<meta name="viewport"/);
  assert.match(html, /沙箱 T恤 \/ tee/);
  assert.match(html, /88\.80/);
  assert.match(html, /zfb sandbox app/, 'the merchant name');
  assert.match(html, /name="logon_id"/);
  assert.match(html, /name="password"/);
  assert.ok(html.includes(rich.logonId), 'the sandbox buyers are listed as hints');

  const before = ledger.buyer(rich.userId)!.balanceFen;
  const res = await fetch(cashier, form({ logon_id: rich.logonId, password: rich.password }));
  assert.equal(res.status, 302);
  assert.match(res.headers.get('set-cookie') ?? '', /^zfb_buyer=/);
  const location = res.headers.get('location')!;
  assert.ok(location.startsWith(`${RETURN}?`), location);

  // Our client verifies it (V1: sign and sign_type left out).
  const params = client().verifyReturn(location);
  assert.equal(params.method, 'alipay.trade.wap.pay.return');
  assert.equal(params.out_trade_no, 'WAP-1');
  assert.equal(params.total_amount, '88.80');
  assert.equal(params.app_id, sandbox.appId);
  assert.equal(params.auth_app_id, sandbox.appId);
  assert.equal(params.trade_no, tradeNoOf(cashier));
  assert.equal(params.version, '1.0');
  assert.equal(params.charset, 'utf-8');
  assert.equal(params.sign_type, 'RSA2');
  assert.equal(params.seller_id, ledger.app(sandbox.appId)!.sellerId);
  assert.match(params.timestamp ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.deepEqual(Object.keys(parseForm(location.slice(location.indexOf('?') + 1)).params).sort(), ['app_id', 'auth_app_id', 'charset', 'method', 'out_trade_no', 'seller_id', 'sign', 'sign_type', 'timestamp', 'total_amount', 'trade_no', 'version']);

  // So does the official SDK, on the parsed query.
  const query = Object.fromEntries(new URL(location).searchParams);
  assert.equal(official.checkNotifySignV2(query), true);
  assert.equal(official.checkNotifySignV2({ ...query, total_amount: '0.01' }), false, 'a tampered amount does not verify');

  const trade = ledger.trade(params.trade_no)!;
  assert.equal(trade.status, 'TRADE_SUCCESS');
  assert.equal(trade.buyerUserId, rich.userId);
  assert.equal(ledger.buyer(rich.userId)!.balanceFen, before - 8880);
  const q = await official.exec('alipay.trade.query', { bizContent: { out_trade_no: 'WAP-1' } }, { validateSign: true });
  assert.equal(q.trade_status, 'TRADE_SUCCESS');

  // The cashier now shows the status instead of a form; paying again does nothing.
  const again = await (await fetch(cashier)).text();
  assert.match(again, /该订单已支付/);
  assert.doesNotMatch(again, /name="password"/);
  const twice = await fetch(cashier, form({ logon_id: rich.logonId, password: rich.password }));
  assert.match(await twice.text(), /该订单已支付/);
  assert.equal(ledger.buyer(rich.userId)!.balanceFen, before - 8880);
});

test('wrong password and insufficient balance: an error on the page, the trade still waiting', async () => {
  const cashier = await toCashier(wapUrl('WAP-2'));
  const tradeNo = tradeNoOf(cashier);

  const wrong = await fetch(cashier, form({ logon_id: rich.logonId, password: 'nope' }));
  assert.equal(wrong.status, 400);
  const wrongHtml = await wrong.text();
  assert.match(wrongHtml, /账户名或密码错误/);
  assert.match(wrongHtml, /name="password"/, 'the form is shown again');
  assert.equal(ledger.trade(tradeNo)!.status, 'WAIT_BUYER_PAY');

  const unknown = await fetch(cashier, form({ logon_id: 'nobody@sandbox', password: '111111' }));
  assert.equal(unknown.status, 400);
  assert.match(await unknown.text(), /账户名或密码错误/);

  const broke = await fetch(cashier, form({ logon_id: poor.logonId, password: poor.password }));
  assert.equal(broke.status, 400);
  assert.match(await broke.text(), /余额不足/);
  assert.equal(ledger.trade(tradeNo)!.status, 'WAIT_BUYER_PAY');
  assert.equal(ledger.trade(tradeNo)!.buyerUserId, undefined);
  assert.equal(ledger.buyer(poor.userId)!.balanceFen, 0);

  // Another buyer can still pay it.
  const ok = await fetch(cashier, form({ logon_id: rich.logonId, password: rich.password }));
  assert.equal(ok.status, 302);
  assert.equal(ledger.trade(tradeNo)!.status, 'TRADE_SUCCESS');
});

test('page pay with the official POST form; no return_url → a 支付成功 page', async () => {
  const html = official.pageExecute('alipay.trade.page.pay', 'POST', {
    bizContent: { out_trade_no: 'PAGE-1', total_amount: '0.01', subject: 'PC 商品', product_code: 'FAST_INSTANT_TRADE_PAY' },
  });
  const action = /action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)) fields[m[1]!] = m[2]!.replace(/&quot;/g, '"');
  assert.ok(fields.biz_content, 'the form carries biz_content');
  const res = await fetch(action, form(fields));
  assert.equal(res.status, 302, await res.clone().text());
  const cashier = abs(res.headers.get('location')!);
  const paid = await fetch(cashier, form({ logon_id: rich.logonId, password: rich.password }));
  assert.equal(paid.status, 200);
  assert.match(await paid.text(), /支付成功/);
  assert.equal(ledger.trade(tradeNoOf(cashier))!.status, 'TRADE_SUCCESS');
});

test('page pay return says alipay.trade.page.pay.return', async () => {
  const url = official.pageExecute('alipay.trade.page.pay', 'GET', {
    bizContent: { out_trade_no: 'PAGE-2', total_amount: '3.00', subject: 'pc', product_code: 'FAST_INSTANT_TRADE_PAY' },
    returnUrl: 'http://127.0.0.1:1/back?order=PAGE-2#top',
  });
  const cashier = await toCashier(url);
  const res = await fetch(cashier, form({ logon_id: rich.logonId, password: rich.password }));
  const location = res.headers.get('location')!;
  assert.ok(location.startsWith('http://127.0.0.1:1/back?order=PAGE-2&charset=utf-8&'), location);
  assert.ok(location.endsWith('#top'), 'the fragment stays at the end');
  const query = Object.fromEntries(new URL(location).searchParams);
  assert.equal(query.method, 'alipay.trade.page.pay.return');
  delete query.order; // the merchant's own parameter is not signed
  assert.equal(official.checkNotifySignV2(query), true);
});

test('our own client (pageUrl) in GBK: the return is GBK-encoded and verifies', async () => {
  const gbk = client('gbk');
  const url = gbk.pageUrl('alipay.trade.wap.pay', { bizContent: { out_trade_no: 'WAP-GBK', total_amount: '1.00', subject: '中文商品', product_code: 'QUICK_WAP_WAY' }, params: { return_url: RETURN } });
  const cashier = await toCashier(url);
  assert.match(await (await fetch(cashier)).text(), /中文商品/);
  const res = await fetch(cashier, form({ logon_id: rich.logonId, password: rich.password }));
  const location = res.headers.get('location')!;
  assert.match(location, /charset=gbk/);
  const params = gbk.verifyReturn(location);
  assert.equal(params.out_trade_no, 'WAP-GBK');
  assert.equal(params.method, 'alipay.trade.wap.pay.return');
});

test('quit_url is the cancel link; without one the cancel page says the trade still waits', async () => {
  const cashier = await toCashier(wapUrl('WAP-Q', { quit_url: 'https://merchant.example/cart' }));
  assert.match(await (await fetch(cashier)).text(), /href="https:\/\/merchant\.example\/cart"/);
  const plain = await toCashier(wapUrl('WAP-NQ'));
  const html = await (await fetch(plain)).text();
  assert.match(html, /\?cancel=1/);
  const cancelled = await fetch(`${plain}?cancel=1`);
  assert.match(await cancelled.text(), /已取消付款/);
  assert.equal(ledger.trade(tradeNoOf(plain))!.status, 'WAIT_BUYER_PAY');
});

test('the same out_trade_no reaches the same cashier; other parameters or a paid trade are refused with an error page', async () => {
  const first = await toCashier(wapUrl('WAP-R'));
  const second = await toCashier(wapUrl('WAP-R', {}, { returnUrl: 'https://merchant.example/other' }));
  assert.equal(first, second);
  assert.equal(ledger.trade(tradeNoOf(first))!.returnUrl, 'https://merchant.example/other', 'the latest return_url wins');

  const changed = await fetch(wapUrl('WAP-R', { total_amount: '1.00' }), { redirect: 'manual' });
  assert.equal(changed.status, 200);
  assert.match(await changed.text(), /ACQ\.CONTEXT_INCONSISTENT/);

  await fetch(first, form({ logon_id: rich.logonId, password: rich.password }));
  const paid = await fetch(wapUrl('WAP-R'), { redirect: 'manual' });
  assert.match(await paid.text(), /ACQ\.TRADE_HAS_SUCCESS/);
});

test('biz checks: required fields and the product code (missing is fine, wrong is not)', async () => {
  const page = async (url: string) => {
    const res = await fetch(url, { redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  };
  const noCode = await fetch(wapUrl('WAP-P0', { product_code: undefined }), { redirect: 'manual' });
  assert.equal(noCode.status, 302);
  const wrongCode = await page(wapUrl('WAP-P1', { product_code: 'FAST_INSTANT_TRADE_PAY' }));
  assert.match(wrongCode.text, /ACQ\.INVALID_PARAMETER/);
  assert.match(wrongCode.text, /product_code/);
  const noSubject = await page(wapUrl('WAP-P2', { subject: undefined }));
  assert.match(noSubject.text, /ACQ\.INVALID_PARAMETER/);
  assert.match(noSubject.text, /subject/);
  const badAmount = await page(wapUrl('WAP-P3', { total_amount: '0' }));
  assert.match(badAmount.text, /total_amount/);
  const pageWrong = await page(official.pageExecute('alipay.trade.page.pay', 'GET', { bizContent: { out_trade_no: 'PAGE-P', total_amount: '1.00', subject: 's', product_code: 'QUICK_WAP_WAY' } }));
  assert.match(pageWrong.text, /ACQ\.INVALID_PARAMETER/);
  // A tampered link is refused by the gateway, as a page.
  const tampered = await page(wapUrl('WAP-P4').replace('88.80', '0.01'));
  assert.match(tampered.text, /isv\.invalid-signature/);
});

test('an unpaid wap trade closes after timeout_express; the cashier then says so', async () => {
  const cashier = await toCashier(wapUrl('WAP-T', { timeout_express: '1m' }));
  const trade = ledger.trade(tradeNoOf(cashier))!;
  const lifetime = (t: { createdAt: string; expiresAt?: string }) => new Date(t.expiresAt!).getTime() - new Date(t.createdAt).getTime();
  assert.ok(Math.abs(lifetime(trade) - 60_000) < 1000, String(lifetime(trade)));
  const plain = await toCashier(wapUrl('WAP-D'));
  const d = ledger.trade(tradeNoOf(plain))!;
  assert.ok(Math.abs(lifetime(d) - 15 * 86_400_000) < 1000, 'default: 15 days');
  // Close it (the ledger's own path) and look at the cashier.
  ledger.close(trade.tradeNo);
  const res = await fetch(cashier, form({ logon_id: rich.logonId, password: rich.password }));
  assert.match(await res.text(), /交易已关闭/);
});

test('an unknown trade is a 404 page', async () => {
  const res = await fetch(`${sandbox.baseUrl}/cashier/2026010122001000000000000000`);
  assert.equal(res.status, 404);
  assert.match(await res.text(), /交易不存在/);
});
