import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { aesDecrypt, aesEncrypt } from './aes.js';
import { AlipayConfigError, AlipaySignatureError, AlipayValidationError } from './errors.js';

// The official SDK's package `exports` only exposes its root entry, so load the built file by path.
// It is used here, and only here, as an independent reference (it uses crypto-js, not node:crypto).
const official: {
  aesEncryptText(plainText: string, aesKey: string): string;
  aesDecryptText(encryptedText: string, aesKey: string): string;
} = await import(new URL('../../node_modules/alipay-sdk/dist/esm/util.js', import.meta.url).href);

const KEY = 'aYA0GP8JEW+D7/UFaskCWA==';

test('published vector (protocol notes §5): alipay.open.auth.app.aes.set response', () => {
  const cipherText =
    '4AOYHE0rpPnRnghunsGo+mY02DzANFLwNJJCiHfrNh2oaB2pn33PwOEOvH8mjhkE3Wh/jR+3jHM9nvoFvOsY/SqZbZzamRg9Eh3VkRqOhSM=';
  const plain = '{"code":"10000","msg":"Success","aes_key":"cW8mcZgoMGUVp5g7uv7bHw=="}';
  assert.equal(aesDecrypt(cipherText, KEY), plain);
  // Zero IV makes encryption deterministic, so the vector also holds the other way round.
  assert.equal(aesEncrypt(plain, KEY), cipherText);
});

test('round trip with Chinese text, emoji and the empty string', () => {
  for (const text of ['', '{"subject":"支付宝测试商品","body":"测试"}', '😀 𠮷 é', 'x'.repeat(16)]) {
    const cipherText = aesEncrypt(text, KEY);
    assert.equal(Buffer.from(cipherText, 'base64').length % 16, 0);
    assert.equal(aesDecrypt(cipherText, KEY), text);
  }
  // A full 16-byte block of text still gets a whole block of padding (PKCS#7).
  assert.equal(Buffer.from(aesEncrypt('x'.repeat(16), KEY), 'base64').length, 32);
});

test('property: decrypt(encrypt(s)) === s for any Unicode string and any key size', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom(16, 24, 32),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (text, size, bytes) => {
        const key = Buffer.from(bytes.subarray(0, size)).toString('base64');
        assert.equal(aesDecrypt(aesEncrypt(text, key), key), text);
      },
    ),
    { numRuns: 300 },
  );
});

test('same bytes as the official SDK (crypto-js) in both directions', () => {
  const key256 = randomBytes(32).toString('base64');
  const inputs = ['hello', '{"out_trade_no":"20150320010101001","total_amount":"88.88","subject":"Iphone6 16G"}', '中文，标点！', '😀'];
  for (const key of [KEY, randomBytes(16).toString('base64'), key256]) {
    for (const text of inputs) {
      const ours = aesEncrypt(text, key);
      assert.equal(ours, official.aesEncryptText(text, key));
      assert.equal(official.aesDecryptText(ours, key), text);
      assert.equal(aesDecrypt(official.aesEncryptText(text, key), key), text);
    }
  }
});

test('a key that is not base64 of 16/24/32 bytes is an AlipayConfigError on encryptKey', () => {
  const secretLooking = 'c2VjcmV0LXZhbHVlLTE3Ynk='; // base64 of 17 bytes
  const badKeys = ['', 'not base64!', 'aYA0GP8JEW+D7/UFaskC', secretLooking, randomBytes(8).toString('base64'), randomBytes(33).toString('base64')];
  for (const key of badKeys) {
    for (const run of [() => aesEncrypt('x', key), () => aesDecrypt(aesEncrypt('x', KEY), key)]) {
      assert.throws(run, (err: unknown) => {
        assert.ok(err instanceof AlipayConfigError, String(err));
        assert.equal(err.field, 'encryptKey');
        assert.ok(key === '' || !err.message.includes(key), 'the key is never echoed');
        return true;
      });
    }
  }
  // Whitespace from copy-paste is forgiven.
  assert.equal(aesDecrypt(aesEncrypt('x', KEY), ` ${KEY.slice(0, 10)}\n${KEY.slice(10)}\n`), 'x');
});

test('a ciphertext that does not decrypt is ERR_RESPONSE_MALFORMED', () => {
  const otherKey = 'cW8mcZgoMGUVp5g7uv7bHw==';
  const good = aesEncrypt('{"code":"10000","msg":"Success"}', KEY);
  // 32 bytes of text → a last block of pure padding (16 × 0x10); flipping the byte 16 earlier
  // turns the final padding byte into 0x11, which no valid PKCS#7 padding has.
  const corrupted = Buffer.from(good, 'base64');
  corrupted[corrupted.length - 17]! ^= 0x01;
  const garbage = [
    '', // empty
    'not base64 at all', // not base64
    'AAAA', // 3 bytes: not a whole block
    Buffer.alloc(16, 7).toString('base64'), // one block, padding almost surely invalid
    `${good.slice(0, -4)}AA==`, // truncated: 46 bytes
    corrupted.toString('base64'), // bad padding
  ];
  for (const cipherText of garbage) {
    assert.throws(
      () => aesDecrypt(cipherText, KEY),
      (err: unknown) => {
        assert.ok(err instanceof AlipaySignatureError, String(err));
        assert.equal(err.code, 'ERR_RESPONSE_MALFORMED');
        assert.match(err.message, /^could not decrypt the AES response/);
        return true;
      },
      JSON.stringify(cipherText),
    );
  }
  // The wrong key: bad padding, or (1 time in ~256) valid padding over bytes that are not UTF-8.
  assert.throws(() => aesDecrypt(good, otherKey), { code: 'ERR_RESPONSE_MALFORMED' });
});

test('a lone surrogate is refused instead of being silently replaced', () => {
  assert.throws(() => aesEncrypt('a\uD800b', KEY), AlipayValidationError);
});
