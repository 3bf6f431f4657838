/**
 * Client configuration: what people pass in, and the resolved form the client keeps (keys parsed
 * once into KeyObjects, certificate serial numbers computed once). The resolved form holds no key
 * text, so nothing can print it.
 */
import type { KeyObject } from 'node:crypto';
import { AlipayConfigError } from './errors.js';
import { parsePrivateKey, parsePublicKey } from './keys/parse.js';
import { certSn, rootCertSn, publicKeyOfCert } from './cert/sn.js';
import { charsetOrThrow, type Charset } from './charset.js';
import { isSignType, type SignType } from './sign/rsa.js';

export const PRODUCTION_GATEWAY = 'https://openapi.alipay.com/gateway.do';
export const PRODUCTION_OAUTH = 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm';

export interface AlipayClientOptions {
  appId: string;
  /** The app private key (应用私钥): PEM or bare base64, PKCS#1 or PKCS#8. */
  privateKey: string | Buffer;
  /** Public-key mode: the Alipay public key (支付宝公钥), PEM or bare base64. */
  alipayPublicKey?: string | Buffer;
  /** Certificate mode: the app certificate (appCertPublicKey_*.crt). */
  appCert?: string | Buffer;
  /** Certificate mode: Alipay's root certificate bundle (alipayRootCert.crt). */
  alipayRootCert?: string | Buffer;
  /** Certificate mode: Alipay's certificate(s) (alipayCertPublicKey_RSA2.crt); several during rotation. */
  alipayPublicCert?: string | Buffer | (string | Buffer)[];
  /** Defaults to the production gateway. */
  gateway?: string;
  /** Defaults to the production OAuth page. */
  oauthAuthorizeUrl?: string;
  /** RSA2 (default) or RSA. Responses and notifies must use the same. */
  signType?: SignType;
  /** utf-8 (default) or gbk. */
  charset?: 'utf-8' | 'gbk';
  /** AES key (base64) for encrypt_type=AES calls. */
  encryptKey?: string;
  /** Per-call timeout in milliseconds (default 15000). */
  timeoutMs?: number;
  /** Clock for timestamps (tests). */
  now?: () => Date;
  /** Injected fetch (tests, proxies). Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface ResolvedConfig {
  appId: string;
  privateKey: KeyObject;
  /** Verification keys by Alipay cert SN; in public-key mode one entry under ''. */
  alipayKeys: Map<string, KeyObject>;
  certMode: boolean;
  appCertSn?: string;
  alipayRootCertSn?: string;
  gateway: string;
  oauthAuthorizeUrl: string;
  signType: SignType;
  charset: Charset;
  encryptKey?: string;
  timeoutMs: number;
  now: () => Date;
  fetch: typeof fetch;
}

export function resolveConfig(o: AlipayClientOptions): ResolvedConfig {
  if (typeof o.appId !== 'string' || !/^\d{1,32}$/.test(o.appId)) {
    throw new AlipayConfigError('appId', `must be the digits of your Alipay app id (e.g. "2021000123456789"), got ${JSON.stringify(o.appId)}`);
  }
  if (o.privateKey === undefined) throw new AlipayConfigError('privateKey', 'is required: the app private key (应用私钥), PEM or bare base64');
  const privateKey = parsePrivateKey(o.privateKey, 'privateKey').key;

  const signType = o.signType ?? 'RSA2';
  if (!isSignType(signType)) throw new AlipayConfigError('signType', `must be "RSA2" or "RSA", got ${JSON.stringify(o.signType)}`);

  const alipayKeys = new Map<string, KeyObject>();
  const certMode = o.appCert !== undefined || o.alipayRootCert !== undefined || o.alipayPublicCert !== undefined;
  let appCertSn: string | undefined;
  let alipayRootCertSn: string | undefined;
  if (certMode) {
    if (o.alipayPublicKey !== undefined) {
      throw new AlipayConfigError('alipayPublicKey', 'cannot be combined with certificates: use either public-key mode or certificate mode');
    }
    if (o.appCert === undefined) throw new AlipayConfigError('appCert', 'is required in certificate mode (appCertPublicKey_<appId>.crt)');
    if (o.alipayRootCert === undefined) throw new AlipayConfigError('alipayRootCert', 'is required in certificate mode (alipayRootCert.crt)');
    if (o.alipayPublicCert === undefined) throw new AlipayConfigError('alipayPublicCert', 'is required in certificate mode (alipayCertPublicKey_RSA2.crt)');
    appCertSn = certSn(o.appCert, 'appCert');
    alipayRootCertSn = rootCertSn(o.alipayRootCert, 'alipayRootCert');
    const certs = Array.isArray(o.alipayPublicCert) ? o.alipayPublicCert : [o.alipayPublicCert];
    certs.forEach((cert, i) => {
      const field = certs.length > 1 ? `alipayPublicCert[${i}]` : 'alipayPublicCert';
      alipayKeys.set(certSn(cert, field), publicKeyOfCert(cert, field));
    });
  } else {
    if (o.alipayPublicKey === undefined) {
      throw new AlipayConfigError('alipayPublicKey', 'is required: the Alipay public key (支付宝公钥) from the console, or configure certificate mode (appCert, alipayRootCert, alipayPublicCert)');
    }
    alipayKeys.set('', parsePublicKey(o.alipayPublicKey, 'alipayPublicKey').key);
  }

  const gateway = o.gateway ?? PRODUCTION_GATEWAY;
  checkUrl(gateway, 'gateway');
  const oauthAuthorizeUrl = o.oauthAuthorizeUrl ?? PRODUCTION_OAUTH;
  checkUrl(oauthAuthorizeUrl, 'oauthAuthorizeUrl');
  if (o.encryptKey !== undefined && !/^[A-Za-z0-9+/]{22}==$|^[A-Za-z0-9+/]{32}$|^[A-Za-z0-9+/]{43}=$/.test(o.encryptKey)) {
    throw new AlipayConfigError('encryptKey', 'must be the base64 AES key from the console (16, 24 or 32 bytes)');
  }
  const timeoutMs = o.timeoutMs ?? 15_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new AlipayConfigError('timeoutMs', 'must be a positive whole number of milliseconds');

  return {
    appId: o.appId,
    privateKey,
    alipayKeys,
    certMode,
    appCertSn,
    alipayRootCertSn,
    gateway,
    oauthAuthorizeUrl,
    signType,
    charset: charsetOrThrow(o.charset ?? 'utf-8'),
    encryptKey: o.encryptKey,
    timeoutMs,
    now: o.now ?? (() => new Date()),
    fetch: o.fetch ?? globalThis.fetch,
  };
}

function checkUrl(url: string, field: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AlipayConfigError(field, `must be an absolute http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new AlipayConfigError(field, `must be an http(s) URL, got ${JSON.stringify(url)}`);
}
