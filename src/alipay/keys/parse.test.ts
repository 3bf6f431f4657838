import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { parsePrivateKey, parsePublicKey, parseAnyKey } from './parse.js';
import { AlipayConfigError } from '../errors.js';
import { appKeys, alipayKeys } from '../../../test/support/keys.js';
import { AlipayClient } from '../client.js';

const wrap = (b64: string) => b64.replace(/(.{64})/g, '$1\n');

test('private keys: PEM and bare, PKCS#1 and PKCS#8, with stray whitespace', () => {
  const cases: [string, string][] = [
    [appKeys.pkcs1Pem, 'pkcs1'],
    [appKeys.pkcs8Pem, 'pkcs8'],
    [appKeys.pkcs1, 'pkcs1'],
    [appKeys.pkcs8, 'pkcs8'],
    [`  \n${wrap(appKeys.pkcs1)}\r\n`, 'pkcs1'],
    [`\t${wrap(appKeys.pkcs8)} `, 'pkcs8'],
    [appKeys.pkcs1Pem.replace(/\n/g, '\r\n'), 'pkcs1'],
  ];
  for (const [input, format] of cases) {
    const k = parsePrivateKey(input);
    assert.equal(k.format, format);
    assert.equal(k.bits, 2048);
    assert.ok(k.key.equals(appKeys.privateKey));
  }
  assert.equal(parsePrivateKey(Buffer.from(appKeys.pkcs8Pem)).armour, 'pem');
});

test('public keys: SPKI PEM and bare, PKCS#1 public PEM', () => {
  for (const input of [alipayKeys.spkiPem, alipayKeys.spki, wrap(alipayKeys.spki), alipayKeys.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()]) {
    assert.ok(parsePublicKey(input).key.equals(alipayKeys.publicKey));
  }
});

test('a key in the wrong place fails with the field name and no key text', () => {
  const check = (fn: () => unknown, field: string, words: RegExp) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof AlipayConfigError);
      assert.equal(e.field, field);
      assert.match(e.message, words);
      assert.ok(!e.message.includes(appKeys.pkcs1.slice(20, 60)) && !e.message.includes(alipayKeys.spki.slice(20, 60)));
      return true;
    });
  check(() => parsePrivateKey(alipayKeys.spki, 'privateKey'), 'privateKey', /public key.*private key/);
  check(() => parsePublicKey(appKeys.pkcs1, 'alipayPublicKey'), 'alipayPublicKey', /private key.*public key/);
  check(() => parsePublicKey(appKeys.pkcs8Pem, 'alipayPublicKey'), 'alipayPublicKey', /private key/);
  check(() => parsePrivateKey('', 'privateKey'), 'privateKey', /empty/);
  check(() => parsePrivateKey('./keys/app_private.txt', 'privateKey'), 'privateKey', /file path/);
  check(() => parsePrivateKey('TUlJRW93SUJBQUtDQVFFQW5vdGFrZXk=', 'privateKey'), 'privateKey', /not an RSA key/);
  check(() => parsePrivateKey('-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----', 'privateKey'), 'privateKey', /PEM/);
});

test('parseAnyKey reports what it found', () => {
  assert.equal(parseAnyKey(appKeys.pkcs8).format, 'pkcs8');
  assert.equal(parseAnyKey(alipayKeys.spkiPem).format, 'spki');
});

test('the client fails at construction naming the config field, and never shows keys', () => {
  assert.throws(
    () => new AlipayClient({ appId: '2021000123456789', privateKey: alipayKeys.spki, alipayPublicKey: alipayKeys.spki }),
    (e: unknown) => e instanceof AlipayConfigError && e.field === 'privateKey',
  );
  assert.throws(
    () => new AlipayClient({ appId: '2021000123456789', privateKey: appKeys.pkcs1, alipayPublicKey: appKeys.pkcs1 }),
    (e: unknown) => e instanceof AlipayConfigError && e.field === 'alipayPublicKey',
  );
  assert.throws(() => new AlipayClient({ appId: '2021000123456789', privateKey: appKeys.pkcs1 }), /alipayPublicKey/);
  assert.throws(() => new AlipayClient({ appId: 'abc', privateKey: appKeys.pkcs1, alipayPublicKey: alipayKeys.spki }), /appId/);
  const client = new AlipayClient({ appId: '2021000123456789', privateKey: appKeys.pkcs1Pem, alipayPublicKey: alipayKeys.spki });
  const shown = inspect(client, { depth: 10, showHidden: true }) + JSON.stringify(client) + String(client);
  for (const secret of [appKeys.pkcs1.slice(40, 80), appKeys.pkcs8.slice(40, 80), 'PRIVATE KEY']) assert.ok(!shown.includes(secret));
});
