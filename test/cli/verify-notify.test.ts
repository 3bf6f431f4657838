import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alipayKeys, appKeys, otherKeys } from '../support/keys.js';
import { signNotifyParams, formBody, sampleNotify } from '../support/alipay-signing.js';
import { zfb, writeFiles, oneSentence, hasKeyText } from './run-cli.js';

const body = formBody(signNotifyParams(sampleNotify(), alipayKeys.privateKey));
const tampered = body.replace('total_amount=88.88', 'total_amount=0.01');
assert.notEqual(tampered, body);
const rsaBody = formBody(signNotifyParams(sampleNotify(), alipayKeys.privateKey, 'RSA'));
const otherBody = formBody(signNotifyParams(sampleNotify(), otherKeys.privateKey));

const f = writeFiles({
  'alipay-public-key.txt': alipayKeys.spki,
  'alipay-public-key.pem': alipayKeys.spkiPem,
  'app-private-key.txt': appKeys.pkcs8,
  'notify.txt': body,
  'notify-with-newline.txt': `${body}\r\n`,
  'tampered.txt': tampered,
  'empty.txt': '',
});

const verifyNotify = (args: string[], input?: string) =>
  zfb(['verify-notify', '--alipay-public-key', f['alipay-public-key.txt'], ...args], input === undefined ? {} : { input });

const VALID_OUTPUT = [
  'valid',
  'out_trade_no: ORDER_20261120_0001',
  'trade_no: 2026112022001468450512505578',
  'trade_status: TRADE_SUCCESS',
  'total_amount: 88.88',
  'app_id: 2021000123456789',
  'seller_id: 2088102177800000',
  '',
].join('\n');

test('verify-notify: a notify signed with the Alipay key is valid, from --file and from stdin', () => {
  for (const r of [
    verifyNotify(['--file', f['notify.txt']]),
    verifyNotify(['--file', f['notify-with-newline.txt']]),
    verifyNotify([], body),
    verifyNotify([], `${body}\n`),
    zfb(['verify-notify', '--alipay-public-key', f['alipay-public-key.pem'], '--sign-type', 'RSA2'], { input: body }),
  ]) {
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, VALID_OUTPUT);
    assert.equal(r.stderr, '');
  }
});

test('verify-notify: a tampered total_amount is invalid; the reason and the checked string are printed', () => {
  for (const r of [verifyNotify(['--file', f['tampered.txt']]), verifyNotify([], tampered)]) {
    assert.equal(r.status, 1);
    const [verdict, content, ...rest] = r.stdout.trimEnd().split('\n');
    assert.match(verdict!, /^invalid: the callback signature does not verify with the configured Alipay key \(RSA2\)$/);
    assert.match(content!, /^signed content: app_id=2021000123456789&auth_app_id=.*&total_amount=0\.01&trade_no=/);
    assert.ok(!content!.includes('sign_type='), 'notify rule leaves sign_type out');
    assert.ok(content!.includes('passback_params=a%3D1%2Bb+c%25'), 'values decoded exactly once');
    assert.deepEqual(rest, []);
  }
});

test('verify-notify: sign_type=RSA when RSA2 is expected is refused; accepted with --sign-type RSA', () => {
  const r = verifyNotify([], rsaBody);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^invalid: the callback claims sign_type=RSA, but this app is configured for RSA2: refused\n$/);
  const ok = verifyNotify(['--sign-type', 'RSA'], rsaBody);
  assert.equal(ok.status, 0, ok.stdout);
  assert.equal(ok.stdout, VALID_OUTPUT);
  const wrongWay = verifyNotify(['--sign-type', 'RSA'], body);
  assert.equal(wrongWay.status, 1);
  assert.match(wrongWay.stdout, /claims sign_type=RSA2/);
});

test('verify-notify: signed by another key, unsigned, or unreadable is invalid', () => {
  const other = verifyNotify([], otherBody);
  assert.equal(other.status, 1);
  assert.match(other.stdout, /^invalid: the callback signature does not verify/);
  const unsigned = verifyNotify([], 'out_trade_no=1&total_amount=1.00');
  assert.equal(unsigned.status, 1);
  assert.equal(unsigned.stdout, 'invalid: the callback has no sign parameter\n');
  const broken = verifyNotify([], `${body}&extra=%E6%B5`);
  assert.equal(broken.status, 1);
  assert.match(broken.stdout, /^invalid: the callback body cannot be read/);
});

test('verify-notify: bad key files and empty bodies are one sentence, exit 1, no key text', () => {
  const cases: [string[], string | undefined, RegExp][] = [
    [['--alipay-public-key', f['app-private-key.txt'], '--file', f['notify.txt']], undefined, /--alipay-public-key .*app-private-key\.txt: is a private key \(PKCS#8\)/],
    [['--alipay-public-key', `${f.dir}/missing.txt`, '--file', f['notify.txt']], undefined, /cannot read --alipay-public-key .*missing\.txt: there is no such file/],
    [['--alipay-public-key', f['alipay-public-key.txt'], '--file', `${f.dir}/missing.txt`], undefined, /cannot read --file .*missing\.txt: there is no such file/],
    [['--alipay-public-key', f['alipay-public-key.txt'], '--file', f['empty.txt']], undefined, /the notify body in .*empty\.txt is empty/],
    [['--alipay-public-key', f['alipay-public-key.txt']], '', /the notify body on standard input is empty/],
  ];
  for (const [args, input, message] of cases) {
    const r = zfb(['verify-notify', ...args], input === undefined ? {} : { input });
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneSentence(r.stderr), message);
    assert.equal(hasKeyText(r.stderr), false);
    assert.equal(r.stdout, '');
  }
});

test('verify-notify: usage errors exit 2', () => {
  for (const args of [['--file', f['notify.txt']], ['--alipay-public-key', f['alipay-public-key.txt'], '--sign-type', 'SHA256']]) {
    const r = zfb(['verify-notify', ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /zfb help verify-notify/);
  }
});
