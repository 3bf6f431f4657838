import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOid, readTlv } from '../../alipay/cert/der.js';
import {
  bitString,
  encodeLength,
  explicit,
  generalizedTime,
  integer,
  namedBits,
  oid,
  printableString,
  sequence,
  set,
  tlv,
  toPem,
  unsignedInteger,
  utcTime,
  utf8String,
  x509Time,
} from './der-writer.js';

const hex = (b: Buffer) => b.toString('hex');

test('lengths: short form below 128, long form with minimal bytes above', () => {
  assert.equal(hex(encodeLength(0)), '00');
  assert.equal(hex(encodeLength(127)), '7f');
  assert.equal(hex(encodeLength(128)), '8180');
  assert.equal(hex(encodeLength(255)), '81ff');
  assert.equal(hex(encodeLength(256)), '820100');
  assert.equal(hex(encodeLength(65536)), '83010000');
  assert.throws(() => encodeLength(-1), RangeError);
  // And the reader agrees on a long element.
  const big = tlv(0x04, Buffer.alloc(300));
  assert.deepEqual(readTlv(big, 0), { tag: 0x04, offset: 0, contentStart: 4, end: 304 });
});

test('INTEGER is minimal two\'s complement', () => {
  const cases: [bigint, string][] = [
    [0n, '020100'],
    [1n, '020101'],
    [127n, '02017f'],
    [128n, '02020080'],
    [255n, '020200ff'],
    [256n, '02020100'],
    [-1n, '0201ff'],
    [-128n, '020180'],
    [-129n, '0202ff7f'],
    [-256n, '0202ff00'],
    [2n ** 64n, '0209010000000000000000'],
  ];
  for (const [n, expected] of cases) assert.equal(hex(integer(n)), expected, String(n));
  assert.equal(hex(unsignedInteger(Buffer.from('0000ff', 'hex'))), '020200ff');
  assert.equal(hex(unsignedInteger(Buffer.from('7f01', 'hex'))), '02027f01');
  assert.equal(hex(unsignedInteger(Buffer.from('0000', 'hex'))), '020100');
});

test('OBJECT IDENTIFIER round-trips through the reader', () => {
  for (const dotted of ['1.2.840.113549.1.1.11', '1.2.840.10045.4.3.3', '2.5.4.3', '2.5.29.35', '0.9.2342.19200300.100.1.25', `2.25.${2n ** 64n}`]) {
    const der = oid(dotted);
    const t = readTlv(der, 0);
    assert.equal(t.tag, 0x06);
    assert.equal(decodeOid(der.subarray(t.contentStart, t.end)), dotted);
  }
  assert.equal(hex(oid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
  assert.throws(() => oid('1.40'), RangeError);
  assert.throws(() => oid('abc'), RangeError);
});

test('named bit strings drop trailing zero bits', () => {
  assert.equal(hex(namedBits([5, 6])), '03020106'); // keyCertSign, cRLSign
  assert.equal(hex(namedBits([0])), '03020780'); // digitalSignature
  assert.equal(hex(namedBits([0, 1])), '030206c0');
  assert.equal(hex(namedBits([8])), '0303070080'); // decipherOnly: bit 8 is the top bit of a second byte
  assert.equal(hex(bitString(Buffer.from([0xab]))), '030200ab');
});

test('strings, SET sorting and context tags', () => {
  assert.equal(hex(utf8String('支')), '0c03e694af');
  assert.equal(hex(printableString('CN')), '1302434e');
  assert.throws(() => printableString('支付宝'), RangeError);
  assert.equal(hex(set(Buffer.from('0201ff', 'hex'), Buffer.from('020101', 'hex'))), '3106020101' + '0201ff');
  assert.equal(hex(explicit(3, sequence())), 'a3023000');
});

test('times: UTCTime 1950–2049, GeneralizedTime otherwise, whole seconds', () => {
  const text = (b: Buffer) => `${b[0]!.toString(16)}:${b.subarray(2).toString('latin1')}`;
  assert.equal(text(x509Time(new Date('2049-12-31T23:59:59.999Z'))), '17:491231235959Z');
  assert.equal(text(x509Time(new Date('2050-01-01T00:00:00Z'))), '18:20500101000000Z');
  assert.equal(text(x509Time(new Date('1950-01-01T00:00:00Z'))), '17:500101000000Z');
  assert.equal(text(x509Time(new Date('1949-12-31T23:59:59Z'))), '18:19491231235959Z');
  assert.equal(text(x509Time(new Date('2026-03-04T05:06:07Z'))), '17:260304050607Z');
  assert.throws(() => utcTime(new Date('2050-01-01T00:00:00Z')), RangeError);
  assert.throws(() => generalizedTime(new Date(Number.NaN)), RangeError);
});

test('PEM wraps base64 at 64 characters', () => {
  const pem = toPem('CERTIFICATE', Buffer.alloc(100, 1));
  const lines = pem.trimEnd().split('\n');
  assert.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  assert.equal(lines.at(-1), '-----END CERTIFICATE-----');
  assert.deepEqual(lines.slice(1, -1).map((l) => l.length), [64, 64, 8]);
  assert.ok(pem.endsWith('\n'));
});
