/**
 * Keys as people actually paste them: PEM (PKCS#1, PKCS#8, SPKI, an X.509 certificate for public
 * keys) or the bare base64 Alipay's key tool prints, with stray whitespace and line breaks. Parsed
 * once into a KeyObject. Errors name the configuration field and what was found, never the key.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { AlipayConfigError } from '../errors.js';

export type KeyFormat = 'pkcs1' | 'pkcs8' | 'spki' | 'pkcs1-public' | 'x509';

export interface ParsedKey {
  key: KeyObject;
  format: KeyFormat;
  /** 'pem' when the input had PEM armour, 'bare' for base64 only. */
  armour: 'pem' | 'bare';
  bits: number;
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

const PEM_LABEL: Record<string, KeyFormat> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
  'PUBLIC KEY': 'spki',
  'RSA PUBLIC KEY': 'pkcs1-public',
  CERTIFICATE: 'x509',
};

const PRIVATE_FORMATS: KeyFormat[] = ['pkcs1', 'pkcs8'];

interface Decoded {
  der: Buffer;
  armour: 'pem' | 'bare';
  label?: KeyFormat;
}

function decode(input: string | Buffer, field: string): Decoded {
  const text = (typeof input === 'string' ? input : input.toString('utf8')).trim();
  if (text === '') throw new AlipayConfigError(field, 'is empty: give a key as PEM or as the bare base64 that Alipay\'s key tool prints');
  const pem = PEM.exec(text);
  if (pem) {
    const label = PEM_LABEL[pem[1]!];
    if (!label) throw new AlipayConfigError(field, `has a PEM block labelled "${pem[1]}", which is not an RSA key or certificate`);
    return { der: Buffer.from(pem[2]!.replace(/\s+/g, ''), 'base64'), armour: 'pem', label };
  }
  if (text.includes('-----')) throw new AlipayConfigError(field, 'has a broken PEM armour (BEGIN and END lines do not match)');
  const bare = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(bare)) {
    throw new AlipayConfigError(field, 'is neither PEM nor base64 text (a file path where the key\'s contents belong?)');
  }
  return { der: Buffer.from(bare, 'base64'), armour: 'bare' };
}

/** Tries the DER as each format; returns the first that parses. */
function tryFormats(der: Buffer, formats: KeyFormat[]): { key: KeyObject; format: KeyFormat } | undefined {
  for (const format of formats) {
    try {
      switch (format) {
        case 'pkcs1':
          return { key: createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }), format };
        case 'pkcs8':
          return { key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), format };
        case 'spki':
          return { key: createPublicKey({ key: der, format: 'der', type: 'spki' }), format };
        case 'pkcs1-public':
          return { key: createPublicKey({ key: der, format: 'der', type: 'pkcs1' }), format };
        case 'x509':
          return { key: new X509Certificate(der).publicKey, format };
      }
    } catch {
      // not this format; try the next
    }
  }
  return undefined;
}

const ALL: KeyFormat[] = ['pkcs8', 'pkcs1', 'spki', 'pkcs1-public', 'x509'];

function describe(format: KeyFormat): string {
  return {
    pkcs1: 'an RSA private key (PKCS#1)',
    pkcs8: 'a private key (PKCS#8)',
    spki: 'a public key (SPKI)',
    'pkcs1-public': 'an RSA public key (PKCS#1)',
    x509: 'a certificate',
  }[format];
}

function finish(found: { key: KeyObject; format: KeyFormat }, armour: 'pem' | 'bare', field: string): ParsedKey {
  if (found.key.asymmetricKeyType !== 'rsa') {
    throw new AlipayConfigError(field, `is a ${found.key.asymmetricKeyType ?? 'non-RSA'} key; Alipay RSA and RSA2 need an RSA key`);
  }
  const bits = found.key.asymmetricKeyDetails?.modulusLength ?? 0;
  return { key: found.key, format: found.format, armour, bits };
}

/** The merchant's app private key. A public key or certificate here is a configuration error. */
export function parsePrivateKey(input: string | Buffer, field = 'privateKey'): ParsedKey {
  const { der, armour, label } = decode(input, field);
  const found = tryFormats(der, label ? [label] : ALL);
  if (!found) throw new AlipayConfigError(field, label ? `has a "${label}" PEM block that does not parse` : 'is base64 but not an RSA key in PKCS#1, PKCS#8 or SPKI form');
  if (!PRIVATE_FORMATS.includes(found.format)) {
    throw new AlipayConfigError(field, `is ${describe(found.format)}, but this field needs the app's private key (应用私钥)`);
  }
  return finish(found, armour, field);
}

/**
 * A public key used to verify (the Alipay public key 支付宝公钥, or a certificate's key).
 * A private key here is refused: it is almost always the app private key pasted in the wrong place.
 */
export function parsePublicKey(input: string | Buffer, field = 'alipayPublicKey'): ParsedKey {
  const { der, armour, label } = decode(input, field);
  const found = tryFormats(der, label ? [label] : ALL);
  if (!found) throw new AlipayConfigError(field, label ? `has a "${label}" PEM block that does not parse` : 'is base64 but not an RSA public key (SPKI) or certificate');
  if (PRIVATE_FORMATS.includes(found.format)) {
    throw new AlipayConfigError(field, `is ${describe(found.format)}, but this field needs a public key (支付宝公钥); never share a private key`);
  }
  return finish(found, armour, field);
}

/** Either kind, for tools that report what a file holds (`zfb keys check`). */
export function parseAnyKey(input: string | Buffer, field = 'key'): ParsedKey {
  const { der, armour, label } = decode(input, field);
  const found = tryFormats(der, label ? [label] : ALL);
  if (!found) throw new AlipayConfigError(field, 'is not an RSA key in PKCS#1, PKCS#8, SPKI or certificate form');
  return finish(found, armour, field);
}

/** Bare base64 (no armour, one line), as Alipay's key tool and console show keys. */
export function toBareBase64(key: KeyObject, format: 'pkcs1' | 'pkcs8' | 'spki'): string {
  if (format === 'spki') return key.export({ format: 'der', type: 'spki' }).toString('base64');
  return key.export({ format: 'der', type: format }).toString('base64');
}

/** PEM with the usual 64-column body. */
export function toPem(key: KeyObject, format: 'pkcs1' | 'pkcs8' | 'spki'): string {
  return key.export({ format: 'pem', type: format }).toString();
}
