/**
 * Reading Alipay's answers about one refund into one of three outcomes, with no I/O:
 *
 *  - succeeded: alipay.trade.refund answered 10000 with fund_change "Y" (money moved in this
 *    call), or alipay.trade.fastpay.refund.query shows the refund (alipay-protocol.md §6.12,
 *    §6.13: REFUND_SUCCESS per the newer doc; per the older one, data returned means refunded);
 *  - failed: a verified 40004 whose sub_code is not retryable (§6.15), e.g. ACQ.TRADE_HAS_FINISHED,
 *    ACQ.REASON_TRADE_REFUND_FEE_ERR: Alipay refused, no money moved, the reservation is released;
 *  - unknown: everything else — 20000, ACQ.SYSTEM_ERROR, ACQ.SELLER_BALANCE_NOT_ENOUGH (retry with
 *    the same out_request_no after a top-up), a failure Alipay did not sign, a response that does
 *    not verify, a timeout or a lost connection, fund_change "N" with nothing in the query yet.
 *    Never a failure (payments-reliability.md §0 rule 6): the confirm job queries and, if the
 *    query shows no refund under this out_request_no, calls refund again with the SAME
 *    out_request_no and amount (Alipay refunds once per request number, §3.4).
 */
import { AlipayGatewayError, AlipaySignatureError, AlipayTransportError, AlipayValidationError, parseAlipayTime, yuanToFen } from '../../alipay/index.js';
import type { TradeRefundQueryResult, TradeRefundResult } from '../../alipay/index.js';
import type { RefundFailure } from './model.js';

export type Outcome =
  | { kind: 'succeeded'; via: 'refund' | 'query'; fundChange?: 'Y' | 'N'; refundedAt?: Date }
  | { kind: 'failed'; failure: RefundFailure }
  /** `notRefunded`: the refund query answered and shows no refund under this out_request_no (safe and useful to send it again). */
  | { kind: 'unknown'; reason: string; notRefunded?: boolean };

/**
 * 40004 sub-codes that are not retryable by the ACQ table yet must not release the reservation:
 * a refund under this request number may exist with other content, so money may have moved.
 * Left processing, they end in an alert for a person.
 */
const NEVER_FINAL = new Set(['ACQ.DISCORDANT_REPEAT_REQUEST']);

/** 10000 from alipay.trade.refund: succeeded if fund_change is Y; otherwise undefined (confirm with the query). */
export function fromRefundAnswer(answer: TradeRefundResult): Outcome | undefined {
  if (answer.fund_change !== 'Y') return undefined;
  return { kind: 'succeeded', via: 'refund', fundChange: 'Y', refundedAt: timeOf(answer.gmt_refund_pay) };
}

/** 10000 from alipay.trade.fastpay.refund.query, checked against the refund we asked about. */
export function fromQueryAnswer(answer: TradeRefundQueryResult, expected: { outRequestNo: string; amountFen: number }): Outcome {
  const status = answer.refund_status;
  const dataReturned = answer.refund_amount !== undefined || answer.out_request_no !== undefined;
  if (status === 'REFUND_SUCCESS' || (status === undefined && dataReturned)) {
    if (answer.out_request_no !== undefined && answer.out_request_no !== expected.outRequestNo) {
      return { kind: 'unknown', reason: `the refund query answered for out_request_no ${answer.out_request_no}, not ${expected.outRequestNo}` };
    }
    if (answer.refund_amount !== undefined) {
      let fen: number | undefined;
      try {
        fen = yuanToFen(String(answer.refund_amount), 'refund_amount');
      } catch {
        fen = undefined;
      }
      if (fen !== expected.amountFen) {
        return { kind: 'unknown', reason: `the refund query shows refund_amount ${answer.refund_amount}, not the ${expected.amountFen} fen asked for` };
      }
    }
    return { kind: 'succeeded', via: 'query', refundedAt: timeOf(answer.gmt_refund_pay) };
  }
  if (status === 'REFUND_PROCESSING') return { kind: 'unknown', reason: 'the refund query says REFUND_PROCESSING' };
  return { kind: 'unknown', reason: status ? `the refund query says ${status}` : 'the refund query shows no refund under this out_request_no', notRefunded: true };
}

/** An error thrown by alipay.trade.refund. Errors of the refund query are always `unknown` (see queryError). */
export function fromRefundError(err: unknown): Outcome {
  if (err instanceof AlipayGatewayError) {
    const verified = (err as { verified?: boolean }).verified === true;
    if (verified && err.gatewayCode === '40004' && !err.retryable && !(err.subCode && NEVER_FINAL.has(err.subCode))) {
      return { kind: 'failed', failure: { code: err.gatewayCode, msg: err.gatewayMsg, sub_code: err.subCode, sub_msg: err.subMsg } };
    }
    return { kind: 'unknown', reason: `alipay.trade.refund answered ${err.gatewayCode}${err.subCode ? ` ${err.subCode}` : ''}${verified ? '' : ' (unsigned)'}${err.retryable ? ', retryable' : ''}` };
  }
  if (err instanceof AlipayValidationError) {
    // Refused before anything was sent: no money can have moved, and sending it again would not help.
    return { kind: 'failed', failure: { code: 'invalid-request', msg: err.message } };
  }
  return { kind: 'unknown', reason: `alipay.trade.refund: ${describe(err)}` };
}

export function queryError(err: unknown): Outcome {
  return { kind: 'unknown', reason: `alipay.trade.fastpay.refund.query: ${describe(err)}` };
}

function describe(err: unknown): string {
  if (err instanceof AlipayTransportError) return `${err.code} (outcome ${err.outcome})`;
  if (err instanceof AlipayGatewayError) return `${err.gatewayCode}${err.subCode ? ` ${err.subCode}` : ''}`;
  if (err instanceof AlipaySignatureError) return `${err.code}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function timeOf(text: string | undefined): Date | undefined {
  return text ? parseAlipayTime(text) : undefined;
}
