/**
 * Certificate mode and AES through the whole client: requests carry app_cert_sn and
 * alipay_root_cert_sn, responses are verified with the Alipay certificate whose SN matches
 * alipay_cert_sn (several configured for rotation), and AES requests/responses round-trip.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { AlipayClient } from './client.js';
import { AlipayConfigError, AlipayGatewayError, AlipaySignatureError } from './errors.js';
import { certSn, rootCertSn } from './cert/sn.js';
import { aesEncrypt } from './aes.js';
import { startGateway } from '../../test/support/fake-gateway.js';
import { signedResponse, rsaSign } from '../../test/support/alipay-signing.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/certs/${name}`, import.meta.url), 'utf8');
const appCert = fixture('appCertPublicKey.crt');
const rootCert = fixture('alipayRootCert.crt');
const alipayCert = fixture('alipayCertPublicKey_RSA2.crt');
const alipayCertNext = fixture('alipayCertPublicKey_RSA2_next.crt');
const alipayKey = createPrivateKey(fixture('alipay-private-key.pem'));
const alipayKeyNext = createPrivateKey(fixture('alipay-private-key-next.pem'));
const appPrivateKey = fixture('app-private-key.pem');
const APP_ID = '2021000123456789';

const gw = await startGateway();
const certGw = await startGateway(createPublicKey(appPrivateKey));
after(() => Promise.all([gw.close(), certGw.close()]));

function certClient(alipayPublicCert: string | string[] = alipayCert, extra: Record<string, unknown> = {}) {
  return new AlipayClient({ appId: APP_ID, privateKey: appPrivateKey, appCert, alipayRootCert: rootCert, alipayPublicCert, gateway: certGw.url, ...extra });
}

test('cert mode: requests carry the app and root cert SNs, equal to the official SDK\'s', () => {
  const official = new AlipaySdk({ appId: APP_ID, privateKey: appPrivateKey, appCertContent: appCert, alipayRootCertContent: rootCert, alipayPublicCertContent: alipayCert, camelcase: false });
  const theirs = Object.fromEntries(official.sdkExecute('alipay.trade.query', { bizContent: { out_trade_no: 'C1' } }, { bizContentAutoSnakeCase: false }).split('&').map((kv) => kv.split('=').map(decodeURIComponent) as [string, string]));
  const ours = certClient().sign('alipay.trade.query', { bizContent: { out_trade_no: 'C1' }, timestamp: theirs.timestamp }).params;
  assert.equal(ours.app_cert_sn, certSn(appCert));
  assert.equal(ours.alipay_root_cert_sn, rootCertSn(rootCert));
  assert.equal(ours.app_cert_sn, theirs.app_cert_sn);
  assert.equal(ours.alipay_root_cert_sn, theirs.alipay_root_cert_sn);
  assert.equal(ours.sign, theirs.sign);
});

test('cert mode: the response is verified with the certificate named by alipay_cert_sn; rotation works', async () => {
  const client = certClient([alipayCert, alipayCertNext]);
  certGw.respond((p) => signedResponse(p.method!, { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS' }, alipayKey, { certSn: certSn(alipayCert) }));
  assert.equal((await client.api.trade.query({ out_trade_no: 'C1' })).trade_status, 'TRADE_SUCCESS');
  certGw.respond((p) => signedResponse(p.method!, { code: '10000', msg: 'Success', trade_status: 'WAIT_BUYER_PAY' }, alipayKeyNext, { certSn: certSn(alipayCertNext) }));
  assert.equal((await client.api.trade.query({ out_trade_no: 'C1' })).trade_status, 'WAIT_BUYER_PAY');
});

test('cert mode: unknown, missing or mismatched alipay_cert_sn are distinct errors', async () => {
  const client = certClient();
  const expectCode = async (code: string) => assert.rejects(client.api.trade.query({ out_trade_no: 'C1' }), (e: unknown) => e instanceof AlipaySignatureError && e.code === code);
  certGw.respond((p) => signedResponse(p.method!, { code: '10000', msg: 'Success' }, alipayKeyNext, { certSn: certSn(alipayCertNext) }));
  await expectCode('ERR_RESPONSE_CERT_SN');
  certGw.respond((p) => signedResponse(p.method!, { code: '10000', msg: 'Success' }, alipayKey));
  await expectCode('ERR_RESPONSE_CERT_SN');
  // The SN of the configured certificate, but signed with another key: a signature error.
  certGw.respond((p) => signedResponse(p.method!, { code: '10000', msg: 'Success' }, alipayKeyNext, { certSn: certSn(alipayCert) }));
  await expectCode('ERR_RESPONSE_SIGNATURE');
});

test('cert mode: a failure without alipay_cert_sn is checked against the configured certificates', async () => {
  const client = certClient([alipayCert, alipayCertNext]);
  certGw.respond((p) => signedResponse(p.method!, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: '交易不存在' }, alipayKeyNext));
  await assert.rejects(client.api.trade.query({ out_trade_no: 'C1' }), (e: unknown) => e instanceof AlipayGatewayError && e.subCode === 'ACQ.TRADE_NOT_EXIST' && (e as unknown as { verified: boolean }).verified);
  certGw.respond((p) => signedResponse(p.method!, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' }, createPrivateKey(fixture('app-private-key.pem'))));
  await assert.rejects(client.api.trade.query({ out_trade_no: 'C1' }), (e: unknown) => e instanceof AlipaySignatureError && e.code === 'ERR_RESPONSE_SIGNATURE');
});

test('cert mode: notifies verify with any configured Alipay certificate', () => {
  const params: Record<string, string> = { notify_id: 'n1', notify_type: 'trade_status_sync', notify_time: '2026-11-21 10:00:00', app_id: APP_ID, out_trade_no: 'C1', trade_status: 'TRADE_SUCCESS', total_amount: '1.00', charset: 'utf-8' };
  const content = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const body = new URLSearchParams({ ...params, sign_type: 'RSA2', sign: rsaSign(content, alipayKeyNext) }).toString();
  assert.equal(certClient([alipayCert, alipayCertNext]).verifyNotify(body).out_trade_no, 'C1');
  assert.throws(() => certClient([alipayCert]).verifyNotify(body), AlipaySignatureError);
});

test('cert mode configuration mistakes name the field', () => {
  assert.throws(() => certClient(alipayCert, { appCert: undefined }), (e: unknown) => e instanceof AlipayConfigError && e.field === 'appCert');
  assert.throws(() => certClient(alipayCert, { alipayPublicKey: 'x' }), (e: unknown) => e instanceof AlipayConfigError && e.field === 'alipayPublicKey');
  assert.throws(() => certClient(['not a cert']), (e: unknown) => e instanceof AlipayConfigError && e.field === 'alipayPublicCert');
});

const AES_KEY = 'aYA0GP8JEW+D7/UFaskCWA==';

test('AES: biz_content is encrypted then signed; an encrypted response is verified then decrypted', async () => {
  const { alipayKeys } = await import('../../test/support/keys.js');
  const client = gw.client({ encryptKey: AES_KEY });
  gw.respond((p) => {
    assert.equal(p.encrypt_type, 'AES');
    assert.notEqual(p.biz_content, '{"out_trade_no":"A1"}');
    const cipher = aesEncrypt('{"code":"10000","msg":"Success","out_trade_no":"A1","note":"加密"}', AES_KEY);
    const quoted = `"${cipher}"`;
    return `{"alipay_trade_query_response":${quoted},"sign":"${rsaSign(quoted, alipayKeys.privateKey)}"}`;
  });
  const node = await client.call('alipay.trade.query', { bizContent: { out_trade_no: 'A1' }, encrypt: true });
  assert.equal(node.note, '加密');
  assert.equal(gw.requests.at(-1)!.biz_content, aesEncrypt('{"out_trade_no":"A1"}', AES_KEY));
  // A gateway that could not decrypt answers in plaintext: still a verified business error.
  gw.respond((p) => signedResponse(p.method!, { code: '40003', msg: 'Insufficient Conditions', sub_code: 'isv.decryption-error-unknown', sub_msg: '解密出错, 未知错误' }, alipayKeys.privateKey));
  await assert.rejects(client.call('alipay.trade.query', { bizContent: { out_trade_no: 'A1' }, encrypt: true }), /isv\.decryption-error-unknown/);
  assert.throws(() => gw.client().sign('alipay.trade.query', { bizContent: {}, encrypt: true }), /encryptKey/);
});
