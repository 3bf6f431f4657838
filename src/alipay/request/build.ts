/**
 * Builds the signed parameter set of one gateway request. Insertion order follows the official
 * Node SDK (method, app_id, charset, version, sign_type, timestamp, caller params, cert SNs,
 * biz_content, sign) so an order string reads the same as one it would produce; the signature
 * itself does not depend on order.
 */
import { AlipayValidationError } from '../errors.js';
import type { ResolvedConfig } from '../config.js';
import { requestSignContent } from '../sign/content.js';
import { signText } from '../sign/rsa.js';
import { formatAlipayTime } from '../time.js';
import { aesEncrypt } from '../aes.js';

export interface RequestInput {
  /** Business parameters: an object (serialised with JSON.stringify) or an exact JSON string. */
  bizContent?: Record<string, unknown> | string;
  /** Top-level parameters: notify_url, return_url, auth_token, app_auth_token, grant_type, code, ... */
  params?: Readonly<Record<string, string | undefined>>;
  /** Encrypt biz_content with the configured AES key (encrypt_type=AES). */
  encrypt?: boolean;
  /** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai; defaults to now. For reproducing a signature. */
  timestamp?: string;
}

export interface SignedRequest {
  method: string;
  /** Every parameter that goes on the wire, `sign` last. No empty values. */
  params: Record<string, string>;
  /** The exact string that was signed. */
  signContent: string;
}

/** Parameters the client sets itself; a caller passing one of these is almost always a mistake. */
const RESERVED = new Set(['sign', 'method', 'app_id', 'charset', 'version', 'sign_type', 'timestamp', 'biz_content', 'encrypt_type', 'app_cert_sn', 'alipay_root_cert_sn']);

const METHOD = /^[a-z][a-z0-9]*(\.[a-z0-9_]+)+$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export function buildSignedRequest(config: ResolvedConfig, method: string, input: RequestInput = {}): SignedRequest {
  if (!METHOD.test(method)) throw new AlipayValidationError('method', `an Alipay method name like "alipay.trade.query", got ${JSON.stringify(method)}`);
  if (input.timestamp !== undefined && !TIMESTAMP.test(input.timestamp)) {
    throw new AlipayValidationError('timestamp', `"yyyy-MM-dd HH:mm:ss", got ${JSON.stringify(input.timestamp)}`);
  }
  const params: Record<string, string> = {
    method,
    app_id: config.appId,
    charset: config.charset,
    version: '1.0',
    sign_type: config.signType,
    timestamp: input.timestamp ?? formatAlipayTime(config.now()),
  };
  if (input.params) {
    for (const key in input.params) {
      const value = input.params[key];
      if (RESERVED.has(key)) throw new AlipayValidationError(`params.${key}`, 'not to be set by the caller: the client sets it');
      if (value === undefined || value === '') continue; // never emit empty parameters
      if (typeof value !== 'string') throw new AlipayValidationError(`params.${key}`, `a string, got ${typeof value}`);
      params[key] = value;
    }
  }
  if (config.certMode) {
    params.app_cert_sn = config.appCertSn!;
    params.alipay_root_cert_sn = config.alipayRootCertSn!;
  }
  if (input.bizContent !== undefined) {
    const json = typeof input.bizContent === 'string' ? input.bizContent : JSON.stringify(input.bizContent);
    if (input.encrypt) {
      if (!config.encryptKey) throw new AlipayValidationError('encrypt', 'needs encryptKey in the client configuration');
      params.encrypt_type = 'AES';
      params.biz_content = aesEncrypt(json, config.encryptKey);
    } else if (json !== '' && json !== '{}') {
      params.biz_content = json;
    }
  }
  const signContent = requestSignContent(params);
  params.sign = signText(signContent, config.privateKey, config.signType, config.charset);
  return { method, params, signContent };
}

/**
 * Which parameters travel in the URL of a POST (the rest go in the form body). Same split as the
 * official Node SDK; the gateway merges both, so this only matters for logs and proxies.
 */
export const URL_PARAMS: ReadonlySet<string> = new Set([
  'app_id', 'method', 'format', 'charset', 'sign_type', 'sign', 'timestamp', 'version',
  'notify_url', 'return_url', 'auth_token', 'app_auth_token', 'app_cert_sn', 'alipay_root_cert_sn', 'ws_service_url',
]);

export function splitUrlAndBody(params: Record<string, string>): { url: Record<string, string>; body: Record<string, string> } {
  const url: Record<string, string> = {};
  const body: Record<string, string> = {};
  for (const key in params) (URL_PARAMS.has(key) ? url : body)[key] = params[key]!;
  return { url, body };
}
