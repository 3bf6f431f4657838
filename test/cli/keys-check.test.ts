import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appKeys, alipayKeys } from '../support/keys.js';
import { zfb, writeFiles, oneSentence, hasKeyText, ROOT } from './run-cli.js';

const f = writeFiles({
  'app-private-pkcs1.txt': appKeys.pkcs1,
  'app-private-pkcs8.pem': appKeys.pkcs8Pem,
  'app-public.txt': appKeys.spki,
  'app-public.pem': appKeys.spkiPem,
  'alipay-public.txt': alipayKeys.spki,
  'garbage.txt': 'this is not a key: {}!\n',
  'not-a-key.txt': Buffer.from('just some bytes, not a key').toString('base64'),
  'empty.txt': '',
});
const certs = join(ROOT, 'test/fixtures/certs');

const check = (...args: string[]) => zfb(['keys', 'check', ...args]);

test('keys check: a matching pair says what each file is and exits 0', () => {
  const r = check('--private-key', f['app-private-pkcs1.txt'], '--public-key', f['app-public.pem']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const [priv, pub, pair] = r.stdout.trimEnd().split('\n');
  assert.match(priv!, /^private key .*app-private-pkcs1\.txt: RSA private key, PKCS#1, bare base64, 2048 bits$/);
  assert.match(pub!, /^public key .*app-public\.pem: public key, SPKI, PEM, 2048 bits$/);
  assert.match(pair!, /^pair: match/);
  assert.equal(hasKeyText(r.stdout), false);

  const r2 = check('--private-key', f['app-private-pkcs8.pem'], '--public-key', f['app-public.txt']);
  assert.equal(r2.status, 0);
  assert.match(r2.stdout, /private key, PKCS#8, PEM, 2048 bits/);
  assert.match(r2.stdout, /public key, SPKI, bare base64, 2048 bits/);
});

test('keys check: a certificate as the public key', () => {
  const r = check('--private-key', join(certs, 'app-private-key-pkcs8.txt'), '--public-key', join(certs, 'appCertPublicKey.crt'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /X\.509 certificate, PEM, 2048 bits/);
  assert.match(r.stdout, /pair: match/);
});

test('keys check: one key alone is described', () => {
  const r = check('--private-key', f['app-private-pkcs8.pem']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trimEnd().split('\n').length, 1);
  const r2 = check('--public-key', f['alipay-public.txt']);
  assert.equal(r2.status, 0);
  assert.match(r2.stdout, /public key, SPKI, bare base64/);
});

test('keys check: a mismatched pair exits 1 with a sentence', () => {
  const r = check('--private-key', f['app-private-pkcs1.txt'], '--public-key', f['alipay-public.txt']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /pair: NO MATCH: the public key does not belong to this private key/);
  assert.equal(hasKeyText(r.stdout + r.stderr), false);
});

test('keys check: a public key given as the private key is named as such, without key text', () => {
  for (const file of [f['app-public.txt'], f['app-public.pem']]) {
    const r = check('--private-key', file, '--public-key', f['app-public.txt']);
    assert.equal(r.status, 1);
    const line = oneSentence(r.stderr);
    assert.match(line, /--private-key .*app-public\.(txt|pem).*is a public key \(SPKI\).*private key/);
    assert.equal(hasKeyText(r.stdout + r.stderr), false);
    assert.ok(!r.stderr.includes(appKeys.spki.slice(60, 80)));
  }
  const r = check('--private-key', f['app-private-pkcs1.txt'], '--public-key', f['app-private-pkcs8.pem']);
  assert.equal(r.status, 1);
  assert.match(oneSentence(r.stderr), /--public-key .*is a private key \(PKCS#8\)/);
  assert.equal(hasKeyText(r.stdout + r.stderr), false);
});

test('keys check: garbage, empty, missing file and directory each get one sentence and exit 1', () => {
  const cases: [string, RegExp][] = [
    [f['garbage.txt'], /garbage\.txt.*neither PEM nor base64/],
    [f['not-a-key.txt'], /not-a-key\.txt.*is base64 but not an RSA key/],
    [f['empty.txt'], /empty\.txt.*is empty/],
    [join(f.dir, 'nope.txt'), /cannot read --private-key .*nope\.txt: there is no such file/],
    [f.dir, /cannot read --private-key .*: it is a directory/],
  ];
  for (const [path, message] of cases) {
    const r = check('--private-key', path);
    assert.equal(r.status, 1, path);
    assert.match(oneSentence(r.stderr), message);
    assert.equal(r.stdout, '');
  }
});

test('keys check: without a key file it is a usage error', () => {
  const r = check();
  assert.equal(r.status, 2);
  assert.match(r.stderr, /give --private-key FILE/);
  assert.match(r.stderr, /zfb help keys check/);
});
