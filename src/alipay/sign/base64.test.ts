import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBase64, decodeBase64Ascii, decodeBase64Into } from './base64.js';

// Buffer.from is the reference: decodeBase64 must give the same bytes for any text, whichever path runs.
const same = (text: string) => assert.deepEqual(decodeBase64(text), Buffer.from(text, 'base64'), JSON.stringify(text));

test('canonical base64 of any bytes decodes exactly (every padding: none, one, two)', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
    const text = Buffer.from(bytes).toString('base64');
    assert.deepEqual(decodeBase64(text), Buffer.from(bytes));
  }), { numRuns: 2000 }); // prettier-ignore
  // Every byte value in every position of a group.
  const all = Buffer.from(Array.from({ length: 256 * 3 }, (_, i) => (i * 7 + (i >> 8)) & 255));
  for (let n = 0; n <= 9; n++) assert.deepEqual(decodeBase64(all.subarray(0, all.length - n).toString('base64')), all.subarray(0, all.length - n));
});

test('a 2048-bit signature (344 characters ending in ==) decodes to its 256 bytes', () => {
  const sig = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
  const text = sig.toString('base64');
  assert.equal(text.length, 344);
  assert.ok(text.endsWith('=='));
  assert.deepEqual(decodeBase64(text), sig);
});

test('anything not canonical gives what Buffer.from gives', () => {
  const sig = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 37) & 255)).toString('base64');
  for (const text of [
    '',
    'QQ',
    'QQ=',
    'QUI',
    'A===',
    '====',
    'QQ==QQ==',
    'QU=J',
    sig.replace(/(.{76})/g, '$1\n'), // line-wrapped as MIME encoders do
    sig.replace(/\+/g, '-').replace(/\//g, '_'), // URL-safe alphabet
    ' ' + sig.slice(1),
    sig.slice(0, 100) + '*' + sig.slice(101),
    sig.slice(0, 100) + '\u0141' + sig.slice(101), // 0x141: its low byte is 'A'
    sig.slice(0, 100) + '\u00c1' + sig.slice(101), // 0xC1: a Latin-1 letter
    sig.slice(0, 342) + '\u0141=', // in the padded group
    'QUJD\u0141UJD',
  ]) {
    same(text);
  }
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'AZaz09+/=-_ \n*\u0141'.split('')), maxLength: 24 }), (text) => same(text)), { numRuns: 3000 });
});

// Base64 text, canonical or not, with bytes before and after it.
const texts = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
  fc.string({ unit: fc.constantFrom(...'AZaz09+/=-_ \n*'.split('')), maxLength: 24 }),
);
const noise = fc.uint8Array({ maxLength: 9 });

test('bytes inside a larger buffer decode by their own range, canonical or not', () => {
  fc.assert(fc.property(noise, texts, noise, (before, text, after) => {
    const all = Buffer.concat([Buffer.from(before), Buffer.from(text, 'latin1'), Buffer.from(after)]);
    assert.deepEqual(decodeBase64Ascii(all, before.length, before.length + text.length), Buffer.from(text, 'base64'));
  }), { numRuns: 3000 }); // prettier-ignore
});

test('decodeBase64Into: canonical text inside a larger buffer gives its bytes and length; anything else, or too little room, gives -1', () => {
  fc.assert(fc.property(noise, texts, noise, (before, text, after) => {
    const all = Buffer.concat([Buffer.from(before), Buffer.from(text, 'latin1'), Buffer.from(after)]);
    const out = Buffer.alloc(64);
    const n = decodeBase64Into(new DataView(all.buffer, all.byteOffset, all.length), before.length, before.length + text.length, new DataView(out.buffer, out.byteOffset, out.length));
    const canonical = text.length > 0 && /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
    if (!canonical) assert.equal(n, -1, JSON.stringify(text));
    else assert.deepEqual(out.subarray(0, n), Buffer.from(text, 'base64'), JSON.stringify(text));
  }), { numRuns: 3000 }); // prettier-ignore
  // The rule for room is one byte past the result, whatever the padding.
  const into = (size: number, room: number) => {
    const text = new TextEncoder().encode(Buffer.from(Array.from({ length: size }, (_, i) => i)).toString('base64'));
    return decodeBase64Into(new DataView(text.buffer), 0, text.length, new DataView(new ArrayBuffer(room)));
  };
  for (const size of [255, 256, 257]) {
    assert.equal(into(size, size + 1), size);
    assert.equal(into(size, size), -1);
  }
});
