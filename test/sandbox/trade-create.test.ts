/**
 * Trades created ahead of payment — alipay.trade.precreate (QR code), alipay.trade.create (JSAPI,
 * bound buyer, user-id and openid apps) and alipay.trade.app.pay accepted at the gateway — through
 * the official alipay-sdk with every answer verified, and our client where it helps.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { openIdFor } from '../../src/sandbox/ids.js';
import { qrCodeOf } from '../../src/sandbox/methods/trade-precreate.js';
import { LedgerError } from '../../src/sandbox/state/ledger.js';
import { AlipayClient } from '../../src/alipay/index.js';

const sandbox = await createSandbox();
after(() => sandbox.close());
const { ledger } = sandbox.ctx;

const sdkFor = (appId: string) => new AlipaySdk({ appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const sdk = sdkFor(sandbox.appId);
const exec = (method: string, bizContent: Record<string, unknown>, client = sdk) => client.exec(method, { bizContent }, { validateSign: true });
const [alice, bob] = [sandbox.buyers[0]!.userId, sandbox.buyers[1]!.userId];

// A second app, in openid mode, with the same key pair.
const OPENID_APP = '9021000100000002';
ledger.putApp({ ...ledger.app(sandbox.appId)!, appId: OPENID_APP, name: 'openid app', openIdMode: true });
const openSdk = sdkFor(OPENID_APP);

test('precreate: a QR code, and no trade until a buyer scans it', async () => {
  const res = await exec('alipay.trade.precreate', { out_trade_no: 'PC-1', total_amount: '9.90', subject: '扫码点单', store_id: 'S01' });
  assert.equal(res.code, '10000');
  assert.equal(res.out_trade_no, 'PC-1');
  assert.ok(res.qr_code.startsWith(`${sandbox.baseUrl}/qr/bax0`), res.qr_code);
  assert.equal(res.trade_no, undefined);

  for (const method of ['alipay.trade.query', 'alipay.trade.close']) {
    const r = await exec(method, { out_trade_no: 'PC-1' });
    assert.equal(r.code, '40004', method);
    assert.equal(r.sub_code, 'ACQ.TRADE_NOT_EXIST', method);
  }
  assert.equal((await exec('alipay.trade.refund', { out_trade_no: 'PC-1', refund_amount: '9.90' })).sub_code, 'ACQ.TRADE_NOT_EXIST');

  const again = await exec('alipay.trade.precreate', { out_trade_no: 'PC-1', total_amount: '9.90', subject: '扫码点单', store_id: 'S01' });
  assert.equal(again.qr_code, res.qr_code, 'the same order asks for the same code');
  const changed = await exec('alipay.trade.precreate', { out_trade_no: 'PC-1', total_amount: '19.90', subject: '扫码点单' });
  assert.equal(changed.code, '40004');
  assert.equal(changed.sub_code, 'ACQ.CONTEXT_INCONSISTENT');

  // What the pages part does when a buyer scans and pays.
  const token = res.qr_code.split('/').pop();
  const qr = qrCodeOf(sandbox.ctx, token)!;
  assert.equal(qr.outTradeNo, 'PC-1');
  ledger.updateWaiting(qr.tradeNo, { buyerUserId: alice });
  const scanned = await exec('alipay.trade.query', { out_trade_no: 'PC-1' });
  assert.equal(scanned.trade_status, 'WAIT_BUYER_PAY');
  assert.equal(scanned.trade_no, qr.tradeNo);
  ledger.pay(qr.tradeNo, alice);
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'PC-1' })).trade_status, 'TRADE_SUCCESS');
});

test('cancel of a precreate nobody scanned: nothing to undo for Alipay, and the code no longer pays', async () => {
  const res = await exec('alipay.trade.precreate', { out_trade_no: 'PC-2', total_amount: '1.00', subject: 's' });
  const cancel = await exec('alipay.trade.cancel', { out_trade_no: 'PC-2' });
  assert.equal(cancel.code, '10000');
  assert.equal(cancel.retry_flag, 'N');
  assert.equal(cancel.action, undefined);
  const qr = qrCodeOf(sandbox.ctx, res.qr_code.split('/').pop())!;
  assert.equal(ledger.trade(qr.tradeNo)!.status, 'TRADE_CLOSED');
  assert.throws(() => ledger.pay(qr.tradeNo, alice), (e: unknown) => e instanceof LedgerError && e.subCode === 'ACQ.TRADE_STATUS_ERROR');
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'PC-2' })).sub_code, 'ACQ.TRADE_NOT_EXIST');
});

test('create with buyer_id: bound to that buyer', async () => {
  const res = await exec('alipay.trade.create', { out_trade_no: 'CR-1', total_amount: '15.00', subject: '小程序订单', buyer_id: alice });
  assert.equal(res.code, '10000');
  assert.equal(res.out_trade_no, 'CR-1');
  assert.match(res.trade_no, /^\d{8}22001\d{15}$/);
  const q = await exec('alipay.trade.query', { trade_no: res.trade_no });
  assert.equal(q.trade_status, 'WAIT_BUYER_PAY');
  assert.equal(q.buyer_user_id, alice);
  const trade = ledger.trade(res.trade_no)!;
  assert.equal(trade.boundBuyer, true);
  assert.equal(trade.productCode, 'JSAPI_PAY');

  const same = await exec('alipay.trade.create', { out_trade_no: 'CR-1', total_amount: '15.00', subject: '小程序订单', buyer_id: alice });
  assert.equal(same.trade_no, res.trade_no, 'repeating the same create is idempotent');
  const other = await exec('alipay.trade.create', { out_trade_no: 'CR-1', total_amount: '15.00', subject: '小程序订单', buyer_id: bob });
  assert.equal(other.sub_code, 'ACQ.CONTEXT_INCONSISTENT');

  assert.throws(() => ledger.pay(res.trade_no, bob), (e: unknown) => e instanceof LedgerError && e.subCode === 'ACQ.TRADE_BUYER_NOT_MATCH');
  ledger.pay(res.trade_no, alice);
  assert.equal((await exec('alipay.trade.query', { trade_no: res.trade_no })).trade_status, 'TRADE_SUCCESS');
  const again = await exec('alipay.trade.create', { out_trade_no: 'CR-1', total_amount: '15.00', subject: '小程序订单', buyer_id: alice });
  assert.equal(again.sub_code, 'ACQ.TRADE_HAS_SUCCESS');
});

test('create needs exactly one known buyer', async () => {
  const none = await exec('alipay.trade.create', { out_trade_no: 'CR-2', total_amount: '1.00', subject: 's' });
  assert.equal(none.code, '40004');
  assert.equal(none.sub_code, 'ACQ.INVALID_PARAMETER');
  const unknown = await exec('alipay.trade.create', { out_trade_no: 'CR-2', total_amount: '1.00', subject: 's', buyer_id: '2088000000000000' });
  assert.equal(unknown.sub_code, 'ACQ.INVALID_PARAMETER');
  const openIdOnUserIdApp = await exec('alipay.trade.create', { out_trade_no: 'CR-2', total_amount: '1.00', subject: 's', buyer_open_id: openIdFor(sandbox.ctx.identity.secret, sandbox.appId, alice) });
  assert.equal(openIdOnUserIdApp.sub_code, 'ACQ.INVALID_PARAMETER');
  assert.equal(ledger.tradeByOutTradeNo(sandbox.appId, 'CR-2'), undefined, 'nothing was created');
});

test('create with buyer_open_id on an openid app: the answers speak open ids', async () => {
  const openId = openIdFor(sandbox.ctx.identity.secret, OPENID_APP, bob);
  const res = await exec('alipay.trade.create', { out_trade_no: 'CR-O1', total_amount: '2.00', subject: 's', buyer_open_id: openId }, openSdk);
  assert.equal(res.code, '10000');
  assert.equal(ledger.trade(res.trade_no)!.buyerUserId, bob);
  const q = await exec('alipay.trade.query', { out_trade_no: 'CR-O1' }, openSdk);
  assert.equal(q.buyer_open_id, openId);
  assert.equal(q.buyer_user_id, undefined);
  const wrongApp = await exec('alipay.trade.create', { out_trade_no: 'CR-O2', total_amount: '2.00', subject: 's', buyer_open_id: openIdFor(sandbox.ctx.identity.secret, sandbox.appId, bob) }, openSdk);
  assert.equal(wrongApp.sub_code, 'ACQ.INVALID_PARAMETER', "another app's open id names nobody here");
});

test('our client: typed create and precreate', async () => {
  const client = new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway });
  const created = await client.api.trade.create({ out_trade_no: 'CR-C1', total_amount: '3.00', subject: 's', buyer_id: alice });
  assert.equal(created.out_trade_no, 'CR-C1');
  const pre = await client.api.trade.precreate({ out_trade_no: 'PC-C1', total_amount: '3.00', subject: 's' }, { notifyUrl: 'https://merchant.example/notify' });
  assert.ok(pre.qr_code?.includes('/qr/'));
  const qr = qrCodeOf(sandbox.ctx, pre.qr_code!.split('/').pop()!)!;
  assert.equal(ledger.trade(qr.tradeNo)!.notifyUrl, 'https://merchant.example/notify');
});

test('app.pay at the gateway (sandbox convenience): the trade exists, waiting', async () => {
  const res = await exec('alipay.trade.app.pay', { out_trade_no: 'AP-1', total_amount: '6.66', subject: 'App 订单', product_code: 'QUICK_MSECURITY_PAY' });
  assert.equal(res.code, '10000');
  assert.equal(res.out_trade_no, 'AP-1');
  assert.equal(res.total_amount, '6.66');
  assert.equal(res.app_id, sandbox.appId);
  assert.match(res.trade_no, /^\d{8}22001\d{15}$/);
  const q = await exec('alipay.trade.query', { out_trade_no: 'AP-1' });
  assert.equal(q.trade_status, 'WAIT_BUYER_PAY');
  assert.equal(ledger.trade(res.trade_no)!.productCode, 'QUICK_MSECURITY_PAY');
  const wrongProduct = await exec('alipay.trade.app.pay', { out_trade_no: 'AP-2', total_amount: '1.00', subject: 's', product_code: 'FAST_INSTANT_TRADE_PAY' });
  assert.equal(wrongProduct.sub_code, 'ACQ.INVALID_PARAMETER');
});
