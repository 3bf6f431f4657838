/** Key pairs for tests, generated once per process (an app key and an "Alipay" key). */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface TestKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Bare base64, as Alipay's key tool prints them. */
  pkcs1: string;
  pkcs8: string;
  spki: string;
  pkcs1Pem: string;
  pkcs8Pem: string;
  spkiPem: string;
}

function make(): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    pkcs1: privateKey.export({ format: 'der', type: 'pkcs1' }).toString('base64'),
    pkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    spki: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    pkcs1Pem: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
    pkcs8Pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    spkiPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

export const appKeys = make();
export const alipayKeys = make();
export const otherKeys = make();
