import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { encodeForm, encodeText, percentEncode, type Charset } from './charset.js';
import { knownKeys, parseForm, readCallbackForm } from './form.js';
import { notifySignContent } from './sign/content.js';

test('parseForm decodes by the body\'s own charset, once', () => {
  const gbk = `subject=${percentEncode('测试订单', 'gbk')}&charset=gbk&x=a+b`;
  assert.deepEqual({ ...parseForm(gbk).params }, { subject: '测试订单', charset: 'gbk', x: 'a b' });
  assert.equal(parseForm(gbk).charset, 'gbk');
  assert.equal(parseForm(Buffer.from(gbk)).params.subject, '测试订单');
  // passback_params that the merchant URL-encoded arrive encoded once more on the wire and decode exactly once
  const { params } = parseForm(`passback_params=${encodeURIComponent('a%3D1%2Bb+c%25')}`);
  assert.equal(params.passback_params, 'a%3D1%2Bb+c%25');
});

test('parseForm refuses repeated keys and broken escapes', () => {
  assert.throws(() => parseForm('a=1&a=2'), /more than once/);
  assert.throws(() => parseForm('a=%E4%B8'), /percent-escape|UTF-8/);
  assert.throws(() => parseForm('a=%G1&charset=gbk'), /percent-escape/);
  // A broken escape inside a run of escapes, or cut short at its end, is named by its own byte.
  assert.throws(() => parseForm('a=%41%4G%42'), /bad percent-escape at byte 5$/);
  assert.throws(() => parseForm('a=%41%42%4'), /bad percent-escape at byte 8$/);
  assert.throws(() => parseForm('a=%41%'), /bad percent-escape at byte 5$/);
  // A run of escapes ends where the next byte is not `%`: what follows is read as itself.
  assert.deepEqual({ ...parseForm('a=%41%42B+%43%26c=%3D').params }, { a: 'ABB C&c==' });
  assert.deepEqual({ ...parseForm('%61%62=1&%E4%BD%A0=%E5%A5%BD').params }, { ab: '1', 你: '好' });
  assert.throws(() => parseForm('charset=latin9&a=1'), /charset/);
});

test('property: encodeForm/parseForm round-trip in utf-8 and gbk', () => {
  const gbkSafe = fc.string({ unit: fc.constantFrom(...'abcXYZ019 +%&=?/支付宝测试订单，。'.split('')), minLength: 1 });
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), gbkSafe), fc.constantFrom('utf-8', 'gbk') as fc.Arbitrary<'utf-8' | 'gbk'>, (params, charset) => {
      const body = encodeForm({ ...params, charset }, charset);
      const parsed = parseForm(body).params;
      return Object.entries(params).every(([k, v]) => k === 'charset' || parsed[k] === v);
    }),
  );
  assert.equal(iconv.decode(Buffer.from([0xd6, 0xa7]), 'gbk'), '支');
});


/** The obvious reading, pair by pair, to check the one-pass scan against. */
function reference(body: string, charset: Charset): [string, string][] {
  const bytes = (s: string) => {
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '+') out.push(0x20);
      else if (s[i] === '%') out.push(parseInt(s.slice(i + 1, i + 3), 16)), (i += 2);
      else out.push(s.charCodeAt(i));
    }
    return iconv.decode(Buffer.from(out), charset === 'utf-8' ? 'utf8' : 'gbk');
  };
  return body
    .split('&')
    .filter((p) => p !== '')
    .map((p) => (p.includes('=') ? [bytes(p.slice(0, p.indexOf('='))), bytes(p.slice(p.indexOf('=') + 1))] : [bytes(p), '']));
}

// Keys and values from characters that stress the scan: escapes, separators inside values,
// non-ASCII (3-byte UTF-8, GBK double bytes), and in UTF-8 a 4-byte character (two UTF-16 units).
// Keys Alipay sends (recognised by their bytes) and others, so forms come all-known and mixed.
const knownKeyArb = fc.constantFrom('app_id', 'trade_no', 'out_trade_no', 'notify_id', 'total_amount', 'subject', 'body', 'gmt_refund', 'gmt_create', 'sign', 'sign_type');
// Keys one byte off a known one (same length, same first and last four bytes where they differ
// inside): known keys are compared four bytes at a time, and none of these may pass for one.
const nearMisses = knownKeys.flatMap((k) => [...k].map((c, i) => k.slice(0, i) + (c === 'x' ? 'y' : 'x') + k.slice(i + 1)));
const keyArb = fc.oneof(knownKeyArb, knownKeyArb, fc.stringMatching(/^[a-z_]{1,9}$/), fc.constantFrom('signx', 'sig', '键', 'a键', ...nearMisses));
// Values long enough for the four-bytes-at-a-time runs, and with every byte that ends one.
const valueArb = (charset: Charset) =>
  fc.string({ unit: fc.oneof(fc.constantFrom(...'aZ09 +%&=?/\\支付宝，。'.split(''), ...(charset === 'utf-8' ? ['😀', '\u00e9'] : [])), fc.constantFrom('abcdefgh', '2026-11-20', '88.88')), maxLength: 12 });
const formArb = fc.constantFrom<Charset>('utf-8', 'gbk').chain((charset) =>
  fc.tuple(fc.constant(charset), fc.uniqueArray(fc.tuple(keyArb, valueArb(charset)), { selector: ([k]) => k, maxLength: 12 }), fc.boolean()),
);
const bodyOf = (pairs: [string, string][], charset: Charset, emptyPairs: boolean) =>
  pairs.map(([k, v]) => `${percentEncode(k, charset)}=${percentEncode(v, charset)}`).join(emptyPairs ? '&&' : '&') + (emptyPairs ? '&' : '');

test('property: the one-pass scan reads every pair as the pair-by-pair reading does', () => {
  fc.assert(
    fc.property(formArb, ([charset, pairs, emptyPairs]) => {
      const body = bodyOf(pairs, charset, emptyPairs);
      const { params } = readCallbackForm(body, charset);
      assert.deepEqual(parseForm(body, charset).params, params);
      assert.deepEqual(Object.entries(params), reference(body, charset));
    }),
    { numRuns: 500 },
  );
});

test('property: the signed bytes are the sign string (sign, sign_type and empty values dropped, sorted, joined) in the body charset', () => {
  fc.assert(
    fc.property(formArb, ([charset, pairs, emptyPairs]) => {
      const body = bodyOf(pairs, charset, emptyPairs);
      const expected = encodeText(notifySignContent(Object.fromEntries(pairs)), charset);
      assert.deepEqual(readCallbackForm(body, charset).signed, expected);
    }),
    { numRuns: 500 },
  );
});

test('a key without "=" has an empty value; "=" inside a value is data', () => {
  assert.deepEqual({ ...parseForm('a&b=x=y&c=').params }, { a: '', b: 'x=y', c: '' });
  assert.equal(readCallbackForm('c=3&a&b=x=y&sign=zz&sign_type=RSA2').signed.toString(), 'b=x=y&c=3');
});

test('a repeated key is refused by the signed-bytes path too', () => {
  assert.throws(() => readCallbackForm('b=1&a=2&b=3'), /"b" appears more than once/);
  assert.throws(() => readCallbackForm('trade_no=1&app_id=2&trade_no=3'), /"trade_no" appears more than once/); // all keys known
});

test('bodies beyond the reused scratch memory (many pairs, long values, over 64 KiB) read the same, in any order', () => {
  const many = Array.from({ length: 300 }, (_, i) => `k${i}=${percentEncode(`值${i}+%`, 'utf-8')}`).join('&');
  const long = `a=${'x'.repeat(5000)}&b=${percentEncode('支付'.repeat(20_000), 'utf-8')}`;
  const small = 'trade_no=1&app_id=2';
  for (const body of [many, long, small, long, many, small]) {
    assert.deepEqual(Object.entries(readCallbackForm(body).params), reference(body, 'utf-8'));
    assert.deepEqual(readCallbackForm(body).signed, encodeText(notifySignContent(Object.fromEntries(reference(body, 'utf-8'))), 'utf-8'));
  }
});

test('raw bytes that were never escaped (UTF-8, separators, and the bytes the scan checks but keeps) are read wherever they fall in a run', () => {
  // `*` (as Java's URLEncoder leaves it in buyer_logon_id), `!"#$'()`, a tab: below 0x2C, so the
  // word scan stops at them, and the byte classes keep them as they are. `,` (0x2C, the first
  // byte the scan passes) and `~` are the controls.
  const kept = ['*', '***', '!', '"', '#', '$', "'", '(', ')', '\t', ',', '~'];
  for (let k = 0; k < 9; k++) {
    for (const odd of ['支', '&', '=', '+', '%41', ...kept]) {
      const value = `${'a'.repeat(k)}${odd}${'b'.repeat(9)}`;
      const body = Buffer.from(`subject=${value}&app_id=2021000123456789`, 'utf8');
      const expected = odd === '&' ? reference(body.toString(), 'utf-8') : [['subject', odd === '+' ? value.replace('+', ' ') : odd === '%41' ? value.replace('%41', 'A') : value], ['app_id', '2021000123456789']];
      assert.deepEqual(Object.entries(readCallbackForm(body).params), expected, `${k} ${odd}`);
    }
    // A lone byte >= 0x80 is not UTF-8, wherever it falls. 0x80 and 0xBD are each caught by one
    // term only of the scan's test (see specialBits).
    for (const high of [0x80, 0xab, 0xac, 0xbd, 0xff]) {
      const body = Buffer.concat([Buffer.from(`subject=${'a'.repeat(k)}`), Buffer.from([high]), Buffer.from(`${'b'.repeat(9)}&app_id=1`)]);
      assert.throws(() => readCallbackForm(body), /not valid UTF-8/, `${k} ${high}`);
    }
  }
});

test('the signature is the sign value decoded, for any length (RSA-1024, 2048, 4096, and past the scratch), canonical or not', () => {
  const bytesOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + n) & 255));
  for (const n of [1, 2, 3, 128, 255, 256, 257, 512, 1023, 1100]) {
    const text = bytesOf(n).toString('base64');
    for (const body of [
      `app_id=1&sign=${percentEncode(text, 'utf-8')}&sign_type=RSA2`, // all keys known, escaped + / =
      `sign=${text}&zz=1`, // an unknown key; `+` read as a space: not canonical, so Node's decoder
      `${'x'.repeat(70_000)}=1&sign=${percentEncode(text, 'utf-8')}`, // a body past the scratch
    ]) {
      const expected = Buffer.from(parseForm(body).params.sign!, 'base64');
      assert.deepEqual(readCallbackForm(body).signature, expected, `${n} bytes in ${body.slice(0, 20)}`);
    }
  }
  assert.equal(readCallbackForm('app_id=1&sign=').signature, undefined);
  assert.equal(readCallbackForm('app_id=1').signature, undefined);
});
