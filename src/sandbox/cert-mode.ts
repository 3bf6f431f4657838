/**
 * Certificate mode (公钥证书模式) for the sandbox: a small PKI made on first use (root bundle,
 * intermediate, an Alipay certificate over the sandbox's own Alipay key) and kept in the state dir
 * as `pki.json`, plus a second default app registered in certificate mode. The files a merchant
 * configures are written next to sandbox.json:
 *   alipayRootCert.crt, alipayCertPublicKey_RSA2.crt, appCertPublicKey_<appId>.crt
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { certSn, rootCertSn } from '../alipay/cert/sn.js';
import { createSandboxPki, issueAppCert, pkiFromJson, pkiPublicFiles, pkiToJson, type SandboxPki } from './certs/issue.js';

export function loadPki(alipayPrivateKey: KeyObject, stateDir?: string): SandboxPki {
  const file = stateDir ? join(stateDir, 'pki.json') : undefined;
  if (file && existsSync(file)) return pkiFromJson(JSON.parse(readFileSync(file, 'utf8')));
  const pki = createSandboxPki({ alipayPrivateKey });
  if (file) writeFileSync(file, JSON.stringify(pkiToJson(pki), null, 2), { mode: 0o600 });
  return pki;
}

export interface CertFiles {
  alipayRootCert: string;
  alipayCertPublicKey: string;
  appCertPublicKey: string;
}

export function pkiSns(pki: SandboxPki): { alipayCertSn: string; alipayRootCertSn: string } {
  return { alipayCertSn: certSn(pki.alipayCertChainPem), alipayRootCertSn: rootCertSn(pki.rootBundlePem) };
}

/** The app certificate for `appId`, issued once and kept (a re-issue would change its SN). */
export function appCertFor(pki: SandboxPki, appPublicKey: KeyObject, appId: string, stateDir?: string): { pem: string; file?: string } {
  const file = stateDir ? join(stateDir, `appCertPublicKey_${appId}.crt`) : undefined;
  if (file && existsSync(file)) return { pem: readFileSync(file, 'utf8'), file };
  const pem = issueAppCert(pki, appPublicKey, appId);
  if (file) writeFileSync(file, pem);
  return { pem, file };
}

/** Writes the two Alipay-side certificate files; returns their paths. */
export function writePublicCerts(pki: SandboxPki, stateDir: string): { alipayRootCert: string; alipayCertPublicKey: string } {
  const files = pkiPublicFiles(pki);
  const alipayRootCert = join(stateDir, 'alipayRootCert.crt');
  const alipayCertPublicKey = join(stateDir, 'alipayCertPublicKey_RSA2.crt');
  writeFileSync(alipayRootCert, files['alipayRootCert.crt']);
  writeFileSync(alipayCertPublicKey, files['alipayCertPublicKey_RSA2.crt']);
  return { alipayRootCert, alipayCertPublicKey };
}
