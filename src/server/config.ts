/**
 * The server's configuration, from environment variables, checked at start with a sentence that
 * names the variable at fault. Two modes:
 *  - dev (no ALIPAY_APP_ID): an in-process sandbox stands in for Alipay; the server registers its
 *    own app there. Storage is embedded PGlite under ./data unless DATABASE_URL is set.
 *  - real (ALIPAY_APP_ID set): every Alipay variable must be present and valid.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export class ServerConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export interface AlipaySettings {
  appId: string;
  privateKey: string;
  alipayPublicKey?: string;
  appCert?: string;
  alipayRootCert?: string;
  alipayPublicCert?: string;
  gateway: string;
  /** The merchant's PID (2088…) that notifies must name as seller_id; learnt from the first verified answer when unset. */
  sellerId?: string;
  /** The OAuth page (ALIPAY_OAUTH_URL; default Alipay's publicAppAuthorize.htm). */
  oauthAuthorizeUrl?: string;
}

export interface ServerConfig {
  mode: 'dev' | 'real';
  host: string;
  port: number;
  /** How buyers' browsers and Alipay reach this server (notify_url, return_url, checkout links). */
  publicBaseUrl?: string;
  databaseUrl?: string;
  dataDir: string;
  apiKey: string;
  /** True when the key was generated at start (dev): it is printed once. */
  apiKeyGenerated: boolean;
  alipay?: AlipaySettings;
  barcode: { pollIntervalMs: number; deadlineMs: number };
  /** How often the expiry sweeper looks for open orders past their expiry (ZFB_SWEEP_INTERVAL_MS; unset: 60 s). */
  sweepIntervalMs?: number;
  /** Per-call timeout of the Alipay client (ZFB_ALIPAY_TIMEOUT_MS; default the client's, 15 s). Keep it well under barcode.deadlineMs. */
  alipayTimeoutMs?: number;
  /** Default time an order may wait for payment. */
  orderTtlMs: number;
  /** The shop's name on the checkout page (ZFB_MERCHANT_NAME). */
  merchantName?: string;
  /**
   * A script that provides AlipayJSBridge to the in-app checkout page (ZFB_JSBRIDGE_URL): only for
   * testing outside the Alipay app (the sandbox's /jsbridge.js; dev mode sets it). Inside the real
   * app the container provides the bridge, so it stays unset in production.
   */
  jsBridgeScriptUrl?: string;
  /** Wait between a refund call and its confirming refund query, and the first step of the confirm job's backoff (ZFB_REFUND_CONFIRM_DELAY_MS; unset: 10 s, payments-reliability.md §3.4). */
  refundConfirmDelayMs?: number;
}

const readFileVar = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const path = env[name];
  if (path === undefined || path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ServerConfigError(name, `cannot read ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the path of the file`);
  }
};

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ServerConfigError(name, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function urlVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ServerConfigError(name, `must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const apiKey = env.ZFB_API_KEY;
  if (apiKey !== undefined && apiKey !== '' && apiKey.length < 16) throw new ServerConfigError('ZFB_API_KEY', 'must be at least 16 characters');
  const base = {
    host: env.HOST || '127.0.0.1',
    port: intVar(env, 'PORT', 3000, 0, 65535),
    publicBaseUrl: urlVar(env, 'PUBLIC_BASE_URL'),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.ZFB_DATA_DIR || './data',
    apiKey: apiKey || `zfb_dev_${randomBytes(18).toString('base64url')}`,
    apiKeyGenerated: !apiKey,
    barcode: { pollIntervalMs: intVar(env, 'ZFB_BARCODE_POLL_MS', 5000, 100, 60_000), deadlineMs: intVar(env, 'ZFB_BARCODE_DEADLINE_MS', 60_000, 1000, 600_000) },
    orderTtlMs: intVar(env, 'ZFB_ORDER_TTL_SECONDS', 30 * 60, 60, 15 * 86400) * 1000,
    sweepIntervalMs: intVar(env, 'ZFB_SWEEP_INTERVAL_MS', 60_000, 100, 3_600_000),
    refundConfirmDelayMs: intVar(env, 'ZFB_REFUND_CONFIRM_DELAY_MS', 10_000, 100, 3_600_000),
    alipayTimeoutMs: intVar(env, 'ZFB_ALIPAY_TIMEOUT_MS', 15_000, 100, 120_000),
    merchantName: env.ZFB_MERCHANT_NAME || undefined,
    jsBridgeScriptUrl: urlVar(env, 'ZFB_JSBRIDGE_URL'),
  };
  if (!env.ALIPAY_APP_ID) return { ...base, mode: 'dev' };

  const missing = (name: string, what: string): never => {
    throw new ServerConfigError(name, `is required when ALIPAY_APP_ID is set: ${what}`);
  };
  if (!/^\d{16}$/.test(env.ALIPAY_APP_ID)) throw new ServerConfigError('ALIPAY_APP_ID', `must be your 16-digit Alipay app id, got ${JSON.stringify(env.ALIPAY_APP_ID)}`);
  const privateKey = readFileVar(env, 'ALIPAY_PRIVATE_KEY_FILE') ?? missing('ALIPAY_PRIVATE_KEY_FILE', 'the path of the app private key file');
  const alipayPublicKey = readFileVar(env, 'ALIPAY_PUBLIC_KEY_FILE');
  const appCert = readFileVar(env, 'ALIPAY_APP_CERT_FILE');
  const alipayRootCert = readFileVar(env, 'ALIPAY_ROOT_CERT_FILE');
  const alipayPublicCert = readFileVar(env, 'ALIPAY_PUBLIC_CERT_FILE');
  const certMode = appCert !== undefined || alipayRootCert !== undefined || alipayPublicCert !== undefined;
  if (certMode) {
    if (!appCert) missing('ALIPAY_APP_CERT_FILE', 'certificate mode needs appCertPublicKey_<appid>.crt');
    if (!alipayRootCert) missing('ALIPAY_ROOT_CERT_FILE', 'certificate mode needs alipayRootCert.crt');
    if (!alipayPublicCert) missing('ALIPAY_PUBLIC_CERT_FILE', 'certificate mode needs alipayCertPublicKey_RSA2.crt');
  } else if (!alipayPublicKey) {
    missing('ALIPAY_PUBLIC_KEY_FILE', 'the path of the Alipay public key (支付宝公钥) file, or use certificate mode (ALIPAY_APP_CERT_FILE, ALIPAY_ROOT_CERT_FILE, ALIPAY_PUBLIC_CERT_FILE)');
  }
  const gateway = urlVar(env, 'ALIPAY_GATEWAY') ?? 'https://openapi.alipay.com/gateway.do';
  const oauthAuthorizeUrl = urlVar(env, 'ALIPAY_OAUTH_URL');
  const publicBaseUrl = base.publicBaseUrl ?? missing('PUBLIC_BASE_URL', 'the https URL Alipay and buyers reach this server at (for notify_url and return_url)');
  if (!apiKey) missing('ZFB_API_KEY', 'the API key your backend sends as a Bearer token (at least 16 characters)');
  const sellerId = env.ALIPAY_SELLER_ID || undefined;
  if (sellerId !== undefined && !/^2088\d{12}$/.test(sellerId)) throw new ServerConfigError('ALIPAY_SELLER_ID', `must be your merchant PID (2088 and 12 digits), got ${JSON.stringify(sellerId)}`);
  return {
    ...base,
    mode: 'real',
    publicBaseUrl,
    alipay: { appId: env.ALIPAY_APP_ID, privateKey, alipayPublicKey, appCert, alipayRootCert, alipayPublicCert, gateway, sellerId, oauthAuthorizeUrl },
  };
}
