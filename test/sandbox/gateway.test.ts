/**
 * The gateway as the official alipay-sdk sees it: requests checked like Alipay checks them,
 * responses that verify in the official client, Alipay's own error codes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { AlipayClient, AlipayGatewayError } from '../../src/alipay/index.js';

const sandbox = await createSandbox();
after(() => sandbox.close());

const official = (extra: Record<string, unknown> = {}) =>
  new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false, ...extra });
const buyer = () => sandbox.buyers[0]!;
const code = () => sandbox.ctx.ledger.issuePaymentCode(buyer().userId).code;

test('barcode pay with the official SDK: 10000, verified, and the query agrees', async () => {
  const sdk = official();
  const res = await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'GW-1', scene: 'bar_code', auth_code: code(), subject: '咖啡 /latte', total_amount: '12.34' } }, { validateSign: true });
  assert.equal(res.code, '10000');
  assert.equal(res.total_amount, '12.34');
  assert.match(res.trade_no, /^\d{8}22001\d{15}$/);
  const q = await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: 'GW-1' } }, { validateSign: true });
  assert.equal(q.trade_status, 'TRADE_SUCCESS');
  assert.equal(q.trade_no, res.trade_no);
});

test('a payment code works once', async () => {
  const sdk = official();
  const c = code();
  assert.equal((await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'GW-2', scene: 'bar_code', auth_code: c, subject: 's', total_amount: '1.00' } }, { validateSign: true })).code, '10000');
  const again = await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'GW-3', scene: 'bar_code', auth_code: c, subject: 's', total_amount: '1.00' } }, { validateSign: true });
  assert.equal(again.sub_code, 'ACQ.PAYMENT_AUTH_CODE_INVALID');
});

test('a tampered request is refused with isv.invalid-signature and the computed string', async () => {
  const client = new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway });
  const { params } = client.sign('alipay.trade.query', { bizContent: { out_trade_no: 'GW-1' } });
  const tampered = { ...params, biz_content: '{"out_trade_no":"GW-2"}' };
  const res = await fetch(sandbox.gateway, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(tampered) });
  const text = await res.text();
  await assert.rejects(async () => client.parseResponse('alipay.trade.query', text), (e: unknown) => {
    assert.ok(e instanceof AlipayGatewayError);
    assert.equal(e.gatewayCode, '40002');
    assert.equal(e.subCode, 'isv.invalid-signature');
    assert.match(e.subMsg ?? '', /app_id=.*&biz_content=\{"out_trade_no":"GW-2"\}&charset=utf-8&method=alipay\.trade\.query&sign_type=RSA2&timestamp=.*&version=1\.0/);
    return true;
  });
});

test('missing and invalid common parameters get Alipay\'s codes', async () => {
  const post = async (p: Record<string, string>) => JSON.parse(await (await fetch(sandbox.gateway, { method: 'POST', body: new URLSearchParams(p) })).text());
  const base = { app_id: sandbox.appId, method: 'alipay.trade.query', charset: 'utf-8', sign_type: 'RSA2', sign: 'x', timestamp: '2026-11-21 10:00:00', version: '1.0' };
  const { method: _m, ...noMethod } = base;
  assert.equal((await post(noMethod)).error_response.sub_code, 'isv.missing-method');
  const { sign: _s, ...noSign } = base;
  assert.equal((await post(noSign)).alipay_trade_query_response.sub_code, 'isv.missing-signature');
  assert.equal((await post({ ...base, app_id: '2021999999999999' })).alipay_trade_query_response.sub_code, 'isv.invalid-app-id');
  assert.equal((await post({ ...base, method: 'alipay.no.such' })).alipay_no_such_response.sub_code, 'isv.invalid-method');
  assert.equal((await post({ ...base, timestamp: '2026/11/21' })).alipay_trade_query_response.sub_code, 'isv.invalid-timestamp');
  assert.equal((await post({ ...base, sign_type: 'MD5' })).alipay_trade_query_response.sub_code, 'isv.invalid-signature-type');
});
