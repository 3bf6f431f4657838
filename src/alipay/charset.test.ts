import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { encodeForm, parseForm, percentEncode, normaliseCharset } from './charset.js';

test('GBK percent-escapes are GBK bytes', () => {
  assert.equal(percentEncode('支付', 'gbk'), '%D6%A7%B8%B6');
  assert.equal(percentEncode('支付', 'utf-8'), '%E6%94%AF%E4%BB%98');
  assert.equal(percentEncode("a-_.!~*'() +/", 'gbk'), encodeURIComponent("a-_.!~*'() +/"));
});

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

test('charset names are normalised', () => {
  assert.equal(normaliseCharset('UTF-8'), 'utf-8');
  assert.equal(normaliseCharset('GB2312'), 'gbk');
  assert.equal(normaliseCharset('latin1'), undefined);
});
