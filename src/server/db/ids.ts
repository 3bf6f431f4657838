/**
 * Our identifiers: a prefix naming the kind of row and 24 random base62 characters (~143 bits),
 * e.g. `ord_3kTq0…`, `re_Z81m…`. The schema checks the shape (orders_id_format, refunds_id_format).
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'ord' | 're' | 'pa';

export function newId(prefix: IdPrefix, length = 24): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: reject the top bytes so every character is equally likely.
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return `${prefix}_${out}`;
}
