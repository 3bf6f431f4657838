/** How Alipay's answers about a refund are read (alipay-protocol.md §6.12, §6.13, §6.15): no I/O. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlipayGatewayError, AlipaySignatureError, AlipayTransportError, AlipayValidationError } from '../../src/alipay/index.js';
import { fromQueryAnswer, fromRefundAnswer, fromRefundError, queryError } from '../../src/server/refunds/outcome.js';
import { confirmBackoffMs } from '../../src/server/refunds/confirm-job.js';

const expected = { outRequestNo: 'R1', amountFen: 1234 };

function gatewayError(code: string, subCode: string | undefined, verified: boolean): AlipayGatewayError {
  const err = new AlipayGatewayError('alipay.trade.refund', code, 'msg', subCode, 'sub msg', {});
  Object.defineProperty(err, 'verified', { value: verified, enumerable: true });
  return err;
}

test('refund answer: fund_change Y is success; N or absent needs the query', () => {
  const ok = fromRefundAnswer({ code: '10000', msg: 'Success', fund_change: 'Y', gmt_refund_pay: '2024-01-02 03:04:05' });
  assert.equal(ok?.kind, 'succeeded');
  assert.equal(ok?.kind === 'succeeded' && ok.refundedAt?.toISOString(), '2024-01-01T19:04:05.000Z');
  assert.equal(fromRefundAnswer({ code: '10000', msg: 'Success', fund_change: 'N' }), undefined);
  assert.equal(fromRefundAnswer({ code: '10000', msg: 'Success' }), undefined);
});

test('refund query: REFUND_SUCCESS, or (older doc) data returned, is success; nothing means not refunded', () => {
  assert.equal(fromQueryAnswer({ code: '10000', msg: 'Success', out_request_no: 'R1', refund_amount: '12.34', refund_status: 'REFUND_SUCCESS' }, expected).kind, 'succeeded');
  assert.equal(fromQueryAnswer({ code: '10000', msg: 'Success', out_request_no: 'R1', refund_amount: '12.34' }, expected).kind, 'succeeded');
  const nothing = fromQueryAnswer({ code: '10000', msg: 'Success' }, expected);
  assert.deepEqual([nothing.kind, nothing.kind === 'unknown' && nothing.notRefunded], ['unknown', true]);
  const inFlight = fromQueryAnswer({ code: '10000', msg: 'Success', refund_status: 'REFUND_PROCESSING' }, expected);
  assert.deepEqual([inFlight.kind, inFlight.kind === 'unknown' && inFlight.notRefunded === true], ['unknown', false]);
  // A refund that does not match what we asked for is never taken as ours.
  assert.equal(fromQueryAnswer({ code: '10000', msg: 'Success', out_request_no: 'R1', refund_amount: '12.35', refund_status: 'REFUND_SUCCESS' }, expected).kind, 'unknown');
  assert.equal(fromQueryAnswer({ code: '10000', msg: 'Success', out_request_no: 'R2', refund_amount: '12.34', refund_status: 'REFUND_SUCCESS' }, expected).kind, 'unknown');
});

test('refund errors: only a verified, non-retryable 40004 is a failure', () => {
  const finished = fromRefundError(gatewayError('40004', 'ACQ.TRADE_HAS_FINISHED', true));
  assert.equal(finished.kind, 'failed');
  assert.equal(finished.kind === 'failed' && finished.failure.sub_code, 'ACQ.TRADE_HAS_FINISHED');
  for (const err of [
    gatewayError('40004', 'ACQ.TRADE_HAS_FINISHED', false), // unsigned: not to be trusted
    gatewayError('40004', 'ACQ.SYSTEM_ERROR', true),
    gatewayError('40004', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', true), // top up, retry the same request no.
    gatewayError('40004', 'ACQ.DISCORDANT_REPEAT_REQUEST', true), // a refund under this number may exist
    gatewayError('20000', 'isp.unknow-error', true),
    gatewayError('40002', 'isv.invalid-signature', false),
    new AlipayTransportError('ERR_TRANSPORT_TIMEOUT', 'unknown', 'timed out'),
    new AlipayTransportError('ERR_TRANSPORT_CONNECTION', 'not-sent', 'refused'),
    new AlipaySignatureError('ERR_RESPONSE_SIGNATURE', 'bad sign'),
  ]) {
    assert.equal(fromRefundError(err).kind, 'unknown', String(err));
  }
  assert.equal(fromRefundError(new AlipayValidationError('refund_reason', 'not blank')).kind, 'failed');
  // A failed query never fails the refund.
  assert.equal(queryError(gatewayError('40004', 'ACQ.TRADE_NOT_EXIST', true)).kind, 'unknown');
});

test('confirm backoff doubles from the delay, capped at an hour', () => {
  assert.equal(confirmBackoffMs(10_000, 1), 20_000);
  assert.equal(confirmBackoffMs(10_000, 3), 80_000);
  assert.equal(confirmBackoffMs(10_000, 29), 3_600_000);
  assert.equal(confirmBackoffMs(200, 2), 800);
});
