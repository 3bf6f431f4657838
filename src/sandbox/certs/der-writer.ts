/**
 * The DER encoder the sandbox needs to issue X.509 certificates: the handful of ASN.1 types a
 * certificate is made of, each returned as its complete encoding (tag, length, content) in a
 * Buffer, so they nest by plain function calls:
 *
 *   sequence(integer(2n), oid('1.2.840.113549.1.1.11'), nullValue())
 *
 * Only definite-length DER, only low tag numbers (below 31), which is all X.509 uses. The matching
 * reader is src/alipay/cert/der.ts.
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** The length octets: short form below 128, otherwise 0x80 | count followed by big-endian bytes. */
export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid DER length ${length}`);
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element: tag byte, length, content. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw new RangeError(`unsupported DER tag ${tag}`);
  }
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...items: Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, Buffer.concat(items));
}

/** SET OF: DER wants the members sorted by their encodings; we sort, so callers need not care. */
export function set(...items: Uint8Array[]): Buffer {
  const sorted = [...items].map((i) => Buffer.from(i)).sort(Buffer.compare);
  return tlv(TAG.SET, Buffer.concat(sorted));
}

/** `[n] EXPLICIT`: a constructed context-specific wrapper around one complete element. */
export function explicit(n: number, inner: Uint8Array): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] out of range`);
  return tlv(0xa0 | n, inner);
}

/** `[n] IMPLICIT` on a primitive type: the content bytes under a context-specific primitive tag. */
export function implicitPrimitive(n: number, content: Uint8Array): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] out of range`);
  return tlv(0x80 | n, content);
}

export function boolean(value: boolean): Buffer {
  return tlv(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
}

export function nullValue(): Buffer {
  return tlv(TAG.NULL, Buffer.alloc(0));
}

/**
 * INTEGER from a bigint, in minimal two's complement: no redundant leading 0x00 or 0xff byte, and
 * a 0x00 prepended when a positive number's top bit is set (else it would read as negative).
 */
export function integer(value: bigint | number): Buffer {
  let n = BigInt(value);
  if (n === 0n) return tlv(TAG.INTEGER, Buffer.from([0]));
  const bytes: number[] = [];
  if (n > 0n) {
    while (n > 0n) {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    }
    if (bytes[0]! & 0x80) bytes.unshift(0);
  } else {
    // Collect bytes until the rest is all sign (-1) and the top byte already reads as negative.
    while (n < -1n || bytes.length === 0 || !(bytes[0]! & 0x80)) {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    }
  }
  return tlv(TAG.INTEGER, Buffer.from(bytes));
}

/** INTEGER from unsigned big-endian bytes (a serial number): leading zeros dropped, sign byte added. */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = Buffer.from(bytes.subarray(start));
  if (body.length === 0) return tlv(TAG.INTEGER, Buffer.from([0]));
  return tlv(TAG.INTEGER, body[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

/** OBJECT IDENTIFIER from dotted text. Arcs go through BigInt, so UUID arcs (2.25.x) work. */
export function oid(dotted: string): Buffer {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new RangeError(`not a dotted OID: ${dotted}`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [first, second, ...rest] = arcs as [bigint, bigint, ...bigint[]];
  if (first < 2n && second > 39n) throw new RangeError(`second arc of ${dotted} must be below 40`);
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) chunk.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

/** BIT STRING: the unused-bits count byte, then the bits. */
export function bitString(bits: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bits.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`invalid unused bit count ${unusedBits}`);
  }
  return tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bits]));
}

/**
 * A named-bit BIT STRING (KeyUsage) from the numbers of the bits that are set, bit 0 being the
 * most significant bit of the first byte. DER drops trailing zero bits, so the value ends at the
 * highest set bit and the unused count covers the rest of that byte.
 */
export function namedBits(setBits: readonly number[]): Buffer {
  if (setBits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...setBits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of setBits) {
    if (!Number.isInteger(bit) || bit < 0) throw new RangeError(`invalid bit number ${bit}`);
    bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  return bitString(bytes, 7 - (highest & 7));
}

export function octetString(content: Uint8Array): Buffer {
  return tlv(TAG.OCTET_STRING, content);
}

export function utf8String(text: string): Buffer {
  return tlv(TAG.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** PrintableString: A-Z a-z 0-9 space and ' ( ) + , - . / : = ? only. */
export function printableString(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new RangeError(`not a PrintableString: ${JSON.stringify(text)}`);
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

const two = (n: number) => String(n).padStart(2, '0');

function assertValidDate(date: Date): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError('invalid date');
}

/** UTCTime `YYMMDDHHMMSSZ` (seconds always present, as RFC 5280 requires); years 1950 to 2049 only. */
export function utcTime(date: Date): Buffer {
  assertValidDate(date);
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime covers 1950 to 2049, got ${year}`);
  const text =
    two(year % 100) + two(date.getUTCMonth() + 1) + two(date.getUTCDate()) +
    two(date.getUTCHours()) + two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + 'Z';
  return tlv(TAG.UTC_TIME, Buffer.from(text, 'latin1'));
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ`, no fractional seconds (RFC 5280 §4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  assertValidDate(date);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`GeneralizedTime needs a four-digit year, got ${year}`);
  const text =
    String(year).padStart(4, '0') + two(date.getUTCMonth() + 1) + two(date.getUTCDate()) +
    two(date.getUTCHours()) + two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + 'Z';
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(text, 'latin1'));
}

/**
 * X.509 `Time` (RFC 5280 §4.1.2.5): UTCTime for dates in 1950 through 2049, GeneralizedTime for
 * 2050 onwards (and before 1950). Milliseconds are dropped: certificates count whole seconds.
 */
export function x509Time(date: Date): Buffer {
  assertValidDate(date);
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? utcTime(date) : generalizedTime(date);
}

/** PEM text: base64 in 64-character lines between BEGIN/END markers, with a final newline. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
