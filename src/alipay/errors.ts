/**
 * One error hierarchy for the client. Every class carries a stable string `code` that callers
 * switch on; messages are for people and may change. No message ever contains key material.
 */

export type ZfbErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_VALIDATION'
  | 'ERR_RESPONSE_SIGNATURE'
  | 'ERR_RESPONSE_SIGN_MISSING'
  | 'ERR_RESPONSE_CERT_SN'
  | 'ERR_RESPONSE_MALFORMED'
  | 'ERR_NOTIFY_SIGNATURE'
  | 'ERR_NOTIFY_MALFORMED'
  | 'ERR_GATEWAY'
  | 'ERR_TRANSPORT_TIMEOUT'
  | 'ERR_TRANSPORT_CONNECTION'
  | 'ERR_TRANSPORT_HTTP_STATUS'
  | 'ERR_TRANSPORT_ABORTED';

export abstract class ZfbError extends Error {
  abstract readonly code: ZfbErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The client was configured wrongly: `field` names the configuration field at fault. */
export class AlipayConfigError extends ZfbError {
  readonly code = 'ERR_CONFIG';
  constructor(readonly field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options);
  }
}

/** Input to a call was rejected before anything was sent: `field` is a dotted path. */
export class AlipayValidationError extends ZfbError {
  readonly code = 'ERR_VALIDATION';
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly issues: { field: string; expected: string }[] = [{ field, expected }],
  ) {
    super(issues.map((i) => `${i.field}: ${i.expected}`).join('; '));
  }
}

/** A signature check failed. Distinct codes for: bad signature, missing sign, unknown cert SN, malformed. */
export class AlipaySignatureError extends ZfbError {
  constructor(
    readonly code:
      | 'ERR_RESPONSE_SIGNATURE'
      | 'ERR_RESPONSE_SIGN_MISSING'
      | 'ERR_RESPONSE_CERT_SN'
      | 'ERR_RESPONSE_MALFORMED'
      | 'ERR_NOTIFY_SIGNATURE'
      | 'ERR_NOTIFY_MALFORMED',
    message: string,
    /** The exact text that was (or would have been) verified, for debugging "验签失败". */
    readonly signedContent?: string,
  ) {
    super(message);
  }
}

/**
 * Sub-codes after which repeating the call with the same identifiers (same out_trade_no /
 * out_request_no) is safe and may succeed. Source: the ACQ table in alipay-protocol.md §6.15.
 * ACQ.SYSTEM_ERROR on alipay.trade.pay is special: query first, then decide.
 */
const RETRYABLE_SUB_CODES = new Set([
  'ACQ.SYSTEM_ERROR',
  'AQC.SYSTEM_ERROR',
  'ACQ.SELLER_BALANCE_NOT_ENOUGH',
  'isp.unknow-error',
  'aop.unknow-error',
]);

/** Alipay answered, and the answer was not success (`code` other than 10000). */
export class AlipayGatewayError extends ZfbError {
  readonly code = 'ERR_GATEWAY';
  /** True when repeating the call with the same identifiers is safe (per the ACQ table). */
  readonly retryable: boolean;
  constructor(
    readonly method: string,
    readonly gatewayCode: string,
    readonly gatewayMsg: string,
    readonly subCode: string | undefined,
    readonly subMsg: string | undefined,
    /** The whole verified response node, for fields Alipay keeps on failures (refund_fee, ...). */
    readonly response: Record<string, unknown>,
  ) {
    super(`${method} failed: ${gatewayCode} ${gatewayMsg}${subCode ? ` (${subCode}${subMsg ? `: ${subMsg}` : ''})` : ''}`);
    this.retryable = gatewayCode === '20000' || (subCode !== undefined && RETRYABLE_SUB_CODES.has(subCode));
  }
}

/**
 * The call did not get a usable answer. `outcome` says whether Alipay may have acted on it:
 * 'not-sent' (safe to retry) or 'unknown' (query before deciding anything that moves money).
 */
export class AlipayTransportError extends ZfbError {
  constructor(
    readonly code: 'ERR_TRANSPORT_TIMEOUT' | 'ERR_TRANSPORT_CONNECTION' | 'ERR_TRANSPORT_HTTP_STATUS' | 'ERR_TRANSPORT_ABORTED',
    readonly outcome: 'unknown' | 'not-sent',
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
