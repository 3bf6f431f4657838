/**
 * Reading `application/x-www-form-urlencoded` text: notify bodies, return_url queries, gateway
 * requests. The charset is the body's own `charset` parameter (Alipay puts it in every notify and
 * request), else the caller's fallback. Each value is decoded exactly once, so `passback_params`
 * with `%` or `+` survives. A repeated key is an error: a notify that says two things about one
 * field is not to be trusted.
 *
 * Notify verification is a hot path: an RSA-2048 verification takes 20-40 µs, and everything
 * around it is measured against that (bench/, issue #2: notify verification >= 80% of raw verify).
 * So:
 * - one pass over the bytes decodes every escape and records where each pair sits, four bytes at a
 *   time through runs without `%`, `&`, `+`, `=` (most of a notify); ASCII values are slices of
 *   one latin1 string of the decoded bytes, and only non-ASCII ones are decoded apart;
 * - keys Alipay sends are recognised by their bytes and given as constant strings: building an
 *   object from freshly made key strings costs V8 a string-table lookup per key;
 * - a body of such keys gets its parameters object from a constructor made for its sequence of
 *   keys (see formParams);
 * - the bytes a callback was signed over are copied straight from the decoded bytes, in key
 *   order, instead of building the sign string and encoding it again.
 * Everything here is synchronous, so a copy of the body, the decoded bytes, their table of offsets,
 * the sign order, the signed bytes and the signature live in scratch memory reused across calls
 * (each allocation saved is 0.05-0.1 µs). Strings and parameters handed out are copies; the signed
 * bytes and signature readCallbackForm gives are not (see there).
 */
import iconv from 'iconv-lite';
import { normaliseCharset, type Charset } from './charset.js';
import { decodeBase64, decodeBase64Ascii, decodeBase64Into } from './sign/base64.js';

export class FormDecodeError extends Error {}

/** Parses a form body into its parameters (values decoded once, repeated keys refused). */
export function parseForm(raw: string | Buffer, fallback: Charset = 'utf-8'): { params: Record<string, string>; charset: Charset } {
  const scan = scanForm(raw, fallback);
  sortPairs(scan); // refuses a repeated key
  return { params: formParams(scan), charset: scan.charset };
}

/**
 * Parses a notify body or return_url query and gives, beside its parameters, the bytes Alipay
 * signed (rsaCheckV1, alipay-protocol.md §3.3): every pair but `sign` and `sign_type`, empty
 * values dropped, sorted by key, `key=value` joined by `&`, in the body's charset.
 *
 * `signature` is the `sign` value decoded from base64 (undefined when there is none or it is
 * empty), read from the decoded bytes, not its string. `signed` and, most of the time, `signature`
 * are views of scratch memory, good only until the next call into this module: verify them at
 * once (copying them would cost a tenth of the time notify verification spends outside RSA). This
 * is why the function stays inside the package.
 */
export function readCallbackForm(raw: string | Buffer, fallback: Charset = 'utf-8'): { params: Record<string, string>; charset: Charset; signed: Buffer; signature: Buffer | undefined } {
  const scan = scanForm(raw, fallback);
  const order = sortPairs(scan); // first: it refuses a repeated key
  return { params: formParams(scan), charset: scan.charset, signed: signedBytes(scan, order), signature: signatureOf(scan) };
}

// ── the scan ─────────────────────────────────────────────────────────────

/**
 * Per pair, SLOTS numbers in `at`, offsets into the decoded bytes: start of key, end of key (where
 * its `=` is written, if it had one), end of value (the value is [keyEnd + 1, valueEnd) when
 * valueEnd > keyEnd, else empty), flags (KEY_HIGH, VALUE_HIGH: a byte >= 0x80, so not ASCII), and
 * the index of the key in KNOWN_KEYS (-1 when it is not one of them).
 */
const SLOTS = 5;
const KEY_HIGH = 1;
const VALUE_HIGH = 2;
let scratch = new Int32Array(SLOTS * 64);
let scratchBytes = Buffer.allocUnsafeSlow(4096);
let scratchWords = wordsOf(scratchBytes);
let inputScratch = Buffer.allocUnsafeSlow(4096);
let inputWords = wordsOf(inputScratch);
let signedScratch = Buffer.allocUnsafeSlow(4096);
let signedWords = wordsOf(signedScratch);
/** Scratch grows to fit a body up to this size and is kept; a larger body gets memory of its own. */
const SCRATCH_LIMIT = 64 * 1024;

interface FormScan {
  charset: Charset;
  /** The decoded bytes, [0, size): each pair as `key=value` (or just `key`), back to back, no `&`. */
  bytes: Buffer;
  size: number;
  /** The same memory, for reading four bytes at a time. */
  words: DataView;
  /** The decoded bytes as latin1: equal to the text wherever the bytes are ASCII. */
  latin1: string;
  count: number;
  at: Int32Array;
  /** The pair whose key is `sign`, or -1. */
  signPair: number;
  /** Every key is one of KNOWN_KEYS. */
  allKnown: boolean;
  /** When allKnown: a hash of the sequence of keys, to find the constructor for that shape. */
  shape: number;
  /** Some key is not ASCII (then unknown keys are compared as strings, not bytes). */
  nonAsciiKey: boolean;
}

function scanForm(raw: string | Buffer, fallback: Charset): FormScan {
  const src = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const len = src.length;
  if (scratchBytes.length < len && len <= SCRATCH_LIMIT) {
    scratchBytes = Buffer.allocUnsafeSlow(len);
    scratchWords = wordsOf(scratchBytes);
    inputScratch = Buffer.allocUnsafeSlow(len);
    inputWords = wordsOf(inputScratch);
  }
  const bytes = scratchBytes.length >= len ? scratchBytes : Buffer.allocUnsafe(len);
  const words = bytes === scratchBytes ? scratchWords : wordsOf(bytes);
  // A body that fits is read from a copy in scratch: copying it costs less than a DataView over
  // the caller's buffer.
  const copied = bytes === scratchBytes;
  if (copied) inputScratch.set(src);
  const input = copied ? inputScratch : src;
  const inWords = copied ? inputWords : wordsOf(src);
  let at = scratch;
  let r = decodePairs(input, len, inWords, bytes, words, at);
  if (r < 0) {
    at = new Int32Array(SLOTS * (countPairs(src) + 1));
    if (at.length * 4 <= SCRATCH_LIMIT) scratch = at;
    r = decodePairs(input, len, inWords, bytes, words, at);
  }
  const count = r >>> 1;
  const size = count === 0 ? 0 : at[SLOTS * (count - 1) + 2]!;
  const { allKnown, charsetPair, signPair, shape } = recogniseKeys(words, at, count);
  const latin1 = bytes.toString('latin1', 0, size);
  const charset = charsetPair < 0 ? fallback : charsetOf(latin1.slice(at[charsetPair + 1]! + 1, at[charsetPair + 2]!));
  return { charset, bytes, size, words, latin1, count, at, signPair, allKnown, shape, nonAsciiKey: (r & 1) === 1 };
}

function charsetOf(named: string): Charset {
  const c = normaliseCharset(named);
  if (!c) throw new FormDecodeError(`unsupported charset ${JSON.stringify(named)}`);
  return c;
}

// Byte classes for the scan: most bytes of a notify (letters, digits, '-', '.', ':') are plain.
const PLAIN = 0;
const AMP = 1;
const EQUALS = 2;
const PLUS = 3;
const PERCENT = 4;
const HIGH = 5;
const CLASS = new Uint8Array(256);
CLASS[0x26] = AMP;
CLASS[0x3d] = EQUALS;
CLASS[0x2b] = PLUS;
CLASS[0x25] = PERCENT;
CLASS.fill(HIGH, 0x80);

/**
 * The high bit of each byte of the word that may not be plain, 0 when all four are. Wider than the
 * byte classes, for fewer operations a word: every byte below 0x2C (`%`, `&`, `+`, and `!"#$'()*`
 * and control bytes, which the byte classes then call plain), `=`, and every byte >= 0x80.
 * - w - 0x2C2C2C2C sets the high bit of a byte below 0x2C or at or above 0xAC;
 * - (w ^ 0x3D3D3D3D) - 0x01010101 sets it for `=` and for every byte >= 0x80 but 0xBD (whose XOR
 *   is exactly 0x80), and for no other byte below 0x80.
 * A borrow can set a bit above a true hit, or clear one above it, never touch one below it, so the
 * lowest bit set marks the first byte that may not be plain. Checked over all 2^32 words.
 */
function specialBits(w: number): number {
  return ((w - 0x2c2c2c2c) | ((w ^ 0x3d3d3d3d) - 0x01010101)) & 0x80808080;
}

function wordsOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[65 + i] = HEX_VALUE[97 + i] = 10 + i;

function countPairs(src: Buffer): number {
  let n = 1;
  for (let at = src.indexOf(0x26); at >= 0; at = src.indexOf(0x26, at + 1)) n++;
  return n;
}

/**
 * One pass over the body: `+` to space, `%XX` to its byte, pairs written as `key=value` back to
 * back into `out`, and each pair's offsets and flags into `at`. Empty pairs (`a=1&&b=2`, a
 * trailing `&`) are skipped. Returns count << 1 | (some key not ASCII), or -1 when `at` is too
 * small. Kept small so V8 optimises it whole.
 */
function decodePairs(src: Uint8Array, len: number, srcWords: DataView, out: Uint8Array, outWords: DataView, at: Int32Array): number {
  const room = at.length - SLOTS;
  let n = 0; // bytes written
  let o = 0; // slot offset of the current pair
  let inKey = true;
  let flags = 0;
  let nonAsciiKey = 0;
  at[0] = 0;
  let i = 0;
  while (i < len) {
    // Most of a notify is runs of plain bytes: take them four at a time. The word that ends a run
    // is copied whole but only its plain head counted (the rest is written over next); `out` has
    // room, as n <= i.
    while (i + 4 <= len) {
      const w = srcWords.getInt32(i, true);
      outWords.setInt32(n, w, true);
      const stop = specialBits(w);
      if (stop !== 0) {
        const plainHead = (31 - Math.clz32(stop & -stop)) >>> 3;
        i += plainHead;
        n += plainHead;
        break;
      }
      i += 4;
      n += 4;
    }
    if (i >= len) break;
    const c = src[i]!;
    const k = CLASS[c]!;
    if (k === PERCENT) {
      // Escapes come in runs (a Chinese character is three, JSON's `":"` is three): decode the
      // whole run here rather than going round the byte classes for each.
      let high = 0;
      do {
        const hi = i + 2 < len ? HEX_VALUE[src[i + 1]!]! : -1;
        const lo = i + 2 < len ? HEX_VALUE[src[i + 2]!]! : -1;
        if (hi < 0 || lo < 0) throw new FormDecodeError(`bad percent-escape at byte ${i}`);
        const d = (hi << 4) | lo;
        high |= d;
        out[n++] = d;
        i += 3;
      } while (i < len && src[i] === 0x25);
      if (high >= 0x80) flags |= inKey ? KEY_HIGH : VALUE_HIGH;
      continue;
    }
    i++;
    if (k === AMP) {
      if (n > at[o]!) {
        // not an empty pair: close it
        if (inKey) at[o + 1] = n;
        at[o + 2] = n;
        at[o + 3] = flags;
        nonAsciiKey |= flags & KEY_HIGH;
        o += SLOTS;
        if (o > room) return -1;
      }
      at[o] = n;
      inKey = true;
      flags = 0;
    } else if (k === EQUALS && inKey) {
      at[o + 1] = n;
      out[n++] = c;
      inKey = false;
    } else if (k === PLUS) {
      out[n++] = 0x20;
    } else {
      // a byte >= 0x80, `=` in a value, or a plain byte of the last three
      if (c >= 0x80) flags |= inKey ? KEY_HIGH : VALUE_HIGH;
      out[n++] = c;
    }
  }
  // The end of the body closes the last pair as `&` does. Repeated here rather than looping to
  // len + 1 with a virtual `&`: that costs a compare on every byte of the hot loop.
  if (n > at[o]!) {
    if (inKey) at[o + 1] = n;
    at[o + 2] = n;
    at[o + 3] = flags;
    nonAsciiKey |= flags & KEY_HIGH;
    o += SLOTS;
  }
  return ((o / SLOTS) << 1) | nonAsciiKey;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Non-ASCII bytes to text; UTF-8 that does not decode is an error, not replacement characters. */
function decodeHigh(bytes: Buffer, s: number, e: number, charset: Charset): string {
  if (charset === 'gbk') return iconv.decode(bytes.subarray(s, e), 'gbk');
  const text = bytes.toString('utf8', s, e);
  if (text.includes('\ufffd')) {
    try {
      strictUtf8.decode(bytes.subarray(s, e));
    } catch {
      throw new FormDecodeError('the body is not valid UTF-8');
    }
  }
  return text;
}

// ── known keys ───────────────────────────────────────────────────────────

/**
 * The keys of Alipay's trade notifies (trade_status_sync, refund and close notifies) and return_url
 * callbacks, in sign order. Any other key works the same, only without the shortcut.
 */
const KNOWN_KEYS: readonly string[] = [
  'app_id', 'auth_app_id', 'body', 'buyer_id', 'buyer_logon_id', 'buyer_open_id', 'buyer_pay_amount', 'charset',
  'fund_bill_list', 'gmt_close', 'gmt_create', 'gmt_payment', 'gmt_refund', 'invoice_amount', 'method', 'notify_id',
  'notify_time', 'notify_type', 'out_biz_no', 'out_trade_no', 'passback_params', 'point_amount', 'receipt_amount',
  'refund_fee', 'seller_email', 'seller_id', 'sign', 'sign_type', 'subject', 'timestamp', 'total_amount', 'trade_no',
  'trade_status', 'version', 'voucher_detail_list',
].sort(); // prettier-ignore
const SIGN = KNOWN_KEYS.indexOf('sign');
const SIGN_TYPE = KNOWN_KEYS.indexOf('sign_type');
const CHARSET = KNOWN_KEYS.indexOf('charset');
/** Scratch for sortPairs: the pair holding each known key. */
const KNOWN_SLOT = new Int32Array(KNOWN_KEYS.length);
/**
 * Keys are compared four bytes at a time: the words at 0, 4, 8, … and the last four bytes (which
 * may overlap the word before). Every known key is at least four bytes long, so a shorter key is
 * not one of them.
 */
const KNOWN_LENGTH = KNOWN_KEYS.map((k) => k.length);
const KNOWN_WORDS = KNOWN_KEYS.map((k) => {
  const words = wordsOf(Buffer.from(k, 'latin1'));
  const out: number[] = [];
  for (let at = 0; at + 4 < k.length; at += 4) out.push(words.getInt32(at, true));
  out.push(words.getInt32(k.length - 4, true));
  return Int32Array.from(out);
});
/** Open-addressed table: hash of a key (its length, first and last word) → index in KNOWN_KEYS + 1 (0: empty). */
const TABLE_BITS = 8;
const TABLE = new Int16Array(1 << TABLE_BITS);
for (let i = 0; i < KNOWN_KEYS.length; i++) {
  let h = keyHash(wordsOf(Buffer.from(KNOWN_KEYS[i]!, 'latin1')), 0, KNOWN_LENGTH[i]!);
  while (TABLE[h] !== 0) h = (h + 1) & ((1 << TABLE_BITS) - 1);
  TABLE[h] = i + 1;
}

function keyHash(words: DataView, s: number, e: number): number {
  const h = Math.imul(words.getInt32(s, true) ^ (e - s), 0x9e3779b1) ^ words.getInt32(e - 4, true);
  return Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> (32 - TABLE_BITS);
}

/**
 * Fills each pair's known-key slot. Also says where the `charset` pair is (-1: none), and hashes
 * the sequence of known keys (the body's shape).
 */
function recogniseKeys(words: DataView, at: Int32Array, count: number): { allKnown: boolean; charsetPair: number; signPair: number; shape: number } {
  let allKnown = true;
  let charsetPair = -1;
  let signPair = -1;
  let shape = count;
  for (let p = 0, o = 0; p < count; p++, o += SLOTS) {
    const s = at[o]!;
    const e = at[o + 1]!;
    let known = -1;
    if (e - s >= 4) {
      for (let h = keyHash(words, s, e); TABLE[h] !== 0; h = (h + 1) & ((1 << TABLE_BITS) - 1)) {
        const i = TABLE[h]! - 1;
        if (KNOWN_LENGTH[i] === e - s && sameWords(words, s, e, KNOWN_WORDS[i]!)) {
          known = i;
          break;
        }
      }
    }
    at[o + 4] = known;
    shape = nextShape(shape, known);
    if (known < 0) allKnown = false;
    else if (known === CHARSET) charsetPair = o;
    else if (known === SIGN) signPair = o;
  }
  return { allKnown, charsetPair, signPair, shape };
}

function nextShape(shape: number, known: number): number {
  return (Math.imul(shape, 37) + known + 1) | 0;
}

/** The shape hash of a sequence of known keys, as recogniseKeys makes it. For the tests, which need two sequences that collide. */
export function shapeHashOf(keys: readonly string[]): number {
  let shape = keys.length;
  for (const k of keys) {
    if (!KNOWN_KEYS.includes(k)) throw new Error(`${k} is not a known key`);
    shape = nextShape(shape, KNOWN_KEYS.indexOf(k));
  }
  return shape;
}

/** Every key Alipay's notifies and return_url callbacks carry that gets the fast path. For the tests. */
export const knownKeys: readonly string[] = KNOWN_KEYS;

function sameWords(words: DataView, s: number, e: number, known: Int32Array): boolean {
  let w = 0;
  for (let at = s; at + 4 < e; at += 4, w++) if (words.getInt32(at, true) !== known[w]) return false;
  return words.getInt32(e - 4, true) === known[w];
}

// ── parameters and signed bytes ──────────────────────────────────────────

/**
 * The parameters, in body order, as an object that inherits nothing (a key like `__proto__` or
 * `toString` is just a key). A body whose keys are all Alipay's own, as every notify's are, gets its
 * object from a constructor made once for that sequence of keys: one allocation with every field in
 * place. Adding 26 keys one by one to an object costs 1.2 µs, a fifteenth of the RSA verify it sits
 * beside; the constructor takes 0.03 µs. Any other body gets a dictionary object without a prototype.
 */
function formParams(scan: FormScan): Record<string, string> {
  const { at, count } = scan;
  if (scan.allKnown) {
    const Params = constructorFor(scan);
    if (Params !== undefined) return new Params(scan);
  }
  const params: Record<string, string> = Object.create(null);
  for (let p = 0, o = 0; p < count; p++, o += SLOTS) {
    const known = at[o + 4]!;
    params[known >= 0 ? KNOWN_KEYS[known]! : key(scan, o)] = value(scan, o);
  }
  return params;
}

type ParamsConstructor = new (scan: FormScan) => Record<string, string>;
interface Shape {
  /** The known-key index of each pair, in body order. */
  keys: Int8Array;
  Params: ParamsConstructor;
}
/** Shapes seen, by FormScan.shape. Alipay sends a handful; past MAX_SHAPES, new ones take the dictionary path. */
const shapes = new Map<number, Shape>();
const MAX_SHAPES = 64;
/** The constructed objects' prototype: empty, without a prototype of its own, and frozen. */
const NOTHING = Object.freeze(Object.create(null) as object);

function constructorFor(scan: FormScan): ParamsConstructor | undefined {
  const { at, count } = scan;
  const shape = shapes.get(scan.shape);
  if (shape !== undefined) {
    // A hash match is not proof: compare the sequence (a mismatch takes the dictionary path).
    if (shape.keys.length !== count) return undefined;
    for (let p = 0; p < count; p++) if (shape.keys[p] !== at[p * SLOTS + 4]) return undefined;
    return shape.Params;
  }
  if (shapes.size >= MAX_SHAPES) return undefined;
  const keys = new Int8Array(count);
  let body = '';
  for (let p = 0; p < count; p++) {
    keys[p] = at[p * SLOTS + 4]!;
    // The names are KNOWN_KEYS (identifiers of our own), never text from the body.
    body += `this.${KNOWN_KEYS[keys[p]!]!} = value(scan, ${p * SLOTS});\n`;
  }
  const Params = new Function('value', `return function Params(scan) {\n${body}}`)(value) as ParamsConstructor;
  Params.prototype = NOTHING;
  shapes.set(scan.shape, { keys, Params });
  return Params;
}

function key(scan: FormScan, o: number): string {
  const { at } = scan;
  const s = at[o]!;
  const e = at[o + 1]!;
  return at[o + 3]! & KEY_HIGH ? decodeHigh(scan.bytes, s, e, scan.charset) : scan.latin1.slice(s, e);
}

/**
 * The `sign` value as bytes; undefined when there is no sign or it is empty. A non-ASCII one (never
 * canonical base64) goes by its decoded text.
 */
function signatureOf(scan: FormScan): Buffer | undefined {
  const { at, signPair: o } = scan;
  if (o < 0) return undefined;
  const start = at[o + 1]! + 1;
  const end = at[o + 2]!;
  if (end <= start) return undefined;
  if (at[o + 3]! & VALUE_HIGH) return decodeBase64(value(scan, o));
  const n = decodeBase64Into(scan.words, start, end, signatureWords);
  if (n === RSA_2048_BYTES) return signature2048;
  return n > 0 ? signatureScratch.subarray(0, n) : decodeBase64Ascii(scan.bytes, start, end);
}
/** Scratch for signatureOf: room for an RSA-4096 signature and the one byte decodeBase64Into writes past it. */
const signatureScratch = Buffer.allocUnsafeSlow(1024);
const signatureWords = wordsOf(signatureScratch);
/** Every signature Alipay sends today is RSA-2048: its view is made once (a view costs as much as a tenth of the decode). */
const RSA_2048_BYTES = 256;
const signature2048 = signatureScratch.subarray(0, RSA_2048_BYTES);

function value(scan: FormScan, o: number): string {
  const { at } = scan;
  const s = at[o + 1]! + 1;
  const e = at[o + 2]!;
  if (e <= s) return '';
  return at[o + 3]! & VALUE_HIGH ? decodeHigh(scan.bytes, s, e, scan.charset) : scan.latin1.slice(s, e);
}

/**
 * The pair offsets (indexes into `at`), scan.count of them, sorted by key the way Alipay sorts
 * (Java String order, which for ASCII keys is byte order). When every key is known the order comes
 * from KNOWN_KEYS without comparing anything. A repeated key is refused here. The result is
 * scratch memory (orderScratch) when it fits.
 */
function sortPairs(scan: FormScan): Int32Array {
  const { at, bytes, count } = scan;
  const sorted = orderScratch.length >= count ? orderScratch : new Int32Array(count);
  if (sorted.length * 4 <= SCRATCH_LIMIT) orderScratch = sorted;
  if (scan.allKnown) {
    const slot = KNOWN_SLOT.fill(-1);
    for (let p = 0, o = 0; p < count; p++, o += SLOTS) {
      const k = at[o + 4]!;
      if (slot[k] !== -1) throw repeated(KNOWN_KEYS[k]!);
      slot[k] = o;
    }
    let n = 0;
    for (let k = 0; k < slot.length; k++) if (slot[k] !== -1) sorted[n++] = slot[k]!;
    return sorted;
  }
  const order: number[] = new Array(count);
  for (let p = 0; p < count; p++) order[p] = p * SLOTS;
  const cmp = scan.nonAsciiKey
    ? (a: number, b: number) => { const x = key(scan, a), y = key(scan, b); return x < y ? -1 : x > y ? 1 : 0; } // prettier-ignore
    : (a: number, b: number) => compareBytes(bytes, at[a]!, at[a + 1]!, at[b]!, at[b + 1]!);
  order.sort(cmp);
  for (let i = 1; i < count; i++) {
    if (cmp(order[i - 1]!, order[i]!) === 0) throw repeated(key(scan, order[i]!));
  }
  sorted.set(order);
  return sorted;
}
let orderScratch = new Int32Array(64);

function repeated(key: string): FormDecodeError {
  return new FormDecodeError(`parameter "${key}" appears more than once`);
}

function compareBytes(b: Uint8Array, as: number, ae: number, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = b[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/**
 * Copies the pairs in `order`, joined by `&`, skipping sign, sign_type and empty values. Each
 * pair already sits in the decoded bytes as `key=value`, so it is one run to copy.
 */
function signedBytes(scan: FormScan, order: Int32Array): Buffer {
  const { at, bytes, count, words: from } = scan;
  const need = scan.size + count;
  if (signedScratch.length < need && need <= SCRATCH_LIMIT) {
    signedScratch = Buffer.allocUnsafeSlow(need);
    signedWords = wordsOf(signedScratch);
  }
  const out = signedScratch.length >= need ? signedScratch : Buffer.allocUnsafe(need);
  const to = out === signedScratch ? signedWords : wordsOf(out);
  let n = 0;
  for (let i = 0; i < count; i++) {
    const o = order[i]!;
    const end = at[o + 2]!;
    const known = at[o + 4]!;
    if (end <= at[o + 1]! + 1 || known === SIGN || known === SIGN_TYPE) continue;
    if (n > 0) out[n++] = 0x26; // &
    let b = at[o]!;
    for (; b + 4 <= end; b += 4, n += 4) to.setInt32(n, from.getInt32(b, true), true);
    for (; b < end; b++) out[n++] = bytes[b]!;
  }
  return out.subarray(0, n);
}
