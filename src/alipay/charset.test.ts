import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentEncode, normaliseCharset } from './charset.js';

test('GBK percent-escapes are GBK bytes', () => {
  assert.equal(percentEncode('支付', 'gbk'), '%D6%A7%B8%B6');
  assert.equal(percentEncode('支付', 'utf-8'), '%E6%94%AF%E4%BB%98');
  assert.equal(percentEncode("a-_.!~*'() +/", 'gbk'), encodeURIComponent("a-_.!~*'() +/"));
});

test('charset names are normalised', () => {
  assert.equal(normaliseCharset('UTF-8'), 'utf-8');
  assert.equal(normaliseCharset('GB2312'), 'gbk');
  assert.equal(normaliseCharset('latin1'), undefined);
});
