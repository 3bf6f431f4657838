/**
 * Turns a raw gateway body into a verified response node. The policy (Java SDK's, alipay-protocol.md
 * §2.2): a successful response must carry a valid signature; a failed one is verified when it has a
 * sign, and is otherwise returned marked `verified: false` (Alipay sends some gateway-level errors
 * unsigned). Distinct errors for: bad signature, missing sign, unknown alipay_cert_sn, malformed.
 */
import type { ResolvedConfig } from '../config.js';
import { AlipaySignatureError } from '../errors.js';
import { verifyBytes } from '../sign/rsa.js';
import { decodeBase64 } from '../sign/base64.js';
import { encodeText } from '../charset.js';
import { aesDecrypt } from '../aes.js';
import { extractSignedContent } from './extract.js';

export interface VerifiedResponse {
  /** The response node, parsed (decrypted first for AES responses). */
  node: Record<string, unknown>;
  /** Whether a signature was checked. False only for failures Alipay sent unsigned. */
  verified: boolean;
  /** `<method>_response` or `error_response`. */
  rootKey: string;
}

export function isSuccessNode(node: Record<string, unknown>): boolean {
  // alipay.system.oauth.token succeeds with no code at all; success means no sub_code (Java isSuccess).
  if (node.code === undefined) return node.sub_code === undefined;
  return node.code === '10000';
}

export function verifyResponse(config: ResolvedConfig, method: string, body: string): VerifiedResponse {
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `the gateway answered with something that is not JSON: ${JSON.stringify(body.slice(0, 200))}`);
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', 'the gateway answered with JSON that is not an object');
  }
  const { rootKey, content, encrypted } = extractSignedContent(body, method);
  const sign = envelope.sign;

  const parseNode = (): Record<string, unknown> => {
    const value = envelope[rootKey];
    if (encrypted) {
      if (!config.encryptKey) throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', 'the response is AES-encrypted but no encryptKey is configured');
      const plain = aesDecrypt(String(value), config.encryptKey);
      try {
        return JSON.parse(plain) as Record<string, unknown>;
      } catch {
        throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', 'the decrypted response is not JSON');
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `"${rootKey}" is not an object`);
    }
    return value as Record<string, unknown>;
  };

  if (typeof sign !== 'string' || sign === '') {
    // Only an unencrypted failure may come unsigned.
    const node = encrypted ? undefined : parseNode();
    if (node && !isSuccessNode(node)) return { node, verified: false, rootKey };
    throw new AlipaySignatureError('ERR_RESPONSE_SIGN_MISSING', `the ${method} response has no sign, but a successful response must be signed`, content);
  }

  const keys = pickKeys(config, envelope.alipay_cert_sn, method, envelope[rootKey]);
  // The signature is decoded once and each text encoded once, whatever the number of keys.
  const signature = decodeBase64(sign);
  const check = (text: string) => {
    const bytes = encodeText(text, config.charset);
    return keys.some((key) => verifyBytes(bytes, signature, key, config.signType));
  };
  // Java SDK fallback: some gateway paths sign the text before escaping '/'.
  const ok = check(content) || (content.includes('\\/') && check(content.replace(/\\\//g, '/')));
  if (!ok) {
    throw new AlipaySignatureError('ERR_RESPONSE_SIGNATURE', `the ${method} response signature does not verify with the configured Alipay ${config.certMode ? 'certificate' : 'public key'} (${config.signType})`, content);
  }
  return { node: parseNode(), verified: true, rootKey };
}

/**
 * The key(s) to verify with. Certificate mode: the certificate whose SN the response names; a
 * success without alipay_cert_sn is refused (Java SDK policy), a failure without one is checked
 * against every configured Alipay certificate.
 */
function pickKeys(config: ResolvedConfig, certSnValue: unknown, method: string, node: unknown) {
  if (!config.certMode) return [config.alipayKeys.get('')!];
  if (typeof certSnValue !== 'string' || certSnValue === '') {
    const failed = typeof node === 'object' && node !== null && !isSuccessNode(node as Record<string, unknown>);
    if (failed) return [...config.alipayKeys.values()];
    throw new AlipaySignatureError('ERR_RESPONSE_CERT_SN', `the ${method} response has no alipay_cert_sn, which certificate mode requires`);
  }
  const key = config.alipayKeys.get(certSnValue);
  if (!key) {
    throw new AlipaySignatureError('ERR_RESPONSE_CERT_SN', `the ${method} response is signed by Alipay certificate ${certSnValue}, which is not among the configured ones (${[...config.alipayKeys.keys()].join(', ')}); add the new alipayCertPublicKey_RSA2.crt to alipayPublicCert`);
  }
  return [key];
}
