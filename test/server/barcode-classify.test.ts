/** How an alipay.trade.pay error decides a barcode order: failed (and whether to void), or unknown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlipayGatewayError, AlipaySignatureError, AlipayTransportError, AlipayValidationError } from '../../src/alipay/index.js';
import { classifyPayError, scrub } from '../../src/server/barcode/outcome.js';

const CODE = '283456789012345678';

function gatewayError(code: string, subCode: string | undefined, subMsg: string | undefined, verified = true) {
  const err = new AlipayGatewayError('alipay.trade.pay', code, code === '40004' ? 'Business Failed' : 'Invalid Arguments', subCode, subMsg, {});
  Object.defineProperty(err, 'verified', { value: verified, enumerable: true });
  return err;
}

test('definite refusals fail the order; a cancel follows only when Alipay had identified the buyer', () => {
  assert.deepEqual(classifyPayError(gatewayError('40004', 'ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足'), CODE), {
    kind: 'failed', code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', message: '买家余额不足', gatewayCode: '40004', voidTrade: true,
  });
  const invalid = classifyPayError(gatewayError('40004', 'ACQ.PAYMENT_AUTH_CODE_INVALID', '请顾客刷新付款码后重新收款'), CODE);
  assert.equal(invalid.kind, 'failed');
  assert.equal(invalid.kind === 'failed' && invalid.voidTrade, false);
  const refused = classifyPayError(gatewayError('40002', 'isv.invalid-signature', `验签出错 biz_content={"auth_code":"${CODE}"}`), CODE);
  assert.equal(refused.kind, 'failed');
  assert.ok(refused.kind === 'failed' && !refused.message.includes(CODE) && !refused.voidTrade);
});

test('anything uncertain is unknown: the job queries, never a second pay', () => {
  const reason = (err: unknown) => {
    const c = classifyPayError(err, CODE);
    return c.kind === 'unknown' ? c.reason : c.kind;
  };
  assert.equal(reason(gatewayError('20000', 'isp.unknow-error', '系统繁忙')), 'system-error');
  assert.equal(reason(gatewayError('40004', 'ACQ.SYSTEM_ERROR', '系统错误')), 'system-error');
  assert.equal(reason(gatewayError('40004', 'ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足', false)), 'unverified');
  assert.equal(reason(gatewayError('40004', 'ACQ.TRADE_HAS_SUCCESS', '交易已被支付')), 'trade-exists');
  assert.equal(reason(gatewayError('40004', 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改')), 'trade-exists');
  assert.equal(reason(gatewayError('99999', undefined, undefined)), 'unexpected-code');
  assert.equal(reason(new AlipayTransportError('ERR_TRANSPORT_TIMEOUT', 'unknown', 'timed out')), 'timeout');
  assert.equal(reason(new AlipayTransportError('ERR_TRANSPORT_CONNECTION', 'not-sent', 'refused')), 'not-sent');
  assert.equal(reason(new AlipayValidationError('biz_content.subject', 'at most 256')), 'not-sent');
  assert.equal(reason(new AlipaySignatureError('ERR_RESPONSE_SIGNATURE', 'bad sign')), 'signature');
  const detail = classifyPayError(gatewayError('20000', 'isp.unknow-error', `echo ${CODE}`, false), CODE);
  assert.ok(!JSON.stringify(detail).includes(CODE));
});

test('scrub hides payment codes, the given one and any other', () => {
  assert.equal(scrub(`a ${CODE} b`, CODE), 'a **** b');
  assert.equal(scrub('x 301234567890123456789 y'), 'x ****6789 y');
  assert.equal(scrub('order 2088102146225135 amount 12'), 'order 2088102146225135 amount 12');
});
