/**
 * The wallet (payment codes that alipay.trade.pay accepts), the precreate QR link (scan → cashier
 * → the trade exists with its buyer), and the dashboard, over HTTP.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { QR_CODES, type QrCode } from '../../src/sandbox/methods/trade-precreate.js';
import { code128cSymbols, code128cWidths } from '../../src/sandbox/pages/code128.js';

const sandbox = await createSandbox();
after(() => sandbox.close());
const official = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const exec = (method: string, bizContent: Record<string, unknown>) => official.exec(method, { bizContent }, { validateSign: true });
const rich = sandbox.buyers[0]!;
const poor = sandbox.buyers.find((b) => b.balanceFen === 0)!;
const post = (url: string, fields: Record<string, string>) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });

test('the wallet lists the buyers; a buyer\'s page shows a fresh payment code that barcode pay accepts', async () => {
  const list = await (await fetch(`${sandbox.baseUrl}/wallet`)).text();
  for (const b of sandbox.buyers) assert.ok(list.includes(`/wallet/${b.userId}`));

  const page = await fetch(`${sandbox.baseUrl}/wallet/${rich.userId}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<meta http-equiv="refresh" content="60">/);
  assert.match(html, /<svg class="barcode"/);
  const digits = /id="zfb-code">([\d ]+)</.exec(html)![1]!.replace(/ /g, '');
  assert.match(digits, /^(2[5-9]|30)\d{16}$/);
  const next = /id="zfb-code">([\d ]+)</.exec(await (await fetch(`${sandbox.baseUrl}/wallet/${rich.userId}`)).text())![1]!.replace(/ /g, '');
  assert.notEqual(next, digits, 'a new code on every load');

  const res = await exec('alipay.trade.pay', { out_trade_no: 'WAL-1', scene: 'bar_code', auth_code: digits, subject: '扫码枪', total_amount: '3.50' });
  assert.equal(res.code, '10000');
  assert.equal(res.buyer_user_id, rich.userId);
  const after = await (await fetch(`${sandbox.baseUrl}/wallet/${rich.userId}`)).text();
  assert.match(after, /扫码枪/, 'the trade is in the buyer\'s history');

  assert.equal((await fetch(`${sandbox.baseUrl}/wallet/2088000000000000`)).status, 404);
});

test('Code 128 set C: start C, pairs of digits, checksum, stop', () => {
  const symbols = code128cSymbols('281234567890123456');
  assert.equal(symbols[0], 105);
  assert.deepEqual(symbols.slice(1, 10), [28, 12, 34, 56, 78, 90, 12, 34, 56]);
  const check = symbols.slice(1, 10).reduce((s, v, i) => s + v * (i + 1), 105) % 103;
  assert.equal(symbols[10], check);
  assert.equal(symbols[11], 106);
  const widths = code128cWidths('281234567890123456');
  assert.equal(widths.reduce((a, b) => a + b, 0), 11 * 11 + 13);
  assert.throws(() => code128cSymbols('123'));
});

test('precreate QR: unknown to query until scanned; scan → cashier → the buyer is bound, then pays', async () => {
  const pre = await exec('alipay.trade.precreate', { out_trade_no: 'QR-1', total_amount: '12.00', subject: '扫码点单' });
  assert.equal(pre.code, '10000');
  const qr = pre.qr_code as string;
  assert.ok(qr.startsWith(`${sandbox.baseUrl}/qr/`), qr);
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'QR-1' })).sub_code, 'ACQ.TRADE_NOT_EXIST');

  const scan = await fetch(qr, { redirect: 'manual' });
  assert.equal(scan.status, 302);
  const cashier = new URL(scan.headers.get('location')!, sandbox.baseUrl).toString();
  assert.match(await (await fetch(cashier)).text(), /扫码点单/);

  // A buyer without money scans and logs in: the trade now exists, bound to them, still waiting.
  const broke = await post(cashier, { logon_id: poor.logonId, password: poor.password });
  assert.equal(broke.status, 400);
  assert.match(await broke.text(), /余额不足/);
  const waiting = await exec('alipay.trade.query', { out_trade_no: 'QR-1' });
  assert.equal(waiting.trade_status, 'WAIT_BUYER_PAY');
  assert.equal(waiting.buyer_user_id, poor.userId);

  // Another QR trade, paid by the rich buyer in one go.
  const pre2 = await exec('alipay.trade.precreate', { out_trade_no: 'QR-2', total_amount: '1.00', subject: '奶茶' });
  const cashier2 = new URL((await fetch(pre2.qr_code, { redirect: 'manual' })).headers.get('location')!, sandbox.baseUrl).toString();
  const paid = await post(cashier2, { logon_id: rich.logonId, password: rich.password });
  assert.equal(paid.status, 200);
  assert.match(await paid.text(), /支付成功/);
  const q = await exec('alipay.trade.query', { out_trade_no: 'QR-2' });
  assert.equal(q.trade_status, 'TRADE_SUCCESS');
  assert.equal(q.buyer_user_id, rich.userId);

  // A paid code no longer leads to a cashier.
  assert.equal((await fetch(pre2.qr_code, { redirect: 'manual' })).status, 410);
});

test('QR: unknown and expired codes', async () => {
  assert.equal((await fetch(`${sandbox.baseUrl}/qr/bax0nope`)).status, 404);
  const pre = await exec('alipay.trade.precreate', { out_trade_no: 'QR-3', total_amount: '1.00', subject: 's' });
  const token = new URL(pre.qr_code).pathname.split('/').pop()!;
  const code = sandbox.ctx.store.get<QrCode>(QR_CODES, token)!;
  sandbox.ctx.store.put(QR_CODES, token, { ...code, expiresAt: new Date(Date.now() - 1000).toISOString() });
  const res = await fetch(pre.qr_code, { redirect: 'manual' });
  assert.equal(res.status, 410);
  assert.match(await res.text(), /二维码已过期/);
});

test('the dashboard shows apps, buyers, trades, refunds and notifies, and refreshes itself', async () => {
  const code = sandbox.ctx.ledger.issuePaymentCode(rich.userId).code;
  const paid = await official.exec(
    'alipay.trade.pay',
    { bizContent: { out_trade_no: 'DASH-1', scene: 'bar_code', auth_code: code, subject: '看板', total_amount: '6.00' }, notifyUrl: 'http://127.0.0.1:9/zfb-dashboard-notify' },
    { validateSign: true },
  );
  await exec('alipay.trade.refund', { out_trade_no: 'DASH-1', refund_amount: '1.00', out_request_no: 'DASH-R1' });
  for (const path of ['/', '/dashboard']) {
    const res = await fetch(`${sandbox.baseUrl}${path}`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<meta http-equiv="refresh" content="5">/);
    assert.ok(html.includes(sandbox.appId));
    assert.ok(html.includes(rich.logonId));
    assert.ok(html.includes(paid.trade_no));
    assert.match(html, /DASH-R1/);
    assert.match(html, /zfb-dashboard-notify/, 'the notify task is listed');
    assert.match(html, /\/gateway\.do/);
  }
});

test('avatars: an SVG per buyer, 404 for others', async () => {
  const ok = await fetch(`${sandbox.baseUrl}/avatar/${rich.userId}.svg`);
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /^<svg/);
  assert.equal((await fetch(`${sandbox.baseUrl}/avatar/2088000000000000.svg`)).status, 404);
});
