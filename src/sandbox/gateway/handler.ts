/**
 * `gateway.do`: checks a request the way Alipay's gateway does, runs the method, and answers in
 * Alipay's shape (alipay-protocol.md §1, §2, §8):
 *  1. GET or POST; query and form body merged; `charset` read from the query first, then the body.
 *  2. Missing common parameters → 40001 isv.missing-*; unknown app, method, charset, sign type or a
 *     bad timestamp → 40002 isv.invalid-*.
 *  3. The signature over the documented string (drop `sign` and empty values, sort, join raw) with
 *     the app's key; failure → 40002 isv.invalid-signature, the computed string in sub_msg.
 *  4. Certificate mode: app_cert_sn must be the app's certificate, alipay_root_cert_sn the root's.
 *  5. encrypt_type=AES: biz_content decrypted with the app's key; failure → 40003 plaintext.
 *  6. Faults, then the method; the answer signed over its exact text.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { normaliseCharset, type Charset } from '../../alipay/charset.js';
import { parseForm, FormDecodeError } from '../../alipay/form.js';
import { requestSignContent } from '../../alipay/sign/content.js';
import { isSignType, verifyText, type SignType } from '../../alipay/sign/rsa.js';
import { aesDecrypt } from '../../alipay/aes.js';
import { parseAlipayTime } from '../../alipay/time.js';
import { publicKeyOfCert } from '../../alipay/cert/sn.js';
import type { SandboxContext } from '../context.js';
import type { SandboxApp } from '../state/model.js';
import { LedgerError } from '../state/ledger.js';
import { GATEWAY_FAULTS } from '../faults.js';
import { HANG, html, redirect, type SandboxRequest, type SandboxResponse } from '../http/router.js';
import { METHODS } from '../methods/index.js';
import { MethodError, type MethodResult } from '../methods/types.js';
import { failure, respond, type Node, type RespondOptions } from './respond.js';

const REQUIRED: [string, string][] = [
  ['method', 'isv.missing-method'],
  ['app_id', 'isv.missing-app-id'],
  ['sign_type', 'isv.missing-signature-type'],
  ['sign', 'isv.missing-signature'],
  ['timestamp', 'isv.missing-timestamp'],
  ['version', 'isv.missing-version'],
];

/** Methods the buyer's browser calls: failures are shown as a page, not JSON. */
export const PAGE_METHODS = new Set(['alipay.trade.wap.pay', 'alipay.trade.page.pay']);

/** An answer before it is signed with the sandbox's key. */
type Answer = Omit<RespondOptions, 'key'>;

export async function handleGateway(ctx: SandboxContext, req: SandboxRequest): Promise<SandboxResponse | typeof HANG> {
  const result = await run(ctx, req);
  if (result === HANG || !('rootKey' in result)) return result;
  const body = respond({ ...result, key: ctx.identity.alipayPrivateKey });
  return { status: 200, headers: { 'content-type': `text/html;charset=${result.charset}` }, body };
}

async function run(ctx: SandboxContext, req: SandboxRequest): Promise<Answer | SandboxResponse | typeof HANG> {
  // 1. charset first (query, then body), then every parameter decoded with it.
  const rawQuery = req.url.search.slice(1);
  const bodyText = req.body.toString('latin1');
  const charsetName = firstParam(rawQuery, 'charset') ?? firstParam(bodyText, 'charset');
  const charset = normaliseCharset(charsetName ?? 'utf-8');
  let params: Record<string, string>;
  try {
    const fromBody = isForm(req) ? parseForm(req.body, charset ?? 'utf-8').params : {};
    params = { ...fromBody, ...parseForm(rawQuery, charset ?? 'utf-8').params };
  } catch (err) {
    if (!(err instanceof FormDecodeError)) throw err;
    return plainError('40002', 'isv.invalid-parameter', `请求参数无法解析: ${err.message}`);
  }
  const method = params.method ?? '';
  const rootKey = method && /^[a-z0-9._]+$/.test(method) ? `${method.replace(/\./g, '_')}_response` : 'error_response';
  const page = PAGE_METHODS.has(method);
  // Once the app is known, a certificate-mode app's errors carry alipay_cert_sn like any answer.
  let certSn: string | undefined;
  const fail = (code: string, subCode: string, subMsg: string, signType: SignType = 'RSA2'): Answer | SandboxResponse =>
    page ? errorPage(code, subCode, subMsg) : { rootKey, node: failure(code, subCode, subMsg), signType, charset: charset ?? 'utf-8', unsigned: rootKey === 'error_response', certSn };

  // 2. common parameters.
  for (const [name, subCode] of REQUIRED) {
    if (!params[name]) return fail('40001', subCode, `缺少必选参数${name}`);
  }
  if (!charset) return fail('40002', 'isv.invalid-charset', `字符集错误: ${charsetName}`);
  const signType = params.sign_type!;
  if (!isSignType(signType)) return fail('40002', 'isv.invalid-signature-type', `无效签名类型: ${signType}`);
  const app = ctx.ledger.app(params.app_id!);
  if (!app) return fail('40002', 'isv.invalid-app-id', `无效的AppID参数: ${params.app_id}`, signType);
  const handler = METHODS[method];
  if (app.appCertSn) certSn = ctx.identity.alipayCertSn;
  if (!handler) return fail('40002', 'isv.invalid-method', `不存在的方法名: ${method}`, signType);
  if (params.version !== '1.0') return fail('40002', 'isv.invalid-version', `无效的版本号: ${params.version}`, signType);
  if (params.format && params.format.toUpperCase() !== 'JSON') return fail('40002', 'isv.invalid-format', `无效的数据格式: ${params.format}`, signType);
  const when = parseAlipayTime(params.timestamp!);
  // Checked against the host's real time, not the sandbox clock: clients stamp requests with their
  // real time, while the sandbox clock may be manual (tests) or sped up (--time-scale).
  if (!when || Math.abs(when.getTime() - Date.now()) > ctx.options.timestampToleranceMs) {
    return fail('40002', 'isv.invalid-timestamp', `非法的时间戳参数: ${params.timestamp}`, signType);
  }

  // 3 and 4. the signature, with the app's key or certificate.
  if (app.appCertSn) {
    if (!params.app_cert_sn) return fail('40001', 'isv.missing-app-cert-sn', '缺少应用公钥证书序列号', signType);
    if (params.app_cert_sn !== app.appCertSn) return fail('40002', 'isv.invalid-app-cert-sn', `应用公钥证书序列号不匹配: ${params.app_cert_sn}`, signType);
    if (params.alipay_root_cert_sn !== ctx.identity.alipayRootCertSn) return fail('40002', 'isv.invalid-alipay-root-cert-sn', '支付宝根证书序列号不匹配', signType);
  }
  const content = requestSignContent(params);
  if (!verifyText(content, params.sign!, appKey(app), signType, charset)) {
    return fail('40002', 'isv.invalid-signature', `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`, signType);
  }

  const answer = (node: Node, extra: Partial<Answer> = {}): Answer => ({
    rootKey,
    node,
    signType,
    charset,
    certSn,
    ...extra,
  });

  // 5. AES.
  let bizText = params.biz_content;
  const encrypted = params.encrypt_type !== undefined;
  if (encrypted) {
    if (params.encrypt_type !== 'AES') return answer(failure('40002', 'isv.invalid-encrypt-type', `无效的加密类型: ${params.encrypt_type}`));
    if (!app.aesKey) return answer(failure('40003', 'isv.decryption-error-not-valid-encrypt-key', '解密出错, 未配置AES密钥'));
    try {
      bizText = bizText === undefined ? undefined : aesDecrypt(bizText, app.aesKey);
    } catch {
      return answer(failure('40003', 'isv.decryption-error-unknown', '解密出错, 未知错误'));
    }
  }
  let biz: Record<string, unknown> = {};
  if (bizText !== undefined) {
    try {
      const parsed: unknown = JSON.parse(bizText);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      biz = parsed as Record<string, unknown>;
    } catch {
      return page ? errorPage('40002', 'isv.invalid-parameter', 'biz_content 不是合法的 JSON 对象') : answer(failure('40002', 'isv.invalid-parameter', 'biz_content 不是合法的 JSON 对象'), { aesKey: encrypted ? app.aesKey : undefined });
    }
  }

  // 6. faults, then the method.
  const faults = ctx.faults.take(app.appId, method, GATEWAY_FAULTS);
  const hang = faults.get('hang');
  const systemError = faults.get('system-error');
  if (hang && !hang.applied) return HANG;
  if (systemError && !systemError.applied) return answer(failure('20000', 'isp.unknow-error', '系统繁忙'));

  let result: MethodResult;
  let errorRoot = false; // MethodError { errorResponse }: signed, under error_response (§2.1)
  try {
    result = handler({ ctx, app, method, params, biz, charset, faults });
  } catch (err) {
    if (err instanceof LedgerError) result = { node: failure('40004', err.subCode, err.subMsg) };
    else if (err instanceof MethodError) {
      result = { node: failure(err.code, err.subCode, err.subMsg, err.extra) };
      errorRoot = err.options.errorResponse === true;
    } else throw err;
  }
  if (hang) return HANG;
  if (systemError) return answer(failure('20000', 'isp.unknow-error', '系统繁忙'));
  if ('redirect' in result) return redirect(result.redirect);
  if ('html' in result) return html(result.html);
  if (page) {
    const n = result.node;
    return errorPage(String(n.code), String(n.sub_code ?? ''), String(n.sub_msg ?? ''));
  }
  return answer(result.node, { aesKey: encrypted ? app.aesKey : undefined, corruptSign: faults.get('corrupt-signature') !== undefined, ...(errorRoot ? { rootKey: 'error_response' } : {}) });
}

const keysByText = new Map<string, KeyObject>();

/** The app's verification key: its registered public key, or its certificate's. Parsed once. */
export function appKey(app: SandboxApp): KeyObject {
  const text = app.appCert ?? app.publicKey ?? '';
  let key = keysByText.get(text);
  if (!key) {
    key = app.appCert ? publicKeyOfCert(app.appCert) : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
    keysByText.set(text, key);
  }
  return key;
}

function isForm(req: SandboxRequest): boolean {
  if (req.body.length === 0) return false;
  const type = req.headers['content-type'] ?? '';
  return type === '' || type.startsWith('application/x-www-form-urlencoded');
}

/** The raw value of a parameter in a form text, without decoding anything else. */
function firstParam(text: string, name: string): string | undefined {
  for (const pair of text.split('&')) {
    if (!pair.startsWith(`${name}=`)) continue;
    try {
      return decodeURIComponent(pair.slice(name.length + 1).replace(/\+/g, ' '));
    } catch {
      return pair.slice(name.length + 1);
    }
  }
  return undefined;
}

function plainError(code: string, subCode: string, subMsg: string): Answer {
  return { rootKey: 'error_response', node: failure(code, subCode, subMsg), signType: 'RSA2', charset: 'utf-8', unsigned: true };
}

function errorPage(code: string, subCode: string, subMsg: string): SandboxResponse {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return html(
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>支付宝 - 错误</title></head>` +
      `<body><main class="error"><h1>抱歉，系统出现错误</h1><p>错误代码 <code>${esc(subCode || code)}</code></p><p class="reason">${esc(subMsg)}</p><p class="hint">zfb sandbox: the request could not be accepted.</p></main></body></html>`,
    200,
  );
}
