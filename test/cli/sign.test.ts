import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import iconv from 'iconv-lite';
import { appKeys } from '../support/keys.js';
import { zfb, writeFiles, oneSentence, hasKeyText } from './run-cli.js';

const f = writeFiles({
  'app-private-key.txt': appKeys.pkcs8,
  'app-private-key-pkcs1.pem': appKeys.pkcs1Pem,
  'app-public-key.txt': appKeys.spki,
});
const APP_ID = '2021000123456789';
const TIMESTAMP = '2026-11-20 10:00:00';
// Spaces, key order and Chinese as a person typed them: the signature must be over these bytes.
const BIZ = '{"out_trade_no": "ORDER_1",  "total_amount":"88.88", "subject":"测试 / test"}';

const base = (...extra: string[]) => [
  'sign', '--app-id', APP_ID, '--private-key', f['app-private-key.txt'], '--method', 'alipay.trade.precreate',
  '--biz-content', BIZ, '--timestamp', TIMESTAMP, ...extra,
];

/** The request rule of alipay-protocol.md §1.2, written here independently of src/alipay. */
function expectedSignContent(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

function parse(stdout: string): Record<string, unknown> {
  assert.match(stdout, /^\{\n {2}"/, 'JSON with a 2-space indent');
  return JSON.parse(stdout) as Record<string, unknown>;
}

test('sign: prints every parameter, sign included; deterministic for a fixed --timestamp', () => {
  const args = base('--param', 'notify_url=https://example.com/notify', '--param', 'return_url=');
  const r = zfb(args);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const params = parse(r.stdout) as Record<string, string>;
  assert.deepEqual(Object.keys(params).sort(), ['app_id', 'biz_content', 'charset', 'method', 'notify_url', 'sign', 'sign_type', 'timestamp', 'version']);
  assert.equal(params.app_id, APP_ID);
  assert.equal(params.method, 'alipay.trade.precreate');
  assert.equal(params.charset, 'utf-8');
  assert.equal(params.sign_type, 'RSA2');
  assert.equal(params.version, '1.0');
  assert.equal(params.timestamp, TIMESTAMP);
  assert.equal(params.notify_url, 'https://example.com/notify');
  assert.equal(params.biz_content, BIZ, 'biz_content passed through byte for byte');
  for (const [k, v] of Object.entries(params)) assert.ok(typeof v === 'string' && v !== '', `${k} is not empty`);
  assert.equal(params.sign!.length, 344);
  assert.ok(verify('sha256', Buffer.from(expectedSignContent(params), 'utf8'), appKeys.publicKey, Buffer.from(params.sign!, 'base64')));

  assert.equal(zfb(args).stdout, r.stdout, 'same input, same output');
  // PKCS#1 PEM of the same key signs identically (PKCS#1 v1.5 is deterministic)
  const pkcs1 = zfb(args.map((a) => (a === f['app-private-key.txt'] ? f['app-private-key-pkcs1.pem'] : a)));
  assert.equal(pkcs1.stdout, r.stdout);
});

test('sign --explain: {params, signContent}; the sign verifies over the printed signContent', () => {
  const plain = parse(zfb(base()).stdout);
  const r = zfb(base('--explain'));
  assert.equal(r.status, 0, r.stderr);
  const out = parse(r.stdout) as { params: Record<string, string>; signContent: string };
  assert.deepEqual(Object.keys(out), ['params', 'signContent']);
  assert.deepEqual(out.params, plain);
  assert.equal(out.signContent, expectedSignContent(out.params));
  assert.ok(out.signContent.includes(`biz_content=${BIZ}&`));
  assert.ok(out.signContent.includes('sign_type=RSA2'), 'sign_type is signed in requests');
  assert.ok(!out.signContent.includes('sign='), 'sign is not');
  assert.ok(verify('sha256', Buffer.from(out.signContent, 'utf8'), appKeys.publicKey, Buffer.from(out.params.sign!, 'base64')));
  assert.equal(hasKeyText(r.stdout.replace(out.params.sign!, '')), false, 'no key material besides the signature');
});

test('sign --sign-type RSA signs with SHA-1', () => {
  const r = zfb(base('--sign-type', 'RSA', '--explain'));
  assert.equal(r.status, 0, r.stderr);
  const out = parse(r.stdout) as { params: Record<string, string>; signContent: string };
  assert.equal(out.params.sign_type, 'RSA');
  assert.ok(verify('sha1', Buffer.from(out.signContent, 'utf8'), appKeys.publicKey, Buffer.from(out.params.sign!, 'base64')));
});

test('sign --charset gbk: the signature is over the GBK bytes', () => {
  const r = zfb(base('--charset', 'gbk', '--explain'));
  assert.equal(r.status, 0, r.stderr);
  const out = parse(r.stdout) as { params: Record<string, string>; signContent: string };
  assert.equal(out.params.charset, 'gbk');
  assert.ok(out.signContent.includes('测试 / test'));
  const sig = Buffer.from(out.params.sign!, 'base64');
  const gbk = iconv.encode(out.signContent, 'gbk');
  assert.notDeepEqual(gbk, Buffer.from(out.signContent, 'utf8'));
  assert.ok(verify('sha256', gbk, appKeys.publicKey, sig), 'verifies over GBK bytes');
  assert.ok(!verify('sha256', Buffer.from(out.signContent, 'utf8'), appKeys.publicKey, sig), 'and not over UTF-8 bytes');
});

test('sign: without --biz-content there is no biz_content; top-level params are signed', () => {
  const r = zfb(['sign', '--app-id', APP_ID, '--private-key', f['app-private-key.txt'], '--method', 'alipay.system.oauth.token',
    '--param', 'grant_type=authorization_code', '--param', 'code=4b203fe6c11548bcabd8da5bb087a83b', '--timestamp', TIMESTAMP, '--explain']);
  assert.equal(r.status, 0, r.stderr);
  const out = parse(r.stdout) as { params: Record<string, string>; signContent: string };
  assert.equal(out.params.biz_content, undefined);
  assert.equal(out.params.grant_type, 'authorization_code');
  assert.equal(out.signContent, expectedSignContent(out.params));
});

test('sign: invalid --biz-content JSON is refused with a sentence', () => {
  for (const [biz, message] of [
    ['{"out_trade_no": ORDER_1}', /--biz-content is not valid JSON/],
    ['{"a":1', /--biz-content is not valid JSON/],
    ['[1,2]', /--biz-content must be a JSON object/],
  ] as const) {
    const r = zfb(['sign', '--app-id', APP_ID, '--private-key', f['app-private-key.txt'], '--method', 'alipay.trade.query', '--biz-content', biz]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});

test('sign: errors from the client are one sentence, exit 1, naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--private-key', f['app-public-key.txt']], /^zfb: --private-key .*app-public-key\.txt: is a public key \(SPKI\)/],
    [['--app-id', 'my-app'], /^zfb: --app-id: must be the digits of your Alipay app id/],
    [['--timestamp', '2026/11/20 10:00'], /^zfb: --timestamp: "yyyy-MM-dd HH:mm:ss"/],
    [['--method', 'TradeQuery'], /^zfb: --method: an Alipay method name/],
    [['--param', 'app_id=1'], /^zfb: --param app_id: not to be set by the caller/],
    [['--private-key', '/nonexistent/key.txt'], /^zfb: cannot read --private-key \/nonexistent\/key\.txt: there is no such file$/],
  ];
  for (const [override, message] of cases) {
    const args: Record<string, string> = { '--app-id': APP_ID, '--private-key': f['app-private-key.txt'], '--method': 'alipay.trade.query' };
    const extra: string[] = [];
    for (let i = 0; i < override.length; i += 2) {
      if (override[i]! in args) args[override[i]!] = override[i + 1]!;
      else extra.push(override[i]!, override[i + 1]!);
    }
    const r = zfb(['sign', ...Object.entries(args).flat(), ...extra]);
    assert.equal(r.status, 1, `${override.join(' ')}: ${r.stderr}`);
    assert.match(oneSentence(r.stderr), message);
    assert.equal(hasKeyText(r.stderr), false);
    assert.equal(r.stdout, '');
  }
});

test('sign: usage errors exit 2', () => {
  const ok = ['--app-id', APP_ID, '--private-key', f['app-private-key.txt'], '--method', 'alipay.trade.query'];
  for (const args of [
    ['--app-id', APP_ID, '--private-key', f['app-private-key.txt']],
    [...ok, '--charset', 'latin1'],
    [...ok, '--sign-type', 'SM2'],
    [...ok, '--param', 'notify_url'],
    [...ok, '--param', 'a=1', '--param', 'a=2'],
    [...ok, '--bogus'],
  ]) {
    const r = zfb(['sign', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^zfb: .*\nRun `zfb help sign`/);
  }
});
