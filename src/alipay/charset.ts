/**
 * Charsets on the wire. Alipay accepts utf-8 and GBK (gb2312 is a subset of GBK). With GBK the
 * signed bytes, the form body and the percent-escapes are all GBK (Java's SDK: getBytes(charset),
 * URLEncoder with the same charset). UTF-8 takes fast native paths; GBK goes through iconv-lite.
 */
import iconv from 'iconv-lite';
import { AlipayConfigError } from './errors.js';

export type Charset = 'utf-8' | 'gbk';

/** Normalises what people and SDKs write (`UTF-8`, `utf8`, `GBK`, `gb2312`). Undefined if unknown. */
export function normaliseCharset(name: string | undefined): Charset | undefined {
  if (name === undefined || name === '') return 'utf-8';
  const n = name.toLowerCase();
  if (n === 'utf-8' || n === 'utf8') return 'utf-8';
  if (n === 'gbk' || n === 'gb2312') return 'gbk';
  return undefined;
}

export function charsetOrThrow(name: string | undefined, field = 'charset'): Charset {
  const c = normaliseCharset(name);
  if (!c) throw new AlipayConfigError(field, `must be "utf-8" or "gbk", got ${JSON.stringify(name)}`);
  return c;
}

export function encodeText(text: string, charset: Charset): Buffer {
  return charset === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gbk');
}

export function decodeText(bytes: Buffer, charset: Charset): string {
  return charset === 'utf-8' ? bytes.toString('utf8') : iconv.decode(bytes, 'gbk');
}

/**
 * Percent-encodes a value for a URL query or form body in the given charset, the way
 * encodeURIComponent does for UTF-8 (unreserved ASCII kept, everything else %XX of the bytes).
 */
export function percentEncode(value: string, charset: Charset): string {
  if (charset === 'utf-8') return encodeURIComponent(value);
  let out = '';
  for (const byte of iconv.encode(value, 'gbk')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.!~*'()]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `k=v&k=v` with percent-encoding in the charset, in the order given. Empty values are left out. */
export function encodeForm(params: Record<string, string | undefined>, charset: Charset): string {
  const parts: string[] = [];
  for (const key in params) {
    const value = params[key];
    if (value === undefined || value === '') continue;
    parts.push(`${percentEncode(key, charset)}=${percentEncode(value, charset)}`);
  }
  return parts.join('&');
}
