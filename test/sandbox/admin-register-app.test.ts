/**
 * An app registered through the admin API with a key made here is an app the gateway knows: the
 * official alipay-sdk configured with that key pays, queries and refunds; the admin API sees the
 * result; a key change takes effect at once; openid mode speaks buyer_open_id.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { adminCall } from '../support/sandbox-admin.js';

const sandbox = await createSandbox();
after(() => sandbox.close());

const admin = (method: string, path: string, body?: unknown) => adminCall(sandbox.adminUrl, method, path, body);

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

const official = (appId: string, privateKey: string) =>
  new AlipaySdk({ appId, privateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const code = async (userId: string) => (await admin('POST', `/buyers/${userId}/payment-code`)).body.authCode as string;

test('register an app, then pay, query and refund with the official SDK configured with its key', async () => {
  const keys = keyPair();
  const reg = await admin('POST', '/apps', { name: 'interop shop', publicKey: keys.publicKey });
  assert.equal(reg.status, 201);
  const { appId, sellerId } = reg.body;
  const sdk = official(appId, keys.privateKey);
  const buyer = (await admin('POST', '/buyers', { balanceFen: 100_00 })).body;

  const paid = await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'REG-1', scene: 'bar_code', auth_code: await code(buyer.userId), subject: '注册的应用', total_amount: '12.34' } }, { validateSign: true });
  assert.equal(paid.code, '10000', JSON.stringify(paid));
  assert.equal(paid.buyer_user_id, buyer.userId);

  const q = await sdk.exec('alipay.trade.query', { bizContent: { trade_no: paid.trade_no } }, { validateSign: true });
  assert.equal(q.trade_status, 'TRADE_SUCCESS');

  const refund = await sdk.exec('alipay.trade.refund', { bizContent: { out_trade_no: 'REG-1', refund_amount: '2.34', out_request_no: 'RR-1' } }, { validateSign: true });
  assert.equal(refund.code, '10000', JSON.stringify(refund));

  const trade = (await admin('GET', `/trades/${paid.trade_no}`)).body;
  assert.equal(trade.appId, appId);
  assert.equal(trade.sellerId, sellerId);
  assert.equal(trade.totalFen, 1234);
  assert.equal(trade.refundedFen, 234);
  assert.deepEqual(trade.refunds.map((r: { outRequestNo: string; amountFen: number }) => [r.outRequestNo, r.amountFen]), [['RR-1', 234]]);
  assert.equal((await admin('GET', `/buyers/${buyer.userId}`)).body.balanceFen, 100_00 - 1234 + 234);
  assert.deepEqual((await admin('GET', `/trades?appId=${appId}`)).body.map((t: { tradeNo: string }) => t.tradeNo), [paid.trade_no]);
  assert.deepEqual((await admin('GET', `/refunds?appId=${appId}`)).body.map((r: { tradeNo: string }) => r.tradeNo), [paid.trade_no]);
});

test('another app\'s key is refused (isv.invalid-signature); a PATCHed key takes effect at once', async () => {
  const first = keyPair();
  const second = keyPair();
  const { appId } = (await admin('POST', '/apps', { publicKey: first.publicKey })).body;
  const queryWith = (key: string) => official(appId, key).exec('alipay.trade.query', { bizContent: { out_trade_no: 'none' } });
  assert.equal((await queryWith(second.privateKey)).sub_code, 'isv.invalid-signature');
  assert.equal((await queryWith(first.privateKey)).sub_code, 'ACQ.TRADE_NOT_EXIST');
  assert.equal((await admin('PATCH', `/apps/${appId}`, { publicKey: second.publicKey })).status, 200);
  assert.equal((await queryWith(first.privateKey)).sub_code, 'isv.invalid-signature');
  assert.equal((await queryWith(second.privateKey)).sub_code, 'ACQ.TRADE_NOT_EXIST');
});

test('an openid-mode app sees buyer_open_id, the one GET /admin/buyers?appId= gives', async () => {
  const keys = keyPair();
  const { appId } = (await admin('POST', '/apps', { publicKey: keys.publicKey, openIdMode: true })).body;
  const buyer = (await admin('POST', '/buyers', { balanceFen: 10_00 })).body;
  const paid = await official(appId, keys.privateKey).exec('alipay.trade.pay', { bizContent: { out_trade_no: 'OID-1', scene: 'bar_code', auth_code: await code(buyer.userId), subject: 'o', total_amount: '1.00' } }, { validateSign: true });
  assert.equal(paid.code, '10000');
  assert.equal(paid.buyer_user_id, undefined);
  const listed = (await admin('GET', `/buyers?appId=${appId}`)).body.find((b: { userId: string }) => b.userId === buyer.userId);
  assert.equal(paid.buyer_open_id, listed.openId);
});

test('issueAppCert: the sandbox certifies the key; the official SDK in certificate mode pays with it', async () => {
  const certSandbox = await createSandbox({ certificates: true });
  try {
    const keys = keyPair();
    const post = await fetch(`${certSandbox.adminUrl}/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ publicKey: keys.publicKey, issueAppCert: true }) });
    assert.equal(post.status, 201);
    const app = (await post.json()) as { appId: string; appCert: string; appCertSn: string; keyMode: string };
    assert.equal(app.keyMode, 'certificate');
    assert.match(app.appCert, /^-----BEGIN CERTIFICATE-----/);
    const index = (await (await fetch(certSandbox.adminUrl)).json()) as { certificates: { alipayPublicCert: string; alipayRootCert: string } };
    const sdk = new AlipaySdk({
      appId: app.appId,
      privateKey: keys.privateKey,
      keyType: 'PKCS8',
      gateway: certSandbox.gateway,
      appCertContent: app.appCert,
      alipayPublicCertContent: index.certificates.alipayPublicCert,
      alipayRootCertContent: index.certificates.alipayRootCert,
      camelcase: false,
    });
    const auth = certSandbox.ctx.ledger.issuePaymentCode(certSandbox.buyers[0]!.userId).code;
    const paid = await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'CERT-ADM-1', scene: 'bar_code', auth_code: auth, subject: 'c', total_amount: '1.00' } }, { validateSign: true });
    assert.equal(paid.code, '10000', JSON.stringify(paid));
  } finally {
    await certSandbox.close();
  }
});

test('issueAppCert needs certificate mode on and a publicKey', async () => {
  const keys = keyPair();
  const off = await admin('POST', '/apps', { publicKey: keys.publicKey, issueAppCert: true });
  assert.equal(off.status, 400);
  assert.equal(off.body.field, 'issueAppCert');
  const noKey = await admin('POST', '/apps', { issueAppCert: true });
  assert.equal(noKey.status, 400);
  assert.equal(noKey.body.field, 'publicKey');
});
