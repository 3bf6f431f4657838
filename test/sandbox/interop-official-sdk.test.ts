/**
 * Issue #3's acceptance in one place: the official `alipay-sdk`, configured with nothing but the
 * sandbox's gateway URL and keys, runs every flow; every response it gets verifies
 * (validateSign: true), and every notify the sandbox sends verifies with its checkNotifySignV2.
 * (alipay-mobile runs the same flows in interop-alipay-mobile.test.ts.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { startReceiver } from './notify-receiver.js';

const sandbox = await createSandbox();
const receiver = await startReceiver(sandbox.ctx.clock, () => 'success');
after(async () => {
  await receiver.close();
  await sandbox.close();
});

const sdk = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const exec = (method: string, bizContent: Record<string, unknown>, extra: Record<string, unknown> = {}) => sdk.exec(method, { bizContent, notify_url: receiver.url, ...extra }, { validateSign: true });
const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sandbox.adminUrl}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return res.json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const rich = sandbox.buyers[0]!;
const poor = sandbox.buyers.find((b) => b.balanceFen === 0)!;
const code = async (userId: string) => (await admin('POST', `/buyers/${userId}/payment-code`)).authCode as string;
const waitFor = async (pred: () => boolean) => {
  for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(pred(), 'timed out waiting');
};
const notifiesOf = (outTradeNo: string) => receiver.received.filter((r) => r.params.out_trade_no === outTradeNo);

test('barcode pay: success, then query, partial and full refund, refund query; every notify verifies', async () => {
  const pay = await exec('alipay.trade.pay', { out_trade_no: 'IO-1', scene: 'bar_code', auth_code: await code(rich.userId), subject: '互通 interop', total_amount: '10.00' });
  assert.equal(pay.code, '10000');
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'IO-1' })).trade_status, 'TRADE_SUCCESS');
  const partial = await exec('alipay.trade.refund', { out_trade_no: 'IO-1', refund_amount: '3.00', out_request_no: 'IO-1-R1' });
  assert.equal(partial.fund_change, 'Y');
  assert.equal(partial.refund_fee, '3.00');
  const rest = await exec('alipay.trade.refund', { out_trade_no: 'IO-1', refund_amount: '7.00', out_request_no: 'IO-1-R2' });
  assert.equal(rest.refund_fee, '10.00');
  const rq = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: 'IO-1', out_request_no: 'IO-1-R1' });
  assert.equal(rq.refund_status, 'REFUND_SUCCESS');
  assert.equal(rq.refund_amount, '3.00');
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'IO-1' })).trade_status, 'TRADE_CLOSED');
  await waitFor(() => notifiesOf('IO-1').length >= 3);
  const statuses = notifiesOf('IO-1').map((r) => `${r.params.trade_status}:${r.params.refund_fee ?? ''}`);
  assert.deepEqual(statuses.sort(), ['TRADE_CLOSED:10.00', 'TRADE_SUCCESS:', 'TRADE_SUCCESS:3.00'].sort());
  for (const r of notifiesOf('IO-1')) assert.equal(sdk.checkNotifySignV2(r.params), true, r.text);
});

test('barcode pay: 10003 then success (paid as the buyer through the admin API), and insufficient balance', async () => {
  await admin('POST', '/faults', { appId: sandbox.appId, kind: 'need-password', method: 'alipay.trade.pay', count: 1 });
  const pending = await exec('alipay.trade.pay', { out_trade_no: 'IO-2', scene: 'bar_code', auth_code: await code(rich.userId), subject: 's', total_amount: '1.00' });
  assert.equal(pending.code, '10003');
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'IO-2' })).trade_status, 'WAIT_BUYER_PAY');
  await admin('POST', `/trades/${pending.trade_no}/pay`, {});
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'IO-2' })).trade_status, 'TRADE_SUCCESS');
  const broke = await exec('alipay.trade.pay', { out_trade_no: 'IO-3', scene: 'bar_code', auth_code: await code(poor.userId), subject: 's', total_amount: '1.00' });
  assert.equal(broke.code, '40004');
  assert.equal(broke.sub_code, 'ACQ.BUYER_BALANCE_NOT_ENOUGH');
  await waitFor(() => notifiesOf('IO-2').length >= 1);
  for (const r of notifiesOf('IO-2')) assert.equal(sdk.checkNotifySignV2(r.params), true);
});

test('cancel (paid → refund) and close; precreate', async () => {
  await exec('alipay.trade.pay', { out_trade_no: 'IO-4', scene: 'bar_code', auth_code: await code(rich.userId), subject: 's', total_amount: '2.00' });
  const cancel = await exec('alipay.trade.cancel', { out_trade_no: 'IO-4' });
  assert.equal(cancel.action, 'refund');
  assert.equal(cancel.retry_flag, 'N');
  await admin('POST', '/faults', { appId: sandbox.appId, kind: 'need-password', method: 'alipay.trade.pay', count: 1 });
  await exec('alipay.trade.pay', { out_trade_no: 'IO-5', scene: 'bar_code', auth_code: await code(rich.userId), subject: 's', total_amount: '2.00' });
  assert.equal((await exec('alipay.trade.close', { out_trade_no: 'IO-5' })).out_trade_no, 'IO-5');
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'IO-5' })).trade_status, 'TRADE_CLOSED');
  const pre = await exec('alipay.trade.precreate', { out_trade_no: 'IO-6', subject: '扫码', total_amount: '5.00' });
  assert.match(pre.qr_code, /^http:\/\/127\.0\.0\.1:\d+\/qr\//);
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'IO-6' })).sub_code, 'ACQ.TRADE_NOT_EXIST');
  await waitFor(() => notifiesOf('IO-4').length >= 2 && notifiesOf('IO-5').length >= 1);
  for (const r of [...notifiesOf('IO-4'), ...notifiesOf('IO-5')]) assert.equal(sdk.checkNotifySignV2(r.params), true);
});

test('wap pay: the official page URL followed through the cashier by an HTTP client; the return verifies', async () => {
  const url = sdk.pageExecute('alipay.trade.wap.pay', 'GET', { bizContent: { out_trade_no: 'IO-7', total_amount: '0.01', subject: '手机网站', product_code: 'QUICK_WAP_WAY' }, returnUrl: 'https://m.example.com/paid', notifyUrl: receiver.url });
  const toCashier = await fetch(url, { redirect: 'manual' });
  assert.equal(toCashier.status, 302);
  const cashier = new URL(toCashier.headers.get('location')!, sandbox.baseUrl);
  assert.equal((await fetch(cashier)).status, 200);
  const login = await fetch(cashier, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logon_id: rich.logonId, password: rich.password }) });
  assert.equal(login.status, 302);
  const back = new URL(login.headers.get('location')!);
  assert.equal(back.origin + back.pathname, 'https://m.example.com/paid');
  assert.equal(sdk.checkNotifySignV2(Object.fromEntries(back.searchParams)), true);
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'IO-7' })).trade_status, 'TRADE_SUCCESS');
  await waitFor(() => notifiesOf('IO-7').length >= 1);
  assert.equal(sdk.checkNotifySignV2(notifiesOf('IO-7')[0]!.params), true);
});

test('OAuth: authorize as a buyer, exchange the auth_code with the official SDK (verified), fetch user info', async () => {
  const authorize = `${sandbox.oauthAuthorizeUrl}?${new URLSearchParams({ app_id: sandbox.appId, scope: 'auth_user', redirect_uri: 'https://m.example.com/oauth', state: 'xyz' })}`;
  let res = await fetch(authorize, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logon_id: rich.logonId, password: rich.password }) });
  // auth_user shows a consent screen after login: submit it as a browser would.
  for (let i = 0; i < 3 && res.status !== 302; i++) {
    const page = await res.text();
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page);
    assert.ok(form, `a form on the page: ${page.slice(0, 300)}`);
    const fields = Object.fromEntries([...form[2]!.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"')]));
    res = await fetch(new URL(form[1]!.replace(/&amp;/g, '&'), authorize), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  }
  assert.equal(res.status, 302);
  const callback = new URL(res.headers.get('location')!);
  assert.equal(callback.searchParams.get('state'), 'xyz');
  const token = await sdk.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code: callback.searchParams.get('auth_code') }, { validateSign: true });
  assert.equal(token.user_id, rich.userId);
  const info = await sdk.exec('alipay.user.info.share', { auth_token: token.access_token }, { validateSign: true });
  assert.equal(info.user_id, rich.userId);
});
