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

export class FormDecodeError extends Error {}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[65 + i] = HEX_VALUE[97 + i] = 10 + i;

// Markers written in place of the literal separators while decoding; a body that decodes to
// either byte itself (%00, %01) takes the slow path, so they are never confused with data.
const PAIR_END = 0x00;
const KEY_END = 0x01;

/**
 * Parses `application/x-www-form-urlencoded` (a notify body, a return_url query). The charset is
 * the body's own `charset` parameter (Alipay puts it in every notify), else `fallback`. Each value
 * is decoded exactly once (`passback_params` with `%` or `+` survives). A repeated key is an
 * error: a notify that says two things about one field is not to be trusted.
 *
 * This is on the notify hot path, so it decodes every escape in one pass over the bytes and turns
 * them into text with a single decoder call (Buffer methods and decodeURIComponent per value
 * cost more than the RSA verification they precede: see bench/).
 */
export function parseForm(raw: string | Buffer, fallback: Charset = 'utf-8'): { params: Record<string, string>; charset: Charset } {
  const src = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const charset = bodyCharset(src) ?? fallback;
  const out = Buffer.allocUnsafe(src.length);
  const n = decodeEscapes(src, out);
  if (n < 0) return { params: parseFormSlow(src, charset), charset };
  const text = decodeStrict(out.subarray(0, n), charset);
  const params: Record<string, string> = Object.create(null);
  for (const pair of text.split('\u0000')) {
    if (pair === '') continue; // `a=1&&b=2`, or a trailing `&`
    const k = pair.indexOf('\u0001');
    const key = k < 0 ? pair : pair.slice(0, k);
    if (params[key] !== undefined) throw new FormDecodeError(`parameter "${key}" appears more than once`);
    params[key] = k < 0 ? '' : pair.slice(k + 1);
  }
  return { params, charset };
}

/** The value of a top-level `charset=` parameter, if the body has one. */
/**
 * One pass over the body: `+` to space, `%XX` to its byte, the literal `&` and first `=` of each
 * pair to the PAIR_END / KEY_END markers. Returns the decoded length, or -1 when the data itself
 * holds a marker byte (then the caller takes the slow path). Kept small so V8 optimises it whole.
 */
function decodeEscapes(src: Uint8Array, out: Uint8Array): number {
  const len = src.length;
  let n = 0;
  let inKey = true;
  let clash = false;
  for (let i = 0; i < len; i++) {
    const c = src[i]!;
    if (c > 0x3d) {
      out[n++] = c; // letters, digits above '=', and most punctuation: the common case first
    } else if (c === 0x26 /* & */) {
      out[n++] = PAIR_END;
      inKey = true;
    } else if (c === 0x3d /* = */ && inKey) {
      out[n++] = KEY_END;
      inKey = false;
    } else if (c === 0x2b /* + */) {
      out[n++] = 0x20;
    } else if (c === 0x25 /* % */) {
      const hi = i + 2 < len ? HEX_VALUE[src[i + 1]!]! : -1;
      const lo = i + 2 < len ? HEX_VALUE[src[i + 2]!]! : -1;
      if (hi < 0 || lo < 0) throw new FormDecodeError(`bad percent-escape at byte ${i}`);
      const b = (hi << 4) | lo;
      if (b <= KEY_END) clash = true;
      out[n++] = b;
      i += 2;
    } else {
      if (c <= KEY_END) clash = true;
      out[n++] = c;
    }
  }
  return clash ? -1 : n;
}

function bodyCharset(src: Buffer): Charset | undefined {
  for (let at = src.indexOf('charset='); at >= 0; at = src.indexOf('charset=', at + 1)) {
    if (at > 0 && src[at - 1] !== 0x26) continue; // part of another key (e.g. input_charset)
    let end = src.indexOf(0x26, at);
    if (end < 0) end = src.length;
    const named = src.toString('latin1', at + 8, end);
    const c = normaliseCharset(named);
    if (!c) throw new FormDecodeError(`unsupported charset ${JSON.stringify(named)}`);
    return c;
  }
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes to text; UTF-8 that does not decode is an error, not replacement characters. */
function decodeStrict(bytes: Buffer, charset: Charset): string {
  if (charset === 'gbk') return iconv.decode(bytes, 'gbk');
  const text = bytes.toString('utf8');
  if (text.includes('\ufffd')) {
    try {
      strictUtf8.decode(bytes);
    } catch {
      throw new FormDecodeError('the body is not valid UTF-8');
    }
  }
  return text;
}

/** The plain way, pair by pair: for the rare body whose data contains the marker bytes. */
function parseFormSlow(src: Buffer, charset: Charset): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  for (const pair of src.toString('latin1').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeStrict(percentDecode(eq < 0 ? pair : pair.slice(0, eq)), charset);
    if (params[key] !== undefined) throw new FormDecodeError(`parameter "${key}" appears more than once`);
    params[key] = eq < 0 ? '' : decodeStrict(percentDecode(pair.slice(eq + 1)), charset);
  }
  return params;
}

function percentDecode(latin1: string): Buffer {
  const out = Buffer.allocUnsafe(latin1.length);
  let n = 0;
  for (let i = 0; i < latin1.length; i++) {
    const c = latin1.charCodeAt(i);
    if (c === 0x2b) out[n++] = 0x20;
    else if (c === 0x25) {
      out[n++] = (HEX_VALUE[latin1.charCodeAt(i + 1)]! << 4) | HEX_VALUE[latin1.charCodeAt(i + 2)]!;
      i += 2;
    } else out[n++] = c;
  }
  return out.subarray(0, n);
}
