/**
 * The sandbox's own keys and its default app, made on first start and kept in the state dir:
 *   alipay-private-key.pem   the sandbox's signing key (what Alipay keeps secret)
 *   alipay-public-key.txt    支付宝公钥: what a merchant configures to verify the sandbox
 *   app-private-key.txt      the default app's private key (bare base64 PKCS#8, as the key tool gives)
 *   app-public-key.txt       the default app's public key (registered with the sandbox)
 * Without a state dir they live in memory for the life of the process.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyFiles {
  alipayPrivateKey: string;
  alipayPublicKey: string;
  appPrivateKey: string;
  appPublicKey: string;
}

export interface Identity {
  alipayPrivateKey: KeyObject;
  alipayPublicKey: KeyObject;
  appPrivateKey: KeyObject;
  appPublicKey: KeyObject;
  secret: string;
  files?: KeyFiles;
}

const bare = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ format: 'der', type }).toString('base64');

export function loadIdentity(stateDir?: string): Identity {
  if (!stateDir) {
    const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { alipayPrivateKey: alipay.privateKey, alipayPublicKey: alipay.publicKey, appPrivateKey: app.privateKey, appPublicKey: app.publicKey, secret: randomBytes(16).toString('hex') };
  }
  mkdirSync(stateDir, { recursive: true });
  const files: KeyFiles = {
    alipayPrivateKey: join(stateDir, 'alipay-private-key.pem'),
    alipayPublicKey: join(stateDir, 'alipay-public-key.txt'),
    appPrivateKey: join(stateDir, 'app-private-key.txt'),
    appPublicKey: join(stateDir, 'app-public-key.txt'),
  };
  const secretFile = join(stateDir, 'secret.txt');
  if (!existsSync(files.alipayPrivateKey)) {
    const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(files.alipayPrivateKey, alipay.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    writeFileSync(files.alipayPublicKey, `${bare(alipay.publicKey, 'spki')}\n`);
  }
  if (!existsSync(files.appPrivateKey)) {
    const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(files.appPrivateKey, `${bare(app.privateKey, 'pkcs8')}\n`, { mode: 0o600 });
    writeFileSync(files.appPublicKey, `${bare(app.publicKey, 'spki')}\n`);
  }
  if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(16).toString('hex'), { mode: 0o600 });
  const alipayPrivateKey = createPrivateKey(readFileSync(files.alipayPrivateKey));
  const appPrivateKey = createPrivateKey({ key: Buffer.from(readFileSync(files.appPrivateKey, 'utf8').trim(), 'base64'), format: 'der', type: 'pkcs8' });
  return {
    alipayPrivateKey,
    alipayPublicKey: createPublicKey(alipayPrivateKey),
    appPrivateKey,
    appPublicKey: createPublicKey(appPrivateKey),
    secret: readFileSync(secretFile, 'utf8').trim(),
    files,
  };
}

export const bareSpki = (k: KeyObject) => bare(k, 'spki');
export const barePkcs8 = (k: KeyObject) => bare(k, 'pkcs8');
