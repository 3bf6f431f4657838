import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { certIssuerName, certSn, publicKeyOfCert, rootCertSn, splitPemCertificates } from './sn.js';
import { certificateIssuer, certificateSignatureOid, decodeOid, DerError } from './der.js';
import { AlipayConfigError } from '../errors.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/certs/${name}`, import.meta.url));

// The official SDK's package `exports` only exposes its root entry, so load the built file by path.
// It is used here, and only here, as an independent reference.
const official: { getSN(fileData: string | Buffer, isRoot?: boolean): string } = await import(
  new URL('../../../node_modules/alipay-sdk/dist/esm/antcertutil.js', import.meta.url).href
);

const LEAVES = ['appCertPublicKey.crt', 'alipayCertPublicKey_RSA2.crt', 'alipayCertPublicKey_RSA2_next.crt'];

test('certSn equals the official SDK on the app and Alipay certificates (string and Buffer input)', () => {
  for (const name of LEAVES) {
    const expected = official.getSN(fixture(name), false);
    assert.match(expected, /^[0-9a-f]{32}$/);
    assert.equal(certSn(fixture(name)), expected, name);
    assert.equal(certSn(fixture(name).toString('utf8')), expected, name);
  }
  // Rotation: the next Alipay cert has the same issuer but its own serial, hence its own SN.
  assert.notEqual(certSn(fixture(LEAVES[1]!)), certSn(fixture(LEAVES[2]!)));
});

test('certSn on a file with a chain uses the first certificate (the leaf), like the official SDKs', () => {
  const [leaf, intermediate] = splitPemCertificates(fixture('alipayCertPublicKey_RSA2.crt'));
  assert.ok(leaf && intermediate);
  assert.equal(certSn(fixture('alipayCertPublicKey_RSA2.crt')), certSn(leaf));
  assert.notEqual(certSn(leaf), certSn(intermediate));
});

test('certSn accepts DER, CRLF line endings and surrounding text', () => {
  const pem = fixture('appCertPublicKey.crt').toString('utf8');
  const expected = certSn(pem);
  assert.equal(certSn(Buffer.from(new X509Certificate(pem).raw)), expected);
  assert.equal(certSn(pem.replace(/\n/g, '\r\n')), expected);
  assert.equal(certSn(`subject=whatever\n${pem}\ntrailing notes`), expected);
});

test('rootCertSn equals the official SDK and holds exactly the 2 RSA roots, in file order', () => {
  const bundle = fixture('alipayRootCert.crt');
  const expected = official.getSN(bundle, true);
  assert.equal(rootCertSn(bundle), expected);
  assert.equal(rootCertSn(bundle.toString('utf8')), expected);

  const certs = splitPemCertificates(bundle);
  assert.deepEqual(
    certs.map((c) => certificateSignatureOid(new X509Certificate(c).raw)),
    ['1.2.840.10045.4.3.2', '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.5'],
  );
  assert.equal(rootCertSn(bundle), `${certSn(certs[1]!)}_${certSn(certs[2]!)}`);
  assert.ok(!rootCertSn(bundle).includes(certSn(certs[0]!)), 'the EC root is filtered out');
});

test('published vector: the real Alipay root bundle gives the documented alipay_root_cert_sn', () => {
  // Alipay's public alipayRootCert.crt (SM2, RSA-SHA256, ECDSA-SHA384, RSA-SHA1); value from §4.
  const bundle = fixture('published/alipayRootCert.crt');
  assert.equal(rootCertSn(bundle), '687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6');
  assert.equal(rootCertSn(bundle), official.getSN(bundle, true));
  assert.equal(
    certIssuerName(splitPemCertificates(bundle)[1]!),
    'CN=Ant Financial Certification Authority R1,OU=Certification Authority,O=Ant Financial,C=CN',
  );
});

test('issuer names follow Java getIssuerX500Principal().getName(), exotic cases included', () => {
  // Expected names and SNs printed by OpenJDK 17 (Sn.java in test/fixtures/certs/README.md). The
  // official Node SDK does not escape and prints emailAddress by name, so it differs on these;
  // the gateway runs Java, so Java is the reference.
  assert.equal(
    certIssuerName(fixture('edge-issuer.crt')),
    'L=\\\r\\ line\nbreak\ttab\x7f\\\r\\ ,O=支付宝测试,1.2.840.113549.1.9.1=#160e6361406578616d706c652e636f6d,' +
      'CN=\\#1 a\\=b\\;c\\<d\\>\\"e\\"\\\\f\\+g\\ ,OU=Team A+OU=Team B,O=Comma\\, Inc.,C=CN',
  );
  assert.equal(certSn(fixture('edge-issuer.crt')), '17699962c6a5ba21664df6b8a1217cdc');
  // BMPString value: Java decodes its UTF-16 bytes as UTF-8, and so do we.
  assert.equal(certIssuerName(fixture('edge-issuer-bmp.crt')), 'CN=Plain,O=e/N\uFFFD[\uFFFD,C=CN');
  assert.equal(certSn(fixture('edge-issuer-bmp.crt')), '35e742f218aef1f77a14ebfc0558dbd0');
});

test('the DER walker agrees with X509Certificate on the issuer values', () => {
  for (const name of [...LEAVES, 'alipayRootCert.crt']) {
    for (const pem of splitPemCertificates(fixture(name))) {
      const cert = new X509Certificate(pem);
      const fromDer = certificateIssuer(cert.raw).map((rdn) => rdn.map((a) => Buffer.from(a.content).toString('utf8')).join('+'));
      const fromNode = cert.issuer.split('\n').map((line) => line.slice(line.indexOf('=') + 1));
      assert.deepEqual(fromDer, fromNode, name);
    }
  }
});

test('decodeOid handles the first-arc packing and arcs beyond 2^53', () => {
  const hex = (s: string) => Buffer.from(s, 'hex');
  assert.equal(decodeOid(hex('2a864886f70d01010b')), '1.2.840.113549.1.1.11');
  assert.equal(decodeOid(hex('2a8648ce3d040302')), '1.2.840.10045.4.3.2');
  assert.equal(decodeOid(hex('550403')), '2.5.4.3');
  assert.equal(decodeOid(hex('0992268993f22c640119')), '0.9.2342.19200300.100.1.25');
  // 2.25.<2^64>: a UUID-style arc. First byte 0x69 = 40 * 2 + 25.
  assert.equal(decodeOid(hex('69' + '82808080808080808000')), `2.25.${2n ** 64n}`);
  assert.throws(() => decodeOid(hex('2a86')), DerError);
  assert.throws(() => decodeOid(hex('2a8001')), DerError);
});

test('publicKeyOfCert returns the key that verifies the matching private key\'s signatures', () => {
  const pairs: [string, string][] = [
    ['appCertPublicKey.crt', 'app-private-key.pem'],
    ['alipayCertPublicKey_RSA2.crt', 'alipay-private-key.pem'],
    ['alipayCertPublicKey_RSA2_next.crt', 'alipay-private-key-next.pem'],
  ];
  for (const [cert, key] of pairs) {
    const publicKey = publicKeyOfCert(fixture(cert));
    assert.equal(publicKey.type, 'public');
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    const signature = sign('sha256', Buffer.from('a=1&b=2'), createPrivateKey(fixture(key)));
    assert.ok(verify('sha256', Buffer.from('a=1&b=2'), publicKey, signature), cert);
  }
  // The bare PKCS#8 fixture is the same key as the PKCS#1 PEM.
  const pkcs8 = createPrivateKey({
    key: Buffer.from(fixture('app-private-key-pkcs8.txt').toString('utf8').trim(), 'base64'),
    format: 'der',
    type: 'pkcs8',
  });
  assert.ok(createPublicKey(pkcs8).equals(publicKeyOfCert(fixture('appCertPublicKey.crt'))));
});

test('bad input throws AlipayConfigError naming the field, without echoing the input', () => {
  const privateKeyPem = fixture('app-private-key.pem').toString('utf8');
  const cases: [() => unknown, string][] = [
    [() => certSn('not a certificate', 'appCert'), 'appCert'],
    [() => certSn('/etc/alipay/appCertPublicKey.crt'), 'certificate'],
    [() => certSn(privateKeyPem, 'appCert'), 'appCert'],
    [() => certSn('-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----', 'alipayCert'), 'alipayCert'],
    [() => certSn('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----'), 'certificate'],
    [() => certSn(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), 'certificate'],
    [() => certSn(undefined as unknown as string, 'appCert'), 'appCert'],
    [() => rootCertSn('', 'alipayRootCert'), 'alipayRootCert'],
    [() => rootCertSn(privateKeyPem, 'alipayRootCert'), 'alipayRootCert'],
    // A bundle with only the EC root has nothing to send.
    [() => rootCertSn(splitPemCertificates(fixture('alipayRootCert.crt'))[0]!, 'alipayRootCert'), 'alipayRootCert'],
    [() => publicKeyOfCert('garbage', 'alipayCert'), 'alipayCert'],
  ];
  for (const [run, field] of cases) {
    assert.throws(run, (err: unknown) => {
      assert.ok(err instanceof AlipayConfigError, String(err));
      assert.equal(err.field, field);
      assert.equal(err.code, 'ERR_CONFIG');
      assert.ok(!err.message.includes('MII'), 'no key or certificate material in the message');
      return true;
    });
  }
});

test('splitPemCertificates keeps file order and ignores other PEM blocks', () => {
  const bundle = fixture('alipayRootCert.crt').toString('utf8');
  const key = fixture('app-private-key.pem').toString('utf8');
  const certs = splitPemCertificates(bundle);
  assert.equal(certs.length, 3);
  assert.deepEqual(splitPemCertificates(`${key}\n${bundle}`), certs);
  assert.deepEqual(splitPemCertificates('nothing here'), []);
  assert.deepEqual(
    certs.map((c) => new X509Certificate(c).subject.split('\n').at(-1)),
    ['CN=Test Root E1', 'CN=Test Root R1', 'CN=Test Class 2 Root CA - G3'],
  );
});
