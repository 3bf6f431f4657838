import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { requestSignContent, notifySignContent } from './content.js';
import { signText, verifyText } from './rsa.js';
import { appKeys, otherKeys } from '../../../test/support/keys.js';

test('request rule: drop sign and empty values, keep sign_type, ASCII sort, raw values', () => {
  const params = {
    timestamp: '2014-07-24 03:07:50',
    method: 'alipay.trade.pay',
    app_id: '2014072300007148',
    sign_type: 'RSA2',
    sign: 'xxx',
    charset: 'utf-8',
    version: '1.0',
    notify_url: 'http://api.test.alipay.net/atinterface/receive_notify.htm?a=1&b=%20',
    empty: '',
    missing: undefined,
    biz_content: '{"subject":"大乐透","total_amount":"0.01","body":"a=b&c"}',
  };
  assert.equal(
    requestSignContent(params),
    'app_id=2014072300007148&biz_content={"subject":"大乐透","total_amount":"0.01","body":"a=b&c"}&charset=utf-8&method=alipay.trade.pay&notify_url=http://api.test.alipay.net/atinterface/receive_notify.htm?a=1&b=%20&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0',
  );
});

test('notify rule additionally drops sign_type', () => {
  assert.equal(notifySignContent({ b: '2', a: '1', sign_type: 'RSA2', sign: 's', c: '' }), 'a=1&b=2');
});

test('sort is by code unit: upper case before lower, underscore between', () => {
  assert.equal(requestSignContent({ a_b: '1', aB: '2', ab: '3', A: '4' }), 'A=4&aB=2&a_b=1&ab=3');
});

test('property: sign then verify round-trips for any parameter set, RSA2 and RSA, utf-8 and gbk', () => {
  const key = fc.stringMatching(/^[a-z_]{1,12}$/);
  fc.assert(
    fc.property(fc.dictionary(key, fc.string({ unit: 'grapheme' })), fc.constantFrom('RSA2', 'RSA') as fc.Arbitrary<'RSA2' | 'RSA'>, (params, signType) => {
      const content = requestSignContent(params);
      const sig = signText(content, appKeys.privateKey, signType);
      return verifyText(content, sig, appKeys.publicKey, signType) && !verifyText(content + 'x', sig, appKeys.publicKey, signType) && !verifyText(content, sig, otherKeys.publicKey, signType);
    }),
    { numRuns: 60 },
  );
  const gbk = requestSignContent({ subject: '支付宝测试', a: '1' });
  const sig = signText(gbk, appKeys.privateKey, 'RSA2', 'gbk');
  assert.ok(verifyText(gbk, sig, appKeys.publicKey, 'RSA2', 'gbk'));
  assert.ok(!verifyText(gbk, sig, appKeys.publicKey, 'RSA2', 'utf-8'));
});

test('verifyText never throws on garbage signatures', () => {
  assert.equal(verifyText('a=1', '', appKeys.publicKey, 'RSA2'), false);
  assert.equal(verifyText('a=1', '!!!not base64', appKeys.publicKey, 'RSA2'), false);
  assert.equal(verifyText('a=1', 'AAAA', appKeys.publicKey, 'RSA'), false);
});
