/**
 * The byte-level primitives: RSA PKCS#1 v1.5 with SHA-256 (`RSA2`) or SHA-1 (`RSA`), base64 with
 * no line breaks. One-shot crypto.sign/verify on a cached KeyObject: no per-call key parsing.
 */
import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { encodeText, type Charset } from '../charset.js';
import { decodeBase64 } from './base64.js';

export type SignType = 'RSA2' | 'RSA';

export const HASH_OF: Record<SignType, 'sha256' | 'sha1'> = { RSA2: 'sha256', RSA: 'sha1' };

export function isSignType(value: unknown): value is SignType {
  return value === 'RSA2' || value === 'RSA';
}

export function signText(text: string, key: KeyObject, signType: SignType, charset: Charset = 'utf-8'): string {
  return cryptoSign(HASH_OF[signType], encodeText(text, charset), key).toString('base64');
}

export function verifyText(text: string, signature: string, key: KeyObject, signType: SignType, charset: Charset = 'utf-8'): boolean {
  return verifyBytes(encodeText(text, charset), decodeBase64(signature), key, signType);
}

/**
 * crypto.verify, on purpose. crypto.publicDecrypt plus crypto.hash and a comparison with the
 * expected DigestInfo measured 1 µs (about 4%) faster per RSA-2048 verification on the bench
 * machine, as it skips node's sign-job plumbing; but that is signature verification assembled by
 * hand, and a notify's verdict is worth more than 4%.
 */
export function verifyBytes(data: Buffer, signature: Buffer, key: KeyObject, signType: SignType): boolean {
  if (signature.length === 0) return false;
  try {
    return cryptoVerify(HASH_OF[signType], data, key, signature);
  } catch {
    return false;
  }
}
