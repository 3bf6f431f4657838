/**
 * How Alipay itself signs what it sends, written from the protocol notes (alipay-protocol.md §2.1,
 * §3), for tests of the client. Interop tests pin these against the official alipay-sdk, so a
 * mistake here cannot hide a mistake in the client.
 */
import { sign as cryptoSign, type KeyObject } from 'node:crypto';

/** Alipay's JSON: compact, `/` escaped as `\/`, non-ASCII raw. */
export function alipayJson(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

export function rsaSign(text: string, key: KeyObject, signType: 'RSA2' | 'RSA' = 'RSA2'): string {
  return cryptoSign(signType === 'RSA2' ? 'sha256' : 'sha1', Buffer.from(text, 'utf8'), key).toString('base64');
}

/** A gateway response body: `{"<method>_response":{...},["alipay_cert_sn":"…",]"sign":"…"}`. */
export function signedResponse(
  method: string,
  node: Record<string, unknown>,
  key: KeyObject,
  opts: { signType?: 'RSA2' | 'RSA'; certSn?: string; rootKey?: string } = {},
): string {
  const rootKey = opts.rootKey ?? `${method.replace(/\./g, '_')}_response`;
  const text = alipayJson(node);
  const sign = rsaSign(text, key, opts.signType);
  const certPart = opts.certSn ? `,"alipay_cert_sn":"${opts.certSn}"` : '';
  return `{"${rootKey}":${text}${certPart},"sign":"${sign}"}`;
}

/** A notify's parameters with sign and sign_type added (V1: both left out of the signed text). */
export function signNotifyParams(params: Record<string, string>, key: KeyObject, signType: 'RSA2' | 'RSA' = 'RSA2'): Record<string, string> {
  const content = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return { ...params, sign_type: signType, sign: rsaSign(content, key, signType) };
}

/** URL-encoded form body, as Alipay POSTs it. */
export function formBody(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export function sampleNotify(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    gmt_create: '2026-11-20 10:00:00',
    charset: 'utf-8',
    seller_email: 'merchant@example.com',
    subject: '测试订单 / test',
    buyer_id: '2088102177846880',
    invoice_amount: '88.88',
    notify_id: '2026112000222100001234567890123456',
    fund_bill_list: '[{"amount":"88.88","fundChannel":"ALIPAYACCOUNT"}]',
    notify_type: 'trade_status_sync',
    trade_status: 'TRADE_SUCCESS',
    receipt_amount: '88.88',
    buyer_pay_amount: '88.88',
    app_id: '2021000123456789',
    auth_app_id: '2021000123456789',
    notify_time: '2026-11-20 10:00:05',
    point_amount: '0.00',
    total_amount: '88.88',
    seller_id: '2088102177800000',
    trade_no: '2026112022001468450512505578',
    version: '1.0',
    out_trade_no: 'ORDER_20261120_0001',
    gmt_payment: '2026-11-20 10:00:04',
    passback_params: 'a%3D1%2Bb+c%25',
    buyer_logon_id: 'xud***@126.com',
    ...overrides,
  };
}
