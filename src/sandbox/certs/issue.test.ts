import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, verify, X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { certIssuerName, certSn, publicKeyOfCert, rootCertSn, splitPemCertificates } from '../../alipay/cert/sn.js';
import { certificateSignatureOid, children, readTlv } from '../../alipay/cert/der.js';
import {
  createSandboxPki,
  issueAppCert,
  issueCertificate,
  pkiFromJson,
  pkiPublicFiles,
  pkiToJson,
  SandboxPkiError,
  type SandboxPki,
} from './issue.js';

// The official SDK, loaded by path (its package exports only the root entry), as the reference
// that our SN code and our certificates are both checked against.
const require = createRequire(import.meta.url);
const official: { getSN(data: string | Buffer, isRoot?: boolean): string } = require(
  new URL('../../../node_modules/alipay-sdk/dist/commonjs/antcertutil.js', import.meta.url).pathname,
);

const pki = createSandboxPki();
const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP_ID = '2021000000000042';
const appCertPem = issueAppCert(pki, appKeys.publicKey, APP_ID);
// A second PKI, made around an existing Alipay key.
const existingAlipayKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const otherPki = createSandboxPki({ alipayPrivateKey: existingAlipayKey });

const x = (pem: string) => new X509Certificate(pem);
const allCerts = (p: SandboxPki) => [p.root, p.ecRoot, p.legacyRoot, p.intermediate, p.alipay].map((c) => c.certPem);

/** The TBSCertificate's fields as [tag, DER] pairs. */
function tbsFields(pem: string): { tag: number; der: Buffer }[] {
  const der = Buffer.from(x(pem).raw);
  const tbs = children(der, readTlv(der, 0))[0]!;
  return children(der, tbs).map((f) => ({ tag: f.tag, der: der.subarray(f.offset, f.end) }));
}

test('every issued certificate parses, with the expected names, CA flags, key sizes and serials', () => {
  const expected = [
    ['CN=zfb Sandbox Root CA R1', true, 'rsa'],
    ['CN=zfb Sandbox Root CA E1', true, 'ec'],
    ['CN=zfb Sandbox Class 2 Root CA - G3', true, 'rsa'],
    ['CN=zfb Sandbox Certification Authority Class 1 R1', true, 'rsa'],
    ['CN=支付宝(中国)网络技术有限公司', false, 'rsa'],
    [`CN=${APP_ID}`, false, 'rsa'],
  ] as const;
  [...allCerts(pki), appCertPem].forEach((pem, i) => {
    const cert = x(pem);
    const [cn, ca, type] = expected[i]!;
    assert.equal(cert.subject.split('\n').at(-1), cn);
    assert.equal(cert.ca, ca, cn);
    assert.equal(cert.publicKey.asymmetricKeyType, type);
    if (type === 'rsa') assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    // 16 bytes, positive, and no leading zero byte: the first hex digit is 4 to 7.
    assert.match(cert.serialNumber, /^[4-7][0-9A-F]{31}$/, cn);
    // Validity: a day back, 20 years on.
    const from = new Date(cert.validFrom).getTime();
    assert.ok(Math.abs(from - (Date.now() - 86_400_000)) < 120_000, cn);
    assert.equal(new Date(cert.validTo).getUTCFullYear() - new Date(cert.validFrom).getUTCFullYear(), 20);
  });
  const serials = new Set([...allCerts(pki), appCertPem].map((p) => x(p).serialNumber));
  assert.equal(serials.size, 6);
  // v3: the first TBS field is [0] EXPLICIT INTEGER 2.
  assert.deepEqual(tbsFields(pki.alipay.certPem)[0]!.der, Buffer.from('a003020102', 'hex'));
});

test('the chain verifies: leaf ← intermediate ← root, and the roots are self-signed', () => {
  const root = x(pki.root.certPem);
  const intermediate = x(pki.intermediate.certPem);
  for (const leaf of [x(pki.alipay.certPem), x(appCertPem)]) {
    assert.ok(leaf.verify(intermediate.publicKey));
    assert.ok(leaf.checkIssued(intermediate));
    assert.ok(!leaf.verify(root.publicKey));
  }
  assert.ok(intermediate.verify(root.publicKey));
  assert.ok(intermediate.checkIssued(root));
  for (const pem of [pki.root.certPem, pki.ecRoot.certPem, pki.legacyRoot.certPem]) {
    assert.ok(x(pem).verify(x(pem).publicKey));
    assert.ok(x(pem).checkIssued(x(pem)));
  }
  // Each certificate holds the public half of the key it is paired with.
  for (const part of [pki.root, pki.ecRoot, pki.legacyRoot, pki.intermediate, pki.alipay]) {
    assert.ok(x(part.certPem).checkPrivateKey(part.privateKey));
  }
  assert.ok(x(appCertPem).publicKey.equals(appKeys.publicKey));
});

test('signature algorithms: the bundle mixes RSA-SHA256, ECDSA-SHA384 and RSA-SHA1 like Alipay\'s', () => {
  assert.deepEqual(
    splitPemCertificates(pki.rootBundlePem).map((pem) => certificateSignatureOid(x(pem).raw)),
    ['1.2.840.113549.1.1.11', '1.2.840.10045.4.3.3', '1.2.840.113549.1.1.5'],
  );
  for (const pem of [pki.intermediate.certPem, pki.alipay.certPem, appCertPem]) {
    assert.equal(certificateSignatureOid(x(pem).raw), '1.2.840.113549.1.1.11');
  }
  assert.deepEqual(splitPemCertificates(pki.alipayCertChainPem), [pki.alipay.certPem, pki.intermediate.certPem].map((p) => p.trim()));
});

test('certSn and rootCertSn work on the sandbox files and equal the official SDK\'s getSN', () => {
  for (const pem of [appCertPem, pki.alipayCertChainPem, pki.alipay.certPem, pki.intermediate.certPem]) {
    const expected = official.getSN(pem, false);
    assert.match(expected, /^[0-9a-f]{32}$/);
    assert.equal(certSn(pem), expected);
  }
  assert.equal(certSn(pki.alipayCertChainPem), certSn(pki.alipay.certPem));
  assert.equal(
    certIssuerName(appCertPem),
    'CN=zfb Sandbox Certification Authority Class 1 R1,OU=Certification Authority,O=zfb sandbox,C=CN',
  );

  const rootSn = rootCertSn(pki.rootBundlePem);
  assert.equal(rootSn, official.getSN(pki.rootBundlePem, true));
  // Two RSA roots, `_`-joined in file order; the ECDSA root is filtered out.
  assert.equal(rootSn, `${certSn(pki.root.certPem)}_${certSn(pki.legacyRoot.certPem)}`);
  assert.match(rootSn, /^[0-9a-f]{32}_[0-9a-f]{32}$/);
  assert.ok(!rootSn.includes(certSn(pki.ecRoot.certPem)));
});

test('openssl verify accepts the chains (skipped without openssl)', (t) => {
  if (spawnSync('openssl', ['version']).error) {
    t.skip('openssl is not on PATH');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'zfb-pki-'));
  try {
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const root = file('root.pem', pki.root.certPem);
    const bundle = file('bundle.pem', pki.rootBundlePem);
    const intermediate = file('intermediate.pem', pki.intermediate.certPem);
    const leaves = [file('alipay.pem', pki.alipay.certPem), file('app.pem', appCertPem)];
    for (const caFile of [root, bundle]) {
      const run = spawnSync('openssl', ['verify', '-x509_strict', '-CAfile', caFile, '-untrusted', intermediate, ...leaves], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.equal(run.stdout.match(/: OK$/gm)?.length, 2, run.stdout);
    }
    // Without the intermediate there is no path to the root.
    const broken = spawnSync('openssl', ['verify', '-CAfile', root, leaves[0]!], { encoding: 'utf8' });
    assert.notEqual(broken.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a signature made with the Alipay key verifies with publicKeyOfCert(alipayCertChainPem)', () => {
  const data = Buffer.from('alipay_trade_query_response={"code":"10000","msg":"Success"}');
  const signature = sign('sha256', data, pki.alipay.privateKey);
  const publicKey = publicKeyOfCert(pki.alipayCertChainPem);
  assert.ok(verify('sha256', data, publicKey, signature));
  assert.ok(!verify('sha256', data, publicKeyOfCert(appCertPem), signature));
});

test('JSON round trip gives identical PEMs and keys; damage is refused', () => {
  const json = JSON.parse(JSON.stringify(pkiToJson(pki))) as unknown;
  const back = pkiFromJson(json);
  assert.deepEqual(allCerts(back), allCerts(pki));
  assert.equal(back.rootBundlePem, pki.rootBundlePem);
  assert.equal(back.alipayCertChainPem, pki.alipayCertChainPem);
  for (const name of ['root', 'ecRoot', 'legacyRoot', 'intermediate', 'alipay'] as const) {
    assert.ok(back[name].privateKey.equals(pki[name].privateKey), name);
  }
  assert.deepEqual(pkiToJson(back), pkiToJson(pki));
  assert.match(pkiToJson(pki).alipay.key, /^-----BEGIN PRIVATE KEY-----\n/);
  // Certificates issued from the reloaded PKI chain to the same intermediate.
  assert.ok(x(issueAppCert(back, appKeys.publicKey, APP_ID)).verify(x(pki.intermediate.certPem).publicKey));

  const good = pkiToJson(pki);
  const cases: unknown[] = [
    null,
    { ...good, version: 2 },
    { ...good, alipay: undefined },
    { ...good, alipay: { cert: good.alipay.cert, key: good.root.key } },
    { ...good, intermediate: { cert: 'not a cert', key: good.intermediate.key } },
    // Each part consistent with itself, but the Alipay cert is not from this intermediate.
    { ...good, alipay: pkiToJson(otherPki).alipay },
  ];
  for (const bad of cases) {
    assert.throws(() => pkiFromJson(bad), (e: unknown) => e instanceof SandboxPkiError && e.code === 'ERR_SANDBOX_PKI');
  }
  assert.deepEqual(Object.keys(pkiPublicFiles(pki)), ['alipayRootCert.crt', 'alipayCertPublicKey_RSA2.crt']);
});

test('the official AlipaySdk accepts the sandbox files in cert mode and computes the same SNs', () => {
  const appPrivateKeyPem = appKeys.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const sdk = new AlipaySdk({
    appId: APP_ID,
    privateKey: appPrivateKeyPem,
    appCertContent: appCertPem,
    alipayRootCertContent: pki.rootBundlePem,
    alipayPublicCertContent: pki.alipayCertChainPem,
  });
  const config = sdk.config as unknown as { appCertSn: string; alipayCertSn: string; alipayRootCertSn: string; alipayPublicKey: string };
  assert.equal(config.appCertSn, certSn(appCertPem));
  assert.equal(config.alipayCertSn, certSn(pki.alipayCertChainPem));
  assert.equal(config.alipayRootCertSn, rootCertSn(pki.rootBundlePem));
  // The key the SDK took out of the certificate is the sandbox's Alipay key.
  assert.ok(createPublicKey(config.alipayPublicKey).equals(createPublicKey(pki.alipay.privateKey)));

  // And it verifies a notify the sandbox would sign.
  const params: Record<string, string> = { app_id: APP_ID, charset: 'utf-8', notify_id: 'n1', out_trade_no: 'T1', trade_status: 'TRADE_SUCCESS' };
  const content = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const signature = sign('sha256', Buffer.from(content), pki.alipay.privateKey).toString('base64');
  assert.ok(sdk.checkNotifySignV2({ ...params, sign_type: 'RSA2', sign: signature }));

  // The request it signs carries those SNs.
  const query = new URLSearchParams(sdk.sdkExecute('alipay.trade.query', { bizContent: { out_trade_no: 'T1' } }));
  assert.equal(query.get('app_cert_sn'), certSn(appCertPem));
  assert.equal(query.get('alipay_root_cert_sn'), rootCertSn(pki.rootBundlePem));
});

test('validity: UTCTime up to 2049, GeneralizedTime from 2050; leaves never outlive the issuer', () => {
  const key = pki.root.privateKey;
  const pem = issueCertificate({
    subject: [['C', 'CN'], ['CN', 'time test']],
    subjectPublicKey: createPublicKey(key),
    issuerPrivateKey: key,
    notBefore: new Date('2049-12-31T23:59:59.999Z'),
    notAfter: new Date('2050-01-01T00:00:00Z'),
    ca: true,
  });
  const validity = tbsFields(pem)[4]!.der;
  // SEQUENCE { UTCTime "491231235959Z", GeneralizedTime "20500101000000Z" }
  assert.equal(
    validity.toString('hex'),
    '3020' + '170d' + Buffer.from('491231235959Z').toString('hex') + '180f' + Buffer.from('20500101000000Z').toString('hex'),
  );
  assert.equal(x(pem).validFrom, 'Dec 31 23:59:59 2049 GMT');
  assert.equal(x(pem).validTo, 'Jan  1 00:00:00 2050 GMT');
  assert.match(official.getSN(pem), /^[0-9a-f]{32}$/, 'the official SDK\'s parser reads GeneralizedTime too');

  // A PKI made in 2031 runs to 2051: notAfter must be a GeneralizedTime.
  const later = issueCertificate({
    subject: [['CN', 'later']],
    subjectPublicKey: createPublicKey(key),
    issuerPrivateKey: key,
    notBefore: new Date('2031-06-01T00:00:00Z'),
    notAfter: new Date('2051-06-01T00:00:00Z'),
    ca: false,
  });
  const [notBefore, notAfter] = children(tbsFields(later)[4]!.der, readTlv(tbsFields(later)[4]!.der, 0));
  assert.equal(notBefore!.tag, 0x17);
  assert.equal(notAfter!.tag, 0x18);
  assert.equal(x(later).validTo, 'Jun  1 00:00:00 2051 GMT');

  // An app cert issued 10 years on is capped at the intermediate's notAfter.
  const capped = issueAppCert(pki, appKeys.publicKey, APP_ID, { now: new Date(Date.now() + 10 * 365 * 86_400_000) });
  assert.equal(x(capped).validTo, x(pki.intermediate.certPem).validTo);
});

test('issueAppCert: pid and company options, private keys accepted, non-RSA keys and bad ids refused', () => {
  const pem = issueAppCert(pki, appKeys.privateKey, APP_ID, { pid: '2088000000000042', company: '某某科技有限公司' });
  assert.equal(x(pem).subject, `C=CN\nO=某某科技有限公司\nOU=Alipay\nCN=2088000000000042-${APP_ID}`);
  assert.ok(x(pem).publicKey.equals(appKeys.publicKey));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => issueAppCert(pki, ec.publicKey, APP_ID), SandboxPkiError);
  assert.throws(() => issueAppCert(pki, appKeys.publicKey, ''), SandboxPkiError);
  // A different key cannot pose as the intermediate.
  assert.throws(
    () => issueCertificate({
      subject: [['CN', 'x']],
      subjectPublicKey: appKeys.publicKey,
      issuerCertPem: pki.intermediate.certPem,
      issuerPrivateKey: pki.root.privateKey,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
      ca: false,
    }),
    SandboxPkiError,
  );
});

test('createSandboxPki can reuse an existing Alipay key', () => {
  assert.ok(publicKeyOfCert(otherPki.alipayCertChainPem).equals(createPublicKey(existingAlipayKey)));
  assert.notEqual(certSn(otherPki.alipayCertChainPem), certSn(pki.alipayCertChainPem));
  assert.throws(() => createSandboxPki({ alipayPrivateKey: createPublicKey(existingAlipayKey) }), SandboxPkiError);
});
