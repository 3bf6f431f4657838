/**
 * Gateway answers shaped like Alipay's (alipay-protocol.md §2.1): `{"<method>_response":{…},
 * ["alipay_cert_sn":"…",]"sign":"…"}`, compact JSON, `/` escaped as `\/`, non-ASCII raw, amounts
 * as strings, `code` and `msg` first, the sign computed over the exact node text in the request's
 * charset. An AES request gets the node as a quoted base64 string, signed with its quotes.
 */
import type { KeyObject } from 'node:crypto';
import { encodeText, type Charset } from '../../alipay/charset.js';
import { signText, type SignType } from '../../alipay/sign/rsa.js';
import { aesEncrypt } from '../../alipay/aes.js';

export type Node = Record<string, unknown>;

/** Alipay's JSON text: compact, with every `/` escaped. */
export function alipayJson(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

export interface RespondOptions {
  rootKey: string;
  node: Node;
  key: KeyObject;
  signType: SignType;
  charset: Charset;
  certSn?: string;
  aesKey?: string;
  /** Leave the answer unsigned (Alipay sends some error_response answers without a sign). */
  unsigned?: boolean;
  /** The corrupt-signature fault: a sign that does not verify. */
  corruptSign?: boolean;
}

export function respond(o: RespondOptions): Buffer {
  const json = alipayJson(o.node);
  const value = o.aesKey ? `"${aesEncrypt(json, o.aesKey)}"` : json;
  if (o.unsigned) return encodeText(`{"${o.rootKey}":${value}}`, o.charset);
  let sign = signText(value, o.key, o.signType, o.charset);
  if (o.corruptSign) sign = corrupt(sign);
  const cert = o.certSn ? `,"alipay_cert_sn":"${o.certSn}"` : '';
  return encodeText(`{"${o.rootKey}":${value}${cert},"sign":"${sign}"}`, o.charset);
}

/** Flips a few base64 characters in the middle: still well-formed, never valid. */
function corrupt(sign: string): string {
  const mid = sign.length >> 1;
  const flip = (c: string) => (c === 'A' ? 'B' : 'A');
  return sign.slice(0, mid) + flip(sign[mid]!) + flip(sign[mid + 1]!) + sign.slice(mid + 2);
}

/** code/msg pairs of the gateway's public codes (§2.3). */
export const GATEWAY_MSG: Record<string, string> = {
  '10000': 'Success',
  '10003': 'order success pay inprocess',
  '20000': 'Service Currently Unavailable',
  '20001': 'Insufficient Token Permissions',
  '40001': 'Missing Required Arguments',
  '40002': 'Invalid Arguments',
  '40003': 'Insufficient Conditions',
  '40004': 'Business Failed',
  '40006': 'Insufficient Permissions',
};

/** A failure node: code, msg, sub_code, sub_msg, then any business fields Alipay keeps. */
export function failure(code: string, subCode: string, subMsg: string, extra: Node = {}): Node {
  return { code, msg: GATEWAY_MSG[code] ?? 'Business Failed', sub_code: subCode, sub_msg: subMsg, ...extra };
}

export function success(fields: Node = {}): Node {
  return { code: '10000', msg: 'Success', ...fields };
}
