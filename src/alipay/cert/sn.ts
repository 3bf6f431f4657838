/**
 * Certificate serial numbers ("SN") for Alipay's certificate mode (protocol notes §4):
 *
 *   SN = md5hex( issuerName + serialDecimal )
 *
 * where issuerName is exactly what Java's `getIssuerX500Principal().getName()` prints, because the
 * gateway (Java) computes the same string on its side and compares. For Alipay-issued certificates
 * (issuer attributes C, O, OU, CN with plain text values) every SDK agrees. For exotic issuers we
 * follow Java rather than the official Node SDK, since Java is what the gateway runs:
 *
 * - values are escaped the way Java does it (`, = + < > # ; " \` get a backslash, as do leading
 *   and trailing spaces and CRs; NUL becomes `\00`; other characters are emitted raw);
 * - attributes without an RFC 2253 keyword (emailAddress, serialNumber, ...) print as
 *   `1.2.840.113549.1.9.1=#<hex of the DER value>`;
 * - a multi-valued RDN prints as `OU=a+OU=b` in encoded order;
 * - every string value's bytes are decoded as UTF-8 whatever its ASN.1 type (Java does this too,
 *   which garbles BMPString/T61String values; we garble them identically).
 *
 * This is why the issuer comes from our DER walker and not from X509Certificate's `.issuer`: that
 * text is OpenSSL's own escaping of already-decoded values, and has lost the tags and bytes that
 * the `#hex` form and the UTF-8 quirk need. Known limit: malformed UTF-8 inside a value is replaced
 * with U+FFFD by Node's decoder, which may differ from Java's in rare byte sequences.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { AlipayConfigError } from '../errors.js';
import { certificateIssuer, certificateSignatureOid, type NameAttribute } from './der.js';

/** sha1WithRSAEncryption, sha256WithRSAEncryption, ...: the prefix both official SDKs test with startsWith. */
const RSA_SIGNATURE_OID_PREFIX = '1.2.840.113549.1.1';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The keywords Java's RFC 2253 output knows; everything else is printed as a dotted OID. */
const JAVA_RFC2253_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.9', 'STREET'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
]);

/** ASN.1 string types Java prints as text: UTF8, Printable, T61, IA5, Universal, General, BMP. */
const STRING_TAGS: ReadonlySet<number> = new Set([0x0c, 0x13, 0x14, 0x16, 0x1c, 0x1b, 0x1e]);

/** Java escapes `=` and `#` anywhere, not only where RFC 2253 requires it. */
const JAVA_ESCAPED = ',=+<>#;"\\';

/** Every `-----BEGIN CERTIFICATE-----` block in the input, in order, as found (other blocks are skipped). */
export function splitPemCertificates(pem: string | Buffer): string[] {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  return [...text.matchAll(PEM_CERTIFICATE)].map((m) => m[0]);
}

/**
 * SN of a certificate (app cert, Alipay cert). With several certificates in the input (Alipay's
 * `alipayCertPublicKey_RSA2.crt` carries its issuer after it) the first one counts, as in the
 * official SDKs. Accepts PEM text or a Buffer holding PEM or DER.
 */
export function certSn(pem: string | Buffer, field = 'certificate'): string {
  return snOfDer(certificateDers(pem, field)[0]!, field, 'the certificate');
}

/**
 * `alipay_root_cert_sn`: the SNs of the RSA-signed certificates of the root bundle, in file order,
 * joined with `_`. The other roots (SM2, ECDSA) are skipped without being parsed beyond their
 * signature algorithm, so a root Node cannot load does not break the bundle.
 */
export function rootCertSn(bundlePem: string | Buffer, field = 'certificate'): string {
  const ders = certificateDers(bundlePem, field);
  const sns: string[] = [];
  ders.forEach((der, i) => {
    const where = `certificate #${i + 1} of the bundle`;
    let oid: string;
    try {
      oid = certificateSignatureOid(der);
    } catch (cause) {
      throw new AlipayConfigError(field, `${where} is not a valid X.509 certificate`, { cause });
    }
    if (oid.startsWith(RSA_SIGNATURE_OID_PREFIX)) sns.push(snOfDer(der, field, where));
  });
  if (sns.length === 0) {
    throw new AlipayConfigError(
      field,
      `has no RSA-signed certificate among its ${ders.length}: is this Alipay's root bundle (alipayRootCert.crt)?`,
    );
  }
  return sns.join('_');
}

/** The issuer name exactly as Java prints it: what gets hashed. Useful when an SN does not match. */
export function certIssuerName(pem: string | Buffer, field = 'certificate'): string {
  const der = certificateDers(pem, field)[0]!;
  parseCertificate(der, field, 'the certificate');
  return javaIssuerName(der, field, 'the certificate');
}

/** The public key of the (first) certificate: the Alipay public key to verify responses with. */
export function publicKeyOfCert(pem: string | Buffer, field = 'certificate'): KeyObject {
  return parseCertificate(certificateDers(pem, field)[0]!, field, 'the certificate').publicKey;
}

function snOfDer(der: Buffer, field: string, where: string): string {
  const cert = parseCertificate(der, field, where);
  const name = javaIssuerName(der, field, where);
  const digest = createHash('md5').update(name + serialDecimal(cert.serialNumber), 'utf8').digest('hex');
  // Java builds the hex with BigInteger, which drops leading zeros, then pads back to 32.
  return digest.padStart(32, '0');
}

/** X509Certificate prints the serial as hex (`-` first if negative); the SN wants Java's decimal. */
function serialDecimal(hex: string): string {
  const negative = hex.startsWith('-');
  const magnitude = BigInt(`0x${negative ? hex.slice(1) : hex}`);
  return (negative ? -magnitude : magnitude).toString(10);
}

function parseCertificate(der: Buffer, field: string, where: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (cause) {
    throw new AlipayConfigError(field, `${where} is not a valid X.509 certificate`, { cause });
  }
}

/** Input → one DER buffer per certificate, or an AlipayConfigError saying what was found instead. */
function certificateDers(input: string | Buffer, field: string): Buffer[] {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) {
    throw new AlipayConfigError(field, 'must be the certificate file\'s contents (a string or a Buffer)');
  }
  // A Buffer starting with SEQUENCE is binary DER (a .cer file), not PEM text.
  if (Buffer.isBuffer(input) && input[0] === 0x30) return [input];
  const blocks = splitPemCertificates(input);
  if (blocks.length === 0) {
    const text = typeof input === 'string' ? input : input.toString('utf8');
    throw new AlipayConfigError(
      field,
      text.includes('-----BEGIN')
        ? 'has no "-----BEGIN CERTIFICATE-----" block (a key was given where a certificate was expected?)'
        : 'is not a PEM certificate: did you pass a file path instead of the file\'s contents?',
    );
  }
  return blocks.map((block, i) => {
    const body = block.slice('-----BEGIN CERTIFICATE-----'.length, -'-----END CERTIFICATE-----'.length).replace(/\s+/g, '');
    if (!BASE64.test(body)) {
      throw new AlipayConfigError(field, `certificate #${i + 1} has a PEM body that is not base64`);
    }
    return Buffer.from(body, 'base64');
  });
}

function javaIssuerName(der: Buffer, field: string, where: string): string {
  let rdns: NameAttribute[][];
  try {
    rdns = certificateIssuer(der);
  } catch (cause) {
    throw new AlipayConfigError(field, `${where} has an issuer name that could not be read`, { cause });
  }
  // RFC 2253 prints the most specific RDN (CN) first: the reverse of the encoded order.
  return rdns
    .map((rdn) => rdn.map(javaAttribute).join('+'))
    .reverse()
    .join(',');
}

function javaAttribute(attribute: NameAttribute): string {
  const keyword = JAVA_RFC2253_KEYWORDS.get(attribute.oid);
  if (keyword === undefined || !STRING_TAGS.has(attribute.tag)) {
    return `${keyword ?? attribute.oid}=#${Buffer.from(attribute.encoded).toString('hex')}`;
  }
  return `${keyword}=${javaEscape(Buffer.from(attribute.content).toString('utf8'))}`;
}

/** Java's AVA.toRFC2253String escaping, in its two passes (characters, then edge whitespace). */
function javaEscape(value: string): string {
  let escaped = '';
  for (const ch of value) {
    if (JAVA_ESCAPED.includes(ch)) escaped += `\\${ch}`;
    else if (ch === '\0') escaped += '\\00';
    else escaped += ch;
  }
  // Second pass runs over the already-escaped text and treats ' ' and '\r' as edge whitespace.
  const isSpace = (i: number) => escaped[i] === ' ' || escaped[i] === '\r';
  let lead = 0;
  while (lead < escaped.length && isSpace(lead)) lead++;
  let trail = escaped.length - 1;
  while (trail >= 0 && isSpace(trail)) trail--;
  let out = '';
  for (let i = 0; i < escaped.length; i++) out += (i < lead || i > trail ? '\\' : '') + escaped[i];
  return out;
}
