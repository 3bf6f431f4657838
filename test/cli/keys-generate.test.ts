import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrivateKey, parsePublicKey } from '../../src/alipay/keys/parse.js';
import { zfb, scratchDir, oneSentence } from './run-cli.js';

/** The line(s) after a label line in the stdout of `keys generate` without --out. */
function section(stdout: string, label: RegExp): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => label.test(l));
  assert.ok(start >= 0, `no ${label} in:\n${stdout}`);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line === '') break;
    body.push(line);
  }
  return body.join('\n');
}

function assertPair(privateText: string, publicText: string, format: 'pkcs1' | 'pkcs8', armour: 'pem' | 'bare') {
  const priv = parsePrivateKey(privateText);
  const pub = parsePublicKey(publicText);
  assert.equal(priv.format, format);
  assert.equal(priv.armour, armour);
  assert.equal(priv.bits, 2048);
  assert.equal(pub.format, 'spki');
  assert.equal(pub.armour, armour);
  assert.ok(createPublicKey(priv.key).equals(pub.key), 'the public key belongs to the private key');
}

test('keys generate: default prints a bare PKCS#8 private key and a bare SPKI public key, with advice', () => {
  const r = zfb(['keys', 'generate']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const priv = section(r.stdout, /^App private key .*PKCS#8, bare base64/);
  const pub = section(r.stdout, /^App public key .*SPKI, bare base64/);
  assert.match(priv, /^MIIE[A-Za-z0-9+/]+={0,2}$/, 'one line of base64');
  assert.match(pub, /^MIIBIjAN[A-Za-z0-9+/]+={0,2}$/);
  assert.match(priv, /^MIIE[A-Za-z0-9+/]{2}IBADANBgkqhkiG9w0BAQEFAAS/, 'PKCS#8 layout, as Alipay\'s key tool prints it');
  assertPair(priv, pub, 'pkcs8', 'bare');
  assert.match(r.stdout, /upload the PUBLIC key to the Alipay console/);
  assert.match(r.stdout, /keep the private key secret/);
});

test('keys generate: --format pkcs1 --pem prints PEM blocks', () => {
  const r = zfb(['keys', 'generate', '--format', 'pkcs1', '--pem']);
  assert.equal(r.status, 0, r.stderr);
  const priv = section(r.stdout, /^App private key .*PKCS#1, PEM/);
  const pub = section(r.stdout, /^App public key .*SPKI, PEM/);
  assert.match(priv, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----$/);
  assert.match(pub, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----$/);
  assertPair(priv, pub, 'pkcs1', 'pem');
});

test('keys generate --out: both formats, bare and PEM; files parse back, match, private file is 0600', () => {
  const cases: { args: string[]; format: 'pkcs1' | 'pkcs8'; armour: 'pem' | 'bare' }[] = [
    { args: [], format: 'pkcs8', armour: 'bare' },
    { args: ['--bare', '--format', 'pkcs1'], format: 'pkcs1', armour: 'bare' },
    { args: ['--pem'], format: 'pkcs8', armour: 'pem' },
    { args: ['--pem', '--format', 'pkcs1'], format: 'pkcs1', armour: 'pem' },
  ];
  for (const c of cases) {
    const dir = join(scratchDir(), 'keys', 'new'); // created by the command
    const r = zfb(['keys', 'generate', ...c.args, '--out', dir]);
    assert.equal(r.status, 0, r.stderr);
    const ext = c.armour === 'pem' ? 'pem' : 'txt';
    assert.deepEqual(readdirSync(dir).sort(), [`app-private-key.${ext}`, `app-public-key.${ext}`]);
    const privPath = join(dir, `app-private-key.${ext}`);
    const pubPath = join(dir, `app-public-key.${ext}`);
    const privText = readFileSync(privPath, 'utf8');
    const pubText = readFileSync(pubPath, 'utf8');
    assertPair(privText, pubText, c.format, c.armour);
    if (c.armour === 'bare') {
      assert.equal(privText.trimEnd().split('\n').length, 1, 'bare key on one line');
      assert.doesNotMatch(privText, /-----/);
    }
    assert.equal(statSync(privPath).mode & 0o777, 0o600);
    // stdout names the files but holds no key
    assert.ok(r.stdout.includes(privPath) && r.stdout.includes(pubPath));
    assert.doesNotMatch(r.stdout, /[A-Za-z0-9+/]{40,}/);
    assert.match(r.stdout, /upload the PUBLIC key/);
    // and the pair passes keys check
    const check = zfb(['keys', 'check', '--private-key', privPath, '--public-key', pubPath]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  }
});

test('keys generate --out refuses to overwrite, and writes nothing when either file exists', () => {
  const dir = scratchDir();
  assert.equal(zfb(['keys', 'generate', '--out', dir]).status, 0);
  const before = readFileSync(join(dir, 'app-private-key.txt'), 'utf8');
  const again = zfb(['keys', 'generate', '--out', dir]);
  assert.equal(again.status, 1);
  assert.match(oneSentence(again.stderr), /refusing to overwrite .*app-private-key\.txt/);
  assert.equal(readFileSync(join(dir, 'app-private-key.txt'), 'utf8'), before);

  // only the public key file is there: no private key gets written beside it
  const dir2 = scratchDir();
  writeFileSync(join(dir2, 'app-public-key.pem'), 'something of mine\n');
  const r = zfb(['keys', 'generate', '--pem', '--out', dir2]);
  assert.equal(r.status, 1);
  assert.match(oneSentence(r.stderr), /refusing to overwrite .*app-public-key\.pem/);
  assert.equal(existsSync(join(dir2, 'app-private-key.pem')), false);
  assert.equal(readFileSync(join(dir2, 'app-public-key.pem'), 'utf8'), 'something of mine\n');

  // PEM and bare names differ, so both can live in one directory
  assert.equal(zfb(['keys', 'generate', '--pem', '--out', dir]).status, 0);
});

test('keys generate: bad options are usage errors (exit 2); --out on a file is an error (exit 1)', () => {
  for (const args of [['--pem', '--bare'], ['--format', 'pkcs12'], ['--bits', '1024'], ['extra']]) {
    const r = zfb(['keys', 'generate', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^zfb: /);
    assert.equal(r.stdout, '');
  }
  const dir = scratchDir();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const r = zfb(['keys', 'generate', '--out', file]);
  assert.equal(r.status, 1);
  assert.match(oneSentence(r.stderr), /is not a directory/);
});
