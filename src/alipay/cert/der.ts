/**
 * Just enough DER to read the two things node:crypto's X509Certificate does not give us:
 * the certificate's signature algorithm OID (to pick the RSA roots out of Alipay's bundle) and the
 * issuer Name as raw attributes (Java's RFC 2253 form needs each value's ASN.1 tag and bytes, which
 * the `.issuer` text has already decoded and re-escaped its own way).
 *
 * It reads headers only, never trusts a length past its parent's end, and does not validate
 * anything it does not walk: X509Certificate parses the whole certificate properly.
 */

export class DerError extends Error {
  override readonly name = 'DerError';
}

export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte: the element's whole encoding is `der.subarray(offset, end)`. */
  readonly offset: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

export const TAG = {
  INTEGER: 0x02,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** `[0] EXPLICIT Version` at the start of TBSCertificate. */
  CONTEXT_0: 0xa0,
} as const;

/** Reads one element's header at `offset`; its content must end by `limit`. */
export function readTlv(der: Uint8Array, offset: number, limit: number = der.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated header at offset ${offset}`);
  const tag = der[offset]!;
  // Multi-byte tags never occur in the parts of a certificate we walk.
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number at offset ${offset}`);
  let pos = offset + 1;
  const first = der[pos++]!;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length (not DER); more than 4 length bytes is not a certificate.
    if (count === 0 || count > 4) throw new DerError(`unsupported length form at offset ${offset}`);
    if (pos + count > limit) throw new DerError(`truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[pos++]!;
  }
  const end = pos + length;
  if (end > limit) throw new DerError(`element at offset ${offset} runs past its container`);
  return { tag, offset, contentStart: pos, end };
}

/** The elements directly inside a constructed element (SEQUENCE, SET, [n] EXPLICIT). */
export function children(der: Uint8Array, parent: Tlv): Tlv[] {
  if (!(parent.tag & 0x20)) throw new DerError(`element at offset ${parent.offset} is not constructed`);
  const out: Tlv[] = [];
  for (let pos = parent.contentStart; pos < parent.end; ) {
    const child = readTlv(der, pos, parent.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** OBJECT IDENTIFIER content → dotted form. Arcs are BigInt: UUID arcs (2.25.x) exceed 2^53. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (const byte of content) {
    if (fresh && byte === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
    value = (value << 7n) | BigInt(byte & 0x7f);
    fresh = !(byte & 0x80);
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!fresh) throw new DerError('truncated OBJECT IDENTIFIER');
  // The first encoded number packs the first two arcs as 40 * a + b, with a in {0, 1, 2}.
  const head = arcs[0]!;
  const [a, b] = head < 40n ? [0n, head] : head < 80n ? [1n, head - 40n] : [2n, head - 80n];
  return [a, b, ...arcs.slice(1)].join('.');
}

function must(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`expected ${what}`);
  return tlv;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
function certificateParts(der: Uint8Array): { tbs: Tlv; signatureAlgorithm: Tlv } {
  const root = must(readTlv(der, 0), TAG.SEQUENCE, 'Certificate SEQUENCE');
  if (root.end !== der.length) throw new DerError('trailing bytes after the certificate');
  const [tbs, signatureAlgorithm] = children(der, root);
  return {
    tbs: must(tbs, TAG.SEQUENCE, 'TBSCertificate SEQUENCE'),
    signatureAlgorithm: must(signatureAlgorithm, TAG.SEQUENCE, 'AlgorithmIdentifier SEQUENCE'),
  };
}

/** The outer signatureAlgorithm OID, e.g. `1.2.840.113549.1.1.11` for sha256WithRSAEncryption. */
export function certificateSignatureOid(der: Uint8Array): string {
  const { signatureAlgorithm } = certificateParts(der);
  const oid = must(children(der, signatureAlgorithm)[0], TAG.OID, 'algorithm OBJECT IDENTIFIER');
  return decodeOid(der.subarray(oid.contentStart, oid.end));
}

/** One AttributeTypeAndValue of a Name. */
export interface NameAttribute {
  readonly oid: string;
  /** The value's ASN.1 tag (0x0c UTF8String, 0x13 PrintableString, 0x1e BMPString, ...). */
  readonly tag: number;
  /** The value's content bytes. */
  readonly content: Uint8Array;
  /** The value's whole DER encoding (tag, length, content). */
  readonly encoded: Uint8Array;
}

/**
 * The issuer Name: RDNs in ASN.1 order (usually C first, CN last), each RDN a list of attributes
 * (more than one for a multi-valued RDN such as `OU=a+OU=b`), in encoded order.
 */
export function certificateIssuer(der: Uint8Array): NameAttribute[][] {
  const fields = children(der, certificateParts(der).tbs);
  // TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, ... }
  const skip = fields[0]?.tag === TAG.CONTEXT_0 ? 1 : 0;
  must(fields[skip], TAG.INTEGER, 'serialNumber INTEGER');
  must(fields[skip + 1], TAG.SEQUENCE, 'signature AlgorithmIdentifier');
  const issuer = must(fields[skip + 2], TAG.SEQUENCE, 'issuer Name SEQUENCE');
  return children(der, issuer).map((rdn) =>
    children(der, must(rdn, TAG.SET, 'RelativeDistinguishedName SET')).map((ava) => {
      const [type, value, extra] = children(der, must(ava, TAG.SEQUENCE, 'AttributeTypeAndValue SEQUENCE'));
      const oid = must(type, TAG.OID, 'attribute type OBJECT IDENTIFIER');
      if (!value || extra) throw new DerError('AttributeTypeAndValue must have exactly a type and a value');
      return {
        oid: decodeOid(der.subarray(oid.contentStart, oid.end)),
        tag: value.tag,
        content: der.subarray(value.contentStart, value.end),
        encoded: der.subarray(value.offset, value.end),
      };
    }),
  );
}
