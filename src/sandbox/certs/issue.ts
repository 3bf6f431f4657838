/**
 * The sandbox's own small PKI for Alipay's certificate mode (alipay-protocol.md §4), issued in pure
 * Node (node:crypto keys and signatures, our DER writer) so `zfb serve` can offer cert mode on
 * first start without openssl:
 *
 *   zfb Sandbox Root CA R1 (RSA-2048, sha256WithRSA) ─▶ zfb Sandbox Certification Authority Class 1 R1
 *       ─▶ the "Alipay" certificate (signs gateway responses and notifies)
 *       ─▶ app certificates (one per merchant app key, `issueAppCert`)
 *   zfb Sandbox Root CA E1 (P-384, ecdsa-with-SHA384)   ─┐ only in the root bundle, like Alipay's
 *   zfb Sandbox Class 2 Root CA - G3 (RSA, sha1WithRSA) ─┘ ECDSA and iTrusChina roots
 *
 * so the files have the shape of the real ones: `alipayRootCert.crt` holds several roots of which
 * only the RSA-signed ones count towards `alipay_root_cert_sn` (R1 and G3, `_`-joined, in file
 * order; E1 is there so a client that forgets to filter gets a wrong value here too), and
 * `alipayCertPublicKey_RSA2.crt` is the leaf followed by the intermediate.
 *
 * Serials are random positive 128-bit integers; validity runs from a day before issue for 20
 * years; CAs get basicConstraints CA:TRUE and keyUsage keyCertSign+cRLSign, leaves CA:FALSE and
 * digitalSignature; every certificate has subject and authority key identifiers.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { children, readTlv } from '../../alipay/cert/der.js';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  integer,
  namedBits,
  nullValue,
  octetString,
  oid,
  printableString,
  sequence,
  set,
  toPem,
  unsignedInteger,
  utf8String,
  x509Time,
} from './der-writer.js';

export class SandboxPkiError extends Error {
  override readonly name = 'SandboxPkiError';
  readonly code = 'ERR_SANDBOX_PKI';
}

/** Attribute keywords we write, in the order certificates usually encode them. */
export type NameAttributeType = 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN';
/** A distinguished name in encoded order (C first, CN last), one attribute per RDN. */
export type NameSpec = readonly (readonly [NameAttributeType, string])[];

const NAME_OIDS: Record<NameAttributeType, string> = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
};

const OID = {
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

export const SANDBOX_NAMES = {
  root: [['C', 'CN'], ['O', 'zfb sandbox'], ['OU', 'Certification Authority'], ['CN', 'zfb Sandbox Root CA R1']],
  ecRoot: [['C', 'CN'], ['O', 'zfb sandbox'], ['OU', 'Certification Authority'], ['CN', 'zfb Sandbox Root CA E1']],
  legacyRoot: [['C', 'CN'], ['O', 'zfb sandbox Trust'], ['OU', 'zfb sandbox Trust Network'], ['CN', 'zfb Sandbox Class 2 Root CA - G3']],
  intermediate: [
    ['C', 'CN'],
    ['O', 'zfb sandbox'],
    ['OU', 'Certification Authority'],
    ['CN', 'zfb Sandbox Certification Authority Class 1 R1'],
  ],
  // A UTF8String CN, as Alipay's own certificate has; O says plainly whose certificate this is.
  alipay: [['C', 'CN'], ['O', 'zfb sandbox'], ['OU', 'Alipay'], ['CN', '支付宝(中国)网络技术有限公司']],
} as const satisfies Record<string, NameSpec>;

/** A certificate (PEM) and its private key. */
export interface CertAndKey {
  readonly certPem: string;
  readonly privateKey: KeyObject;
}

export interface SandboxPki {
  /** The sha256WithRSA root that issued the intermediate. */
  readonly root: CertAndKey;
  /** An ECDSA root: in the bundle, not in alipay_root_cert_sn. */
  readonly ecRoot: CertAndKey;
  /** The sha1WithRSA root: in the bundle and in alipay_root_cert_sn, issues nothing. */
  readonly legacyRoot: CertAndKey;
  readonly intermediate: CertAndKey;
  /** The certificate whose key signs as Alipay. */
  readonly alipay: CertAndKey;
  /** `alipayRootCert.crt`: R1, E1, G3 in that order. */
  readonly rootBundlePem: string;
  /** `alipayCertPublicKey_RSA2.crt`: the Alipay leaf, then the intermediate. */
  readonly alipayCertChainPem: string;
}

export interface IssueTimeOptions {
  /** Issue time (default: now). notBefore is one day earlier. */
  readonly now?: Date;
  /** Validity in years from notBefore (default 20). A leaf never outlives its issuer. */
  readonly years?: number;
}

export interface CreatePkiOptions extends IssueTimeOptions {
  /** Use this RSA key as Alipay's signing key instead of generating one. */
  readonly alipayPrivateKey?: KeyObject;
}

export interface CertificateParams {
  readonly subject: NameSpec | Uint8Array;
  readonly subjectPublicKey: KeyObject;
  /** The issuer's certificate; omit for a self-signed certificate. */
  readonly issuerCertPem?: string;
  /** The issuer's private key (the subject's own key when self-signed). */
  readonly issuerPrivateKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly ca: boolean;
  /** basicConstraints pathLenConstraint, CAs only. */
  readonly pathLength?: number;
  /** Digest for the signature (default sha256; sha1 only for RSA, sha384 for EC keys). */
  readonly hash?: 'sha1' | 'sha256' | 'sha384';
  /** Serial number (default: random 16 bytes, top bit clear). */
  readonly serial?: bigint;
}

const DAY_MS = 86_400_000;

/** A new root bundle, intermediate and Alipay certificate. About a second: four RSA-2048 keys to generate. */
export function createSandboxPki(options: CreatePkiOptions = {}): SandboxPki {
  const given = options.alipayPrivateKey;
  if (given && (given.type !== 'private' || given.asymmetricKeyType !== 'rsa')) {
    throw new SandboxPkiError('alipayPrivateKey must be an RSA private key');
  }
  const { notBefore, notAfter } = validity(options);
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  const rootKey = rsa();
  const root = selfSigned(SANDBOX_NAMES.root, rootKey, notBefore, notAfter, 'sha256');
  const ecRootKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const ecRoot = selfSigned(SANDBOX_NAMES.ecRoot, ecRootKey, notBefore, notAfter, 'sha384');
  const legacyRootKey = rsa();
  const legacyRoot = selfSigned(SANDBOX_NAMES.legacyRoot, legacyRootKey, notBefore, notAfter, 'sha1');

  const intermediateKey = rsa();
  const intermediatePem = issueCertificate({
    subject: SANDBOX_NAMES.intermediate,
    subjectPublicKey: createPublicKey(intermediateKey),
    issuerCertPem: root,
    issuerPrivateKey: rootKey,
    notBefore,
    notAfter,
    ca: true,
    pathLength: 0,
  });

  const alipayKey = options.alipayPrivateKey ?? rsa();
  const alipayPem = issueCertificate({
    subject: SANDBOX_NAMES.alipay,
    subjectPublicKey: createPublicKey(alipayKey),
    issuerCertPem: intermediatePem,
    issuerPrivateKey: intermediateKey,
    notBefore,
    notAfter,
    ca: false,
  });

  return assemble({
    root: { certPem: root, privateKey: rootKey },
    ecRoot: { certPem: ecRoot, privateKey: ecRootKey },
    legacyRoot: { certPem: legacyRoot, privateKey: legacyRootKey },
    intermediate: { certPem: intermediatePem, privateKey: intermediateKey },
    alipay: { certPem: alipayPem, privateKey: alipayKey },
  });
}

export interface AppCertOptions extends IssueTimeOptions {
  /** Subject O (default "zfb sandbox merchant"). */
  readonly company?: string;
  /** The merchant's 2088 partner id: CN becomes `<pid>-<appId>` instead of the bare app id. */
  readonly pid?: string;
}

/**
 * `appCertPublicKey_<appId>.crt` for a merchant app's public key, issued by the intermediate.
 * Its SN (certSn) is what requests carry as app_cert_sn.
 */
export function issueAppCert(pki: SandboxPki, appPublicKey: KeyObject, appId: string, options: AppCertOptions = {}): string {
  if (typeof appId !== 'string' || appId === '') throw new SandboxPkiError('appId must be a non-empty string');
  const publicKey = appPublicKey.type === 'private' ? createPublicKey(appPublicKey) : appPublicKey;
  if (publicKey.asymmetricKeyType !== 'rsa') throw new SandboxPkiError('app certificates are for RSA keys (RSA2)');
  const { notBefore, notAfter } = validity(options);
  return issueCertificate({
    subject: [
      ['C', 'CN'],
      ['O', options.company ?? 'zfb sandbox merchant'],
      ['OU', 'Alipay'],
      ['CN', options.pid ? `${options.pid}-${appId}` : appId],
    ],
    subjectPublicKey: publicKey,
    issuerCertPem: pki.intermediate.certPem,
    issuerPrivateKey: pki.intermediate.privateKey,
    notBefore,
    notAfter,
    ca: false,
  });
}

/** One X.509 v3 certificate, as PEM. The lower-level operation behind the two above. */
export function issueCertificate(params: CertificateParams): string {
  const issuerKey = params.issuerPrivateKey;
  if (issuerKey.type !== 'private') throw new SandboxPkiError('issuerPrivateKey must be a private key');
  const subjectPublicKey = params.subjectPublicKey.type === 'private' ? createPublicKey(params.subjectPublicKey) : params.subjectPublicKey;
  const spki = subjectPublicKey.export({ type: 'spki', format: 'der' });
  const subjectName = params.subject instanceof Uint8Array ? Buffer.from(params.subject) : encodeName(params.subject);

  let issuerName: Buffer;
  let issuerSpki: Buffer;
  let notAfter = params.notAfter;
  if (params.issuerCertPem === undefined) {
    issuerName = subjectName;
    issuerSpki = spki;
    if (!createPublicKey(issuerKey).equals(subjectPublicKey)) {
      throw new SandboxPkiError('a self-signed certificate must be signed with the subject\'s own key');
    }
  } else {
    const issuer = new X509Certificate(params.issuerCertPem);
    if (!issuer.checkPrivateKey(issuerKey)) throw new SandboxPkiError('issuerPrivateKey does not match the issuer certificate');
    issuerName = certificateSubject(issuer.raw);
    issuerSpki = issuer.publicKey.export({ type: 'spki', format: 'der' });
    // A certificate valid past its issuer is useless after that date; cap it.
    const issuerEnd = new Date(issuer.validTo);
    if (notAfter > issuerEnd) notAfter = issuerEnd;
  }
  if (!(params.notBefore < notAfter)) throw new SandboxPkiError('notBefore must be before notAfter');

  const algorithm = signatureAlgorithm(issuerKey, params.hash ?? (issuerKey.asymmetricKeyType === 'ec' ? 'sha384' : 'sha256'));
  const extensions = [
    extension(OID.basicConstraints, true, params.ca ? sequence(boolean(true), ...(params.pathLength === undefined ? [] : [integer(params.pathLength)])) : sequence()),
    extension(
      OID.keyUsage,
      true,
      namedBits(params.ca ? [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign] : [KEY_USAGE.digitalSignature]),
    ),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyIdentifier(issuerSpki)))),
  ];

  const tbs = sequence(
    explicit(0, integer(2)), // v3
    unsignedInteger(bigintBytes(params.serial ?? randomSerial())),
    algorithm.identifier,
    issuerName,
    sequence(x509Time(wholeSeconds(params.notBefore)), x509Time(wholeSeconds(notAfter))),
    subjectName,
    spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign(algorithm.hash, tbs, issuerKey);
  return toPem('CERTIFICATE', sequence(tbs, algorithm.identifier, bitString(signature)));
}

/** Name ::= SEQUENCE OF RDN; each RDN a SET of one AttributeTypeAndValue. C is a PrintableString. */
export function encodeName(name: NameSpec): Buffer {
  return sequence(
    ...name.map(([type, value]) => {
      const oidText = NAME_OIDS[type];
      if (oidText === undefined) throw new SandboxPkiError(`unsupported name attribute ${String(type)}`);
      return set(sequence(oid(oidText), type === 'C' ? printableString(value) : utf8String(value)));
    }),
  );
}

/** A random positive serial of exactly 16 bytes: top bit clear (positive), next bit set (no leading zero byte). */
export function randomSerial(): bigint {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return BigInt(`0x${bytes.toString('hex')}`);
}

// ---------------------------------------------------------------------------------------------
// Serialisation: PEM strings only, so the whole PKI is one JSON value in the sandbox state.

export interface SandboxPkiJson {
  readonly version: 1;
  readonly root: { readonly cert: string; readonly key: string };
  readonly ecRoot: { readonly cert: string; readonly key: string };
  readonly legacyRoot: { readonly cert: string; readonly key: string };
  readonly intermediate: { readonly cert: string; readonly key: string };
  readonly alipay: { readonly cert: string; readonly key: string };
}

const PARTS = ['root', 'ecRoot', 'legacyRoot', 'intermediate', 'alipay'] as const;

/** Certificates as PEM, private keys as unencrypted PKCS#8 PEM. */
export function pkiToJson(pki: SandboxPki): SandboxPkiJson {
  const part = (p: CertAndKey) => ({ cert: p.certPem, key: p.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string });
  return {
    version: 1,
    root: part(pki.root),
    ecRoot: part(pki.ecRoot),
    legacyRoot: part(pki.legacyRoot),
    intermediate: part(pki.intermediate),
    alipay: part(pki.alipay),
  };
}

/** Reads `pkiToJson`'s output back, checking that every key matches its certificate and the chain holds. */
export function pkiFromJson(json: unknown): SandboxPki {
  const obj = json as Record<string, unknown> | null;
  if (typeof obj !== 'object' || obj === null || obj.version !== 1) {
    throw new SandboxPkiError('sandbox PKI: expected an object with version 1');
  }
  const read = (name: (typeof PARTS)[number]): CertAndKey => {
    const part = obj[name] as { cert?: unknown; key?: unknown } | undefined;
    if (typeof part?.cert !== 'string' || typeof part.key !== 'string') {
      throw new SandboxPkiError(`sandbox PKI: ${name} needs "cert" and "key" PEM strings`);
    }
    let cert: X509Certificate;
    let privateKey: KeyObject;
    try {
      cert = new X509Certificate(part.cert);
      privateKey = createPrivateKey(part.key);
    } catch (cause) {
      throw new SandboxPkiError(`sandbox PKI: ${name} has an unreadable certificate or key`, { cause });
    }
    if (!cert.checkPrivateKey(privateKey)) throw new SandboxPkiError(`sandbox PKI: ${name} key does not match its certificate`);
    return { certPem: part.cert, privateKey };
  };
  const [root, ecRoot, legacyRoot, intermediate, alipay] = PARTS.map(read) as [CertAndKey, CertAndKey, CertAndKey, CertAndKey, CertAndKey];
  const x = (p: CertAndKey) => new X509Certificate(p.certPem);
  if (!x(intermediate).verify(x(root).publicKey) || !x(alipay).verify(x(intermediate).publicKey)) {
    throw new SandboxPkiError('sandbox PKI: the chain root → intermediate → alipay does not verify');
  }
  return assemble({ root, ecRoot, legacyRoot, intermediate, alipay });
}

/** The two files a merchant configures for cert mode (plus their own app certificate). */
export function pkiPublicFiles(pki: SandboxPki): { 'alipayRootCert.crt': string; 'alipayCertPublicKey_RSA2.crt': string } {
  return { 'alipayRootCert.crt': pki.rootBundlePem, 'alipayCertPublicKey_RSA2.crt': pki.alipayCertChainPem };
}

// ---------------------------------------------------------------------------------------------

function assemble(parts: Omit<SandboxPki, 'rootBundlePem' | 'alipayCertChainPem'>): SandboxPki {
  return {
    ...parts,
    rootBundlePem: parts.root.certPem + parts.ecRoot.certPem + parts.legacyRoot.certPem,
    alipayCertChainPem: parts.alipay.certPem + parts.intermediate.certPem,
  };
}

function selfSigned(name: NameSpec, key: KeyObject, notBefore: Date, notAfter: Date, hash: 'sha1' | 'sha256' | 'sha384'): string {
  return issueCertificate({
    subject: name,
    subjectPublicKey: createPublicKey(key),
    issuerPrivateKey: key,
    notBefore,
    notAfter,
    ca: true,
    hash,
  });
}

function validity(options: IssueTimeOptions): { notBefore: Date; notAfter: Date } {
  const now = options.now ?? new Date();
  const years = options.years ?? 20;
  if (Number.isNaN(now.getTime())) throw new SandboxPkiError('now must be a valid Date');
  if (!Number.isInteger(years) || years < 1) throw new SandboxPkiError(`years must be a positive integer, got ${years}`);
  const notBefore = wholeSeconds(new Date(now.getTime() - DAY_MS));
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  return { notBefore, notAfter };
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function signatureAlgorithm(key: KeyObject, hash: 'sha1' | 'sha256' | 'sha384'): { hash: string; identifier: Buffer } {
  if (key.asymmetricKeyType === 'rsa') {
    if (hash === 'sha384') throw new SandboxPkiError('RSA certificates here use sha1 or sha256');
    // RSA AlgorithmIdentifiers carry an explicit NULL parameter.
    return { hash, identifier: sequence(oid(hash === 'sha1' ? OID.sha1WithRSA : OID.sha256WithRSA), nullValue()) };
  }
  if (key.asymmetricKeyType === 'ec') {
    if (hash === 'sha1') throw new SandboxPkiError('EC certificates here use sha256 or sha384');
    // ECDSA AlgorithmIdentifiers have no parameters at all (RFC 5758 §3.2).
    return { hash, identifier: sequence(oid(hash === 'sha256' ? OID.ecdsaWithSha256 : OID.ecdsaWithSha384)) };
  }
  throw new SandboxPkiError(`unsupported issuer key type ${String(key.asymmetricKeyType)}`);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // `critical BOOLEAN DEFAULT FALSE`: DER leaves a default value out.
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
function keyIdentifier(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const bits = children(spki, outer)[1];
  if (!bits || bits.tag !== 0x03) throw new SandboxPkiError('SubjectPublicKeyInfo without a BIT STRING');
  return createHash('sha1').update(spki.subarray(bits.contentStart + 1, bits.end)).digest();
}

/** The subject Name's exact DER from a certificate, to copy into what it issues. */
function certificateSubject(der: Buffer): Buffer {
  const tbs = children(der, readTlv(der, 0))[0]!;
  const fields = children(der, tbs);
  // [0] version, serialNumber, signature, issuer, validity, subject
  const skip = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[skip + 4];
  if (!subject || subject.tag !== 0x30) throw new SandboxPkiError('issuer certificate without a subject Name');
  return der.subarray(subject.offset, subject.end);
}

function bigintBytes(n: bigint): Buffer {
  if (n <= 0n) throw new SandboxPkiError('serial numbers must be positive');
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}
