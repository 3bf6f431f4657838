/**
 * Faults set through the admin API change what the official alipay-sdk sees at the gateway:
 * 10003 and a buyer who confirms later, 20000 with the call applied or not, a buyer without
 * money, a response whose signature does not verify, a gateway that never answers.
 */
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { adminCall } from '../support/sandbox-admin.js';

const sandbox = await createSandbox();
after(() => sandbox.close());

const admin = (method: string, path: string, body?: unknown) => adminCall(sandbox.adminUrl, method, path, body);

// A fresh app per test, registered through the admin API with a key made here.
let appId = '';
let sdk: (extra?: Record<string, unknown>) => AlipaySdk;
beforeEach(async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const r = await admin('POST', '/apps', { publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString() });
  assert.equal(r.status, 201);
  appId = r.body.appId;
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  sdk = (extra = {}) => new AlipaySdk({ appId, privateKey: pem, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false, ...extra });
});

const fault = async (spec: Record<string, unknown>) => {
  const r = await admin('POST', '/faults', { appId, ...spec });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string };
};
const buyer = () => sandbox.buyers[0]!.userId;
const authCode = async (userId = buyer()) => (await admin('POST', `/buyers/${userId}/payment-code`)).body.authCode as string;
let n = 0;
const pay = async (out: string, amount = '1.00', userId?: string, extra: Record<string, unknown> = {}) =>
  sdk(extra).exec('alipay.trade.pay', { bizContent: { out_trade_no: out, scene: 'bar_code', auth_code: await authCode(userId), subject: '故障', total_amount: amount } }, { validateSign: true });
const query = async (out: string) => sdk().exec('alipay.trade.query', { bizContent: { out_trade_no: out } }, { validateSign: true });
const out = () => `F-${Date.now()}-${++n}`;

test('need-password: trade.pay answers 10003; after the buyer pays via the admin API the query says TRADE_SUCCESS', async () => {
  await fault({ kind: 'need-password', method: 'alipay.trade.pay' });
  const o = out();
  const res = await pay(o, '8.88');
  assert.equal(res.code, '10003');
  assert.equal(res.msg, 'order success pay inprocess');
  const waiting = await query(o);
  assert.equal(waiting.code, '10000');
  assert.equal(waiting.trade_status, 'WAIT_BUYER_PAY');
  const paid = await admin('POST', `/trades/${res.trade_no}/pay`);
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  const q = await query(o);
  assert.equal(q.trade_status, 'TRADE_SUCCESS');
  assert.equal(q.total_amount, '8.88');
});

test('need-password with payAfterSeconds: the buyer confirms by themselves', async () => {
  await fault({ kind: 'need-password', payAfterSeconds: 0.3, count: 1 });
  const o = out();
  assert.equal((await pay(o)).code, '10003');
  assert.equal((await query(o)).trade_status, 'WAIT_BUYER_PAY');
  await new Promise((r) => setTimeout(r, 450));
  assert.equal((await query(o)).trade_status, 'TRADE_SUCCESS');
  assert.deepEqual((await admin('GET', `/faults?appId=${appId}`)).body, [], 'a count of 1 is used up');
});

test('system-error applied=true: 20000, yet the trade exists and is paid', async () => {
  await fault({ kind: 'system-error', method: 'alipay.trade.pay', applied: true, count: 1 });
  const o = out();
  const res = await pay(o);
  assert.equal(res.code, '20000');
  assert.equal(res.sub_code, 'isp.unknow-error');
  const q = await query(o);
  assert.equal(q.code, '10000');
  assert.equal(q.trade_status, 'TRADE_SUCCESS');
  assert.equal((await admin('GET', `/trades?appId=${appId}&outTradeNo=${o}`)).body.length, 1);
});

test('system-error applied=false: 20000 and no trade', async () => {
  await fault({ kind: 'system-error', method: 'alipay.trade.pay', applied: false });
  const o = out();
  const res = await pay(o);
  assert.equal(res.code, '20000');
  const q = await query(o);
  assert.equal(q.code, '40004');
  assert.equal(q.sub_code, 'ACQ.TRADE_NOT_EXIST');
  assert.deepEqual((await admin('GET', `/trades?appId=${appId}&outTradeNo=${o}`)).body, []);
});

test('a fault for one method leaves the others alone; deleting it ends it', async () => {
  const f = await fault({ kind: 'system-error', method: 'alipay.trade.query' });
  const o = out();
  assert.equal((await pay(o)).code, '10000');
  assert.equal((await query(o)).code, '20000');
  assert.equal((await query(o)).code, '20000', 'no count: every call until removed');
  assert.equal((await admin('DELETE', `/faults/${f.id}`)).status, 204);
  assert.equal((await query(o)).trade_status, 'TRADE_SUCCESS');
});

test('a fault is per app: the default app is not affected', async () => {
  await fault({ kind: 'system-error' });
  const other = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
  const res = await other.exec('alipay.trade.query', { bizContent: { out_trade_no: 'nothing' } }, { validateSign: true });
  assert.equal(res.sub_code, 'ACQ.TRADE_NOT_EXIST');
});

test('insufficient-balance: ACQ.BUYER_BALANCE_NOT_ENOUGH, and the balance is untouched', async () => {
  await fault({ kind: 'insufficient-balance', count: 1 });
  const before = (await admin('GET', `/buyers/${buyer()}`)).body.balanceFen;
  const res = await pay(out());
  assert.equal(res.code, '40004');
  assert.equal(res.sub_code, 'ACQ.BUYER_BALANCE_NOT_ENOUGH');
  assert.equal((await admin('GET', `/buyers/${buyer()}`)).body.balanceFen, before);
  assert.equal((await pay(out())).code, '10000', 'the fault was for one call');
});

test('a real lack of money looks the same; PATCH balanceFen tops the buyer up', async () => {
  const poor = (await admin('POST', '/buyers', { balanceFen: 100 })).body.userId as string;
  assert.equal((await pay(out(), '1.00', poor)).code, '10000');
  assert.equal((await pay(out(), '0.01', poor)).sub_code, 'ACQ.BUYER_BALANCE_NOT_ENOUGH');
  assert.equal((await admin('PATCH', `/buyers/${poor}`, { balanceFen: 1 })).status, 200);
  assert.equal((await pay(out(), '0.01', poor)).code, '10000');
});

test('corrupt-signature: the official SDK with validateSign rejects the answer, though the call took effect', async () => {
  await fault({ kind: 'corrupt-signature', method: 'alipay.trade.pay', count: 1 });
  const o = out();
  await assert.rejects(pay(o), (err: Error) => {
    assert.match(err.message, /验签失败/);
    return true;
  });
  assert.equal((await query(o)).trade_status, 'TRADE_SUCCESS');
});

test('hang: the client times out; applied=false leaves no trade, applied=true a paid one', async () => {
  const hang = await fault({ kind: 'hang', method: 'alipay.trade.pay' });
  const o1 = out();
  await assert.rejects(pay(o1, '1.00', undefined, { timeout: 300 }), (err: Error & { code?: string; name?: string }) => {
    assert.match(`${err.name} ${err.code ?? ''} ${err.message}`, /timeout|timed out|abort/i);
    return true;
  });
  assert.equal((await admin('DELETE', `/faults/${hang.id}`)).status, 204);
  assert.equal((await query(o1)).sub_code, 'ACQ.TRADE_NOT_EXIST');

  await fault({ kind: 'hang', method: 'alipay.trade.pay', applied: true, count: 1 });
  const o2 = out();
  await assert.rejects(pay(o2, '1.00', undefined, { timeout: 300 }));
  assert.equal((await query(o2)).trade_status, 'TRADE_SUCCESS');
});
