/** Certificate mode through the sandbox: the official SDK in cert mode, and zfb's client. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox, CERT_APP_ID } from '../../src/sandbox/index.js';
import { AlipayClient, AlipayGatewayError } from '../../src/alipay/index.js';

const dir = mkdtempSync(join(tmpdir(), 'zfb-sandbox-cert-'));
const sandbox = await createSandbox({ stateDir: dir });
after(() => sandbox.close());
const cert = sandbox.certApp!;

test('sandbox.json names the certificate files, which hold the PEMs', () => {
  const info = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
  assert.equal(info.certApp.appId, CERT_APP_ID);
  assert.equal(readFileSync(info.certApp.appCertFile, 'utf8'), cert.appCert);
  assert.equal(readFileSync(info.certApp.alipayRootCertFile, 'utf8'), cert.alipayRootCert);
  assert.equal(readFileSync(info.certApp.alipayPublicCertFile, 'utf8'), cert.alipayPublicCert);
  assert.equal(info.appPrivateKey, undefined, 'sandbox.json points at the key file instead of holding the key');
});

test('the official SDK in certificate mode: SNs accepted, response verified with alipay_cert_sn', async () => {
  const sdk = new AlipaySdk({ appId: CERT_APP_ID, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', gateway: sandbox.gateway, appCertContent: cert.appCert, alipayRootCertContent: cert.alipayRootCert, alipayPublicCertContent: cert.alipayPublicCert, camelcase: false });
  const auth = sandbox.ctx.ledger.issuePaymentCode(sandbox.buyers[0]!.userId).code;
  const res = await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'CERT-1', scene: 'bar_code', auth_code: auth, subject: 'cert', total_amount: '2.00' } }, { validateSign: true });
  assert.equal(res.code, '10000');
});

test('zfb\'s client in certificate mode; a request with another app cert SN is refused', async () => {
  const client = new AlipayClient({ appId: CERT_APP_ID, privateKey: sandbox.appPrivateKey, gateway: sandbox.gateway, appCert: cert.appCert, alipayRootCert: cert.alipayRootCert, alipayPublicCert: cert.alipayPublicCert });
  const q = await client.api.trade.query({ out_trade_no: 'CERT-1' });
  assert.equal(q.trade_status, 'TRADE_SUCCESS');
  // The default (public-key) app's certificate is not this app's: app_cert_sn mismatch.
  const wrong = new AlipayClient({ appId: CERT_APP_ID, privateKey: sandbox.appPrivateKey, gateway: sandbox.gateway, appCert: readFileSync(new URL('../fixtures/certs/appCertPublicKey.crt', import.meta.url), 'utf8'), alipayRootCert: cert.alipayRootCert, alipayPublicCert: cert.alipayPublicCert });
  await assert.rejects(wrong.api.trade.query({ out_trade_no: 'CERT-1' }), (e: unknown) => e instanceof AlipayGatewayError && e.subCode === 'isv.invalid-app-cert-sn');
});

test('a restart keeps the PKI: same certificates and SNs', async () => {
  const again = await createSandbox({ stateDir: dir });
  try {
    assert.equal(again.certApp!.appCert, cert.appCert);
    assert.equal(again.certApp!.alipayPublicCert, cert.alipayPublicCert);
    assert.equal(again.ctx.identity.alipayCertSn, sandbox.ctx.identity.alipayCertSn);
  } finally {
    await again.close();
  }
});
