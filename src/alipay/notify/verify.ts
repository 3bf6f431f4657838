/**
 * Async notifies (POST form) and return_url callbacks (GET query): verify the raw text, then hand
 * back the parameters. Rules (alipay-protocol.md §3.3, Java rsaCheckV1): drop `sign` and
 * `sign_type`, drop empty values, sort, join raw decoded values, verify with the configured
 * algorithm. The algorithm is pinned: a notify that claims another `sign_type` is refused, so an
 * attacker cannot downgrade RSA2 to RSA. Each value is decoded exactly once, so `%` and `+` in
 * passback_params survive.
 */
import type { KeyObject } from 'node:crypto';
import { AlipaySignatureError } from '../errors.js';
import { decodeText, type Charset } from '../charset.js';
import { FormDecodeError, readCallbackForm } from '../form.js';
import { verifyBytes, type SignType } from '../sign/rsa.js';

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_CLOSED' | 'TRADE_SUCCESS' | 'TRADE_FINISHED';

/** A trade_status_sync notify, field names as Alipay sends them. Amounts are yuan strings. */
export interface TradeNotify {
  notify_id: string;
  notify_type: string;
  notify_time: string;
  app_id: string;
  auth_app_id?: string;
  charset?: string;
  version?: string;
  sign_type?: string;
  trade_no?: string;
  out_trade_no?: string;
  out_biz_no?: string;
  buyer_id?: string;
  buyer_open_id?: string;
  buyer_logon_id?: string;
  seller_id?: string;
  seller_email?: string;
  trade_status?: TradeStatus;
  total_amount?: string;
  receipt_amount?: string;
  invoice_amount?: string;
  buyer_pay_amount?: string;
  point_amount?: string;
  refund_fee?: string;
  subject?: string;
  body?: string;
  gmt_create?: string;
  gmt_payment?: string;
  gmt_refund?: string;
  gmt_close?: string;
  fund_bill_list?: string;
  passback_params?: string;
  voucher_detail_list?: string;
  [other: string]: string | undefined;
}

/** A verified return_url callback: only good for display, never for fulfilment. */
export interface ReturnParams {
  app_id: string;
  method?: string;
  out_trade_no: string;
  trade_no: string;
  total_amount: string;
  seller_id?: string;
  timestamp?: string;
  [other: string]: string | undefined;
}

export interface VerifyCallbackOptions {
  keys: Iterable<KeyObject>;
  signType: SignType;
  /** Charset to assume when the body does not say (Alipay always says). */
  charset?: Charset;
}

const TRADE_STATUSES = new Set(['WAIT_BUYER_PAY', 'TRADE_CLOSED', 'TRADE_SUCCESS', 'TRADE_FINISHED']);

/**
 * Verifies a raw form text (a notify body, or a return_url query string without the `?`) and
 * returns its parameters. Throws AlipaySignatureError: ERR_NOTIFY_MALFORMED for text that cannot be
 * read, ERR_NOTIFY_SIGNATURE for a missing, wrong-algorithm or invalid signature.
 */
export function verifyCallbackParams(raw: string | Buffer, options: VerifyCallbackOptions): Record<string, string> {
  let params: Record<string, string>;
  let charset: Charset;
  let signed: Buffer;
  let signature: Buffer | undefined;
  try {
    ({ params, charset, signed, signature } = readCallbackForm(raw, options.charset ?? 'utf-8'));
  } catch (err) {
    if (err instanceof FormDecodeError) throw new AlipaySignatureError('ERR_NOTIFY_MALFORMED', `the callback body cannot be read: ${err.message}`);
    throw err;
  }
  if (signature === undefined) throw new AlipaySignatureError('ERR_NOTIFY_SIGNATURE', 'the callback has no sign parameter');
  const claimed = params.sign_type;
  if (claimed !== undefined && claimed !== options.signType) {
    throw new AlipaySignatureError('ERR_NOTIFY_SIGNATURE', `the callback claims sign_type=${claimed}, but this app is configured for ${options.signType}: refused`);
  }
  for (const key of options.keys) {
    if (verifyBytes(signed, signature, key, options.signType)) return params;
  }
  throw new AlipaySignatureError('ERR_NOTIFY_SIGNATURE', `the callback signature does not verify with the configured Alipay key (${options.signType})`, decodeText(signed, charset));
}

/** Verifies a trade notify and checks it has the fields every trade notify has. */
export function verifyTradeNotify(raw: string | Buffer, options: VerifyCallbackOptions): TradeNotify {
  const p = verifyCallbackParams(raw, options);
  // Written out field by field rather than looped over: named reads are the cheap ones.
  if (!p.notify_id || !p.notify_type || !p.notify_time || !p.app_id) {
    const field = (['notify_id', 'notify_type', 'notify_time', 'app_id'] as const).find((f) => !p[f]);
    throw new AlipaySignatureError('ERR_NOTIFY_MALFORMED', `the notify is signed but has no ${field}`);
  }
  if (p.trade_status !== undefined && !TRADE_STATUSES.has(p.trade_status)) {
    throw new AlipaySignatureError('ERR_NOTIFY_MALFORMED', `the notify has an unknown trade_status ${JSON.stringify(p.trade_status)}`);
  }
  return p as TradeNotify;
}

/** Verifies a return_url query string (with or without its leading `?`, or a whole URL). */
export function verifyReturnQuery(query: string, options: VerifyCallbackOptions): ReturnParams {
  const q = query.includes('?') ? query.slice(query.indexOf('?') + 1) : query;
  const p = verifyCallbackParams(q, options);
  for (const field of ['app_id', 'out_trade_no', 'trade_no', 'total_amount'] as const) {
    if (!p[field]) throw new AlipaySignatureError('ERR_NOTIFY_MALFORMED', `the return parameters are signed but have no ${field}`);
  }
  return p as ReturnParams;
}
