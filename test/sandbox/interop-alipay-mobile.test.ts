/**
 * A third-party client we did not write, `alipay-mobile`, configured only with what sandbox.json
 * gives (the gateway URL, the app id and the key files), against the sandbox. It signs its own way
 * (GET with the query string, its constructor options `appId` and `gatewayUrl` sent and signed as
 * extra parameters, local-time timestamps) and does not verify answers, so this pins that the
 * sandbox accepts requests we did not shape, and that its answers carry what such a client reads.
 * The buyer's side (scanning a QR code, paying in the cashier) is played through the admin API.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AlipayMobileModule from 'alipay-mobile';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { adminCall } from '../support/sandbox-admin.js';

const dir = mkdtempSync(join(tmpdir(), 'zfb-sandbox-mobile-'));
const sandbox = await createSandbox({ stateDir: dir });
after(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const info = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as { gateway: string; adminUrl: string; appId: string; appPrivateKeyFile: string; alipayPublicKeyFile: string; buyers: { userId: string }[] };

// alipay-mobile wraps a bare private key as PKCS#1 ("BEGIN RSA PRIVATE KEY"); the sandbox's key
// file is bare PKCS#8 (as Alipay's key tool writes it), so it gets the same key as PKCS#8 PEM.
const privatePem = createPrivateKey({ key: Buffer.from(readFileSync(info.appPrivateKeyFile, 'utf8').trim(), 'base64'), format: 'der', type: 'pkcs8' })
  .export({ format: 'pem', type: 'pkcs8' })
  .toString();

type Reply = { code?: number; message?: string; data: Record<string, string> };
interface AlipayMobile {
  queryOrder(p: Record<string, unknown>): Promise<Reply>;
  tradeRefund(p: Record<string, unknown>): Promise<Reply>;
  cancelOrder(p: Record<string, unknown>): Promise<Reply>;
  tradeClose(p: Record<string, unknown>): Promise<Reply>;
  tradePrecreate(p: Record<string, unknown>): Promise<Reply>;
  createWebOrderURL(p: Record<string, unknown>): { code: number; data: string };
}
// A CommonJS module whose class is its `default` export.
const AlipayMobile = ((AlipayMobileModule as unknown as { default?: unknown }).default ?? AlipayMobileModule) as new (o: Record<string, unknown>) => AlipayMobile;
// Its README configures `app_id`; its types say `appId`. Both are given (both go on the wire).
const mobile = new AlipayMobile({ app_id: info.appId, appId: info.appId, appPrivKeyFile: privatePem, alipayPubKeyFile: readFileSync(info.alipayPublicKeyFile, 'utf8').trim(), gatewayUrl: info.gateway });

const admin = (method: string, path: string, body?: unknown) => adminCall(info.adminUrl, method, path, body);
const tradeOf = async (outTradeNo: string) => ((await admin('GET', `/trades?appId=${info.appId}&outTradeNo=${outTradeNo}`)).body as { tradeNo: string; status: string; subject: string; totalFen: number }[])[0];
const buyer = info.buyers[0]!.userId;

let n = 0;
const out = (p: string) => `AM${p}${Date.now()}${++n}`;

/** A precreated trade (QR code) that a buyer then scans and pays, via the admin API. */
async function precreatePaid(amount: string, subject = '扫码商品'): Promise<{ outTradeNo: string; tradeNo: string }> {
  const outTradeNo = out('P');
  const pre = await mobile.tradePrecreate({ out_trade_no: outTradeNo, subject, total_amount: amount });
  assert.equal(pre.data.code, '10000', JSON.stringify(pre.data));
  const t = await tradeOf(outTradeNo);
  assert.ok(t, 'the precreated trade is in the books');
  const paid = await admin('POST', `/trades/${t.tradeNo}/pay`, { buyerId: buyer });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  return { outTradeNo, tradeNo: t.tradeNo };
}

test('tradePrecreate: a QR code; query finds it once the buyer has scanned and paid', async () => {
  const outTradeNo = out('Q');
  const pre = await mobile.tradePrecreate({ out_trade_no: outTradeNo, subject: '中文商品 / 测试', total_amount: '12.30' });
  assert.equal(pre.data.code, '10000', JSON.stringify(pre.data));
  assert.equal(pre.data.out_trade_no, outTradeNo);
  assert.match(pre.data.qr_code!, /^https?:\/\//);
  const unscanned = await mobile.queryOrder({ out_trade_no: outTradeNo });
  assert.equal(unscanned.data.sub_code, 'ACQ.TRADE_NOT_EXIST', 'Alipay does not know a QR trade nobody scanned');

  const t = (await tradeOf(outTradeNo))!;
  assert.equal(t.subject, '中文商品 / 测试', 'GET parameters decoded as UTF-8');
  assert.equal(t.totalFen, 1230);
  assert.equal((await admin('POST', `/trades/${t.tradeNo}/pay`, { buyerId: buyer })).status, 200);
  const q = await mobile.queryOrder({ out_trade_no: outTradeNo });
  assert.equal(q.data.code, '10000');
  assert.equal(q.data.trade_status, 'TRADE_SUCCESS');
  assert.equal(q.data.trade_no, t.tradeNo);
  assert.equal(q.data.total_amount, '12.30');
  assert.equal((await mobile.queryOrder({ trade_no: t.tradeNo })).data.out_trade_no, outTradeNo);
});

test('tradeRefund: part, then the rest; a repeat of the same request is not paid twice', async () => {
  const { outTradeNo, tradeNo } = await precreatePaid('10.00');
  const first = await mobile.tradeRefund({ out_trade_no: outTradeNo, refund_amount: '4.00', out_request_no: 'R1', refund_reason: '部分退款' });
  assert.equal(first.data.code, '10000', JSON.stringify(first.data));
  assert.equal(first.data.refund_fee, '4.00');
  assert.equal(first.data.fund_change, 'Y');
  const again = await mobile.tradeRefund({ out_trade_no: outTradeNo, refund_amount: '4.00', out_request_no: 'R1' });
  assert.equal(again.data.code, '10000');
  assert.equal(again.data.fund_change, 'N');
  const rest = await mobile.tradeRefund({ trade_no: tradeNo, refund_amount: '6.00', out_request_no: 'R2' });
  assert.equal(rest.data.refund_fee, '10.00');
  const refunds = (await admin('GET', `/refunds?tradeNo=${tradeNo}`)).body as { amountFen: number }[];
  assert.deepEqual(refunds.map((r) => r.amountFen).sort((a, b) => a - b), [400, 600]);
  assert.equal((await mobile.queryOrder({ out_trade_no: outTradeNo })).data.trade_status, 'TRADE_CLOSED', 'fully refunded');
});

test('cancelOrder: a paid trade is refunded (action refund)', async () => {
  const { outTradeNo, tradeNo } = await precreatePaid('3.00');
  const before = (await admin('GET', `/buyers/${buyer}`)).body.balanceFen as number;
  const res = await mobile.cancelOrder({ out_trade_no: outTradeNo });
  assert.equal(res.data.code, '10000', JSON.stringify(res.data));
  assert.equal(res.data.action, 'refund');
  assert.equal(res.data.retry_flag, 'N');
  assert.equal((await admin('GET', `/buyers/${buyer}`)).body.balanceFen, before + 300);
  assert.equal((await admin('GET', `/trades/${tradeNo}`)).body.status, 'TRADE_CLOSED');
});

test('tradeClose and cancelOrder on a trade the buyer is still confirming (10003)', async () => {
  // A barcode payment left waiting for the buyer's password, made with the official SDK.
  const official = new AlipaySdk({ appId: info.appId, privateKey: privatePem, keyType: 'PKCS8', alipayPublicKey: readFileSync(info.alipayPublicKeyFile, 'utf8'), gateway: info.gateway, camelcase: false });
  const waiting = async () => {
    assert.equal((await admin('POST', '/faults', { appId: info.appId, kind: 'need-password', method: 'alipay.trade.pay', count: 1 })).status, 201);
    const code = (await admin('POST', `/buyers/${buyer}/payment-code`)).body.authCode;
    const outTradeNo = out('W');
    const res = await official.exec('alipay.trade.pay', { bizContent: { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: code, subject: 'w', total_amount: '2.00' } }, { validateSign: true });
    assert.equal(res.code, '10003');
    return outTradeNo;
  };

  const toClose = await waiting();
  const closed = await mobile.tradeClose({ out_trade_no: toClose });
  assert.equal(closed.data.code, '10000', JSON.stringify(closed.data));
  assert.equal(closed.data.out_trade_no, toClose);
  assert.equal((await mobile.queryOrder({ out_trade_no: toClose })).data.trade_status, 'TRADE_CLOSED');
  assert.equal((await mobile.tradeClose({ out_trade_no: 'AM-never-made' })).data.sub_code, 'ACQ.TRADE_NOT_EXIST');

  const toCancel = await waiting();
  const cancelled = await mobile.cancelOrder({ out_trade_no: toCancel });
  assert.equal(cancelled.data.code, '10000');
  assert.equal(cancelled.data.action, 'close');
  assert.equal((await tradeOf(toCancel))!.status, 'TRADE_CLOSED');
});

test('createWebOrderURL: the link opens the sandbox cashier; paid there, the query agrees', async () => {
  const outTradeNo = out('H5');
  const link = mobile.createWebOrderURL({ out_trade_no: outTradeNo, subject: '手机网站', total_amount: '0.01' });
  assert.equal(link.code, 0);
  assert.ok(link.data.startsWith(`${info.gateway}?`));
  const res = await fetch(link.data, { redirect: 'manual' });
  const body = await res.text();
  assert.ok(res.status === 302 || res.status === 200, `status ${res.status}`);
  assert.ok(!body.includes('系统出现错误'), body.slice(0, 400));
  const t = await tradeOf(outTradeNo);
  assert.ok(t, 'opening the link made a waiting trade');
  assert.equal(t.status, 'WAIT_BUYER_PAY');
  if (res.status === 302) assert.match(res.headers.get('location') ?? '', new RegExp(t.tradeNo));
  assert.equal((await admin('POST', `/trades/${t.tradeNo}/pay`, { buyerId: buyer })).status, 200);
  assert.equal((await mobile.queryOrder({ out_trade_no: outTradeNo })).data.trade_status, 'TRADE_SUCCESS');
});

test('a request signed with another key is refused with isv.invalid-signature', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const wrong = new AlipayMobile({ app_id: info.appId, appId: info.appId, appPrivKeyFile: other, alipayPubKeyFile: readFileSync(info.alipayPublicKeyFile, 'utf8').trim(), gatewayUrl: info.gateway });
  const res = await wrong.queryOrder({ out_trade_no: 'x' });
  assert.equal(res.data.code, '40002');
  assert.equal(res.data.sub_code, 'isv.invalid-signature');
});
