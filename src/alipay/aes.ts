/**
 * Alipay's content encryption (`encrypt_type=AES`, protocol notes §5): AES-CBC with an all-zero IV
 * and PKCS#7 padding, base64 in and out, UTF-8 text. The zero IV is Alipay's choice, not ours: it
 * makes encryption deterministic (equal plaintexts, or equal leading blocks, give equal
 * ciphertext), so this is weaker than textbook CBC; TLS still carries the real confidentiality.
 * The key is the console's `encryptKey` (base64 of 16 bytes); a 24- or 32-byte key selects
 * AES-192/256, as crypto-js (official Node SDK) and Java's Cipher do when handed one.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AlipayConfigError, AlipaySignatureError, AlipayValidationError } from './errors.js';

const ZERO_IV = Buffer.alloc(16);

const CIPHER_BY_KEY_LENGTH: ReadonlyMap<number, string> = new Map([
  [16, 'aes-128-cbc'],
  [24, 'aes-192-cbc'],
  [32, 'aes-256-cbc'],
]);

/** Canonical base64 shape: whole quads, padding only at the end. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Matches an unpaired UTF-16 surrogate, which UTF-8 cannot carry. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** `fatal` so that a wrong key that happens to leave valid padding is still caught. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Encrypts UTF-8 text; returns base64. Throws AlipayConfigError('encryptKey') for a bad key. */
export function aesEncrypt(plainText: string, base64Key: string): string {
  const { key, algorithm } = parseKey(base64Key);
  if (typeof plainText !== 'string') throw new AlipayValidationError('plainText', 'a string');
  // Node would silently turn a lone surrogate into U+FFFD; refuse rather than send other text.
  if (LONE_SURROGATE.test(plainText)) {
    throw new AlipayValidationError('plainText', 'well-formed Unicode text (found an unpaired surrogate)');
  }
  const cipher = createCipheriv(algorithm, key, ZERO_IV);
  return Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]).toString('base64');
}

/**
 * Decrypts Alipay's base64 ciphertext to text. A bad key is a configuration error; a ciphertext
 * that is not base64, has a bad length or padding, or does not decrypt to UTF-8 is an
 * AlipaySignatureError('ERR_RESPONSE_MALFORMED') (most often: the wrong encryptKey).
 */
export function aesDecrypt(cipherBase64: string, base64Key: string): string {
  const { key, algorithm } = parseKey(base64Key);
  const fail = (why: string): never => {
    throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `could not decrypt the AES response: ${why}`);
  };
  if (typeof cipherBase64 !== 'string' || cipherBase64 === '' || !BASE64.test(cipherBase64)) fail('it is not base64');
  const data = Buffer.from(cipherBase64, 'base64');
  if (data.length % 16 !== 0) fail(`${data.length} bytes is not a whole number of AES blocks`);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv(algorithm, key, ZERO_IV);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    return fail('bad padding (is the encryptKey right?)');
  }
  try {
    return UTF8.decode(plain);
  } catch {
    return fail('the result is not UTF-8 text (is the encryptKey right?)');
  }
}

function parseKey(base64Key: string): { key: Buffer; algorithm: string } {
  if (typeof base64Key !== 'string') throw new AlipayConfigError('encryptKey', 'must be a string (the base64 AES key)');
  // Pasted keys often carry a line break; nothing else is forgiven. Never echo the key itself.
  const compact = base64Key.replace(/\s+/g, '');
  if (compact === '' || !BASE64.test(compact)) {
    throw new AlipayConfigError('encryptKey', 'is not base64: give the AES key exactly as the Alipay console shows it');
  }
  const key = Buffer.from(compact, 'base64');
  const algorithm = CIPHER_BY_KEY_LENGTH.get(key.length);
  if (algorithm === undefined) {
    throw new AlipayConfigError('encryptKey', `decodes to ${key.length} bytes; an AES key is 16 bytes (or 24/32)`);
  }
  return { key, algorithm };
}
