/**
 * The Api over real HTTP on loopback: typed results from signed responses, the 10003 answer of
 * alipay.trade.pay, and failures that stay errors.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, success } from '../../../test/support/fake-gateway.js';
import { signedResponse } from '../../../test/support/alipay-signing.js';
import { alipayKeys, otherKeys } from '../../../test/support/keys.js';
import { AlipayGatewayError, AlipaySignatureError, AlipayTransportError } from '../errors.js';
import type { TradePayResult } from './index.js';

const gateway = await startGateway();
after(() => gateway.close());
const client = gateway.client();
const barcode = { out_trade_no: 'F2F_0001', total_amount: '88.88', subject: '测试订单', scene: 'bar_code', auth_code: '281234567890123456' } as const;
const paying = { trade_no: '2026112022001468450512505578', out_trade_no: 'F2F_0001', buyer_logon_id: 'xud***@126.com', total_amount: '88.88', receipt_amount: '0.00', buyer_pay_amount: '0.00', point_amount: '0.00', invoice_amount: '0.00' };

test('trade.pay 10000: the paid result, typed', async () => {
  gateway.respond(success({ ...paying, receipt_amount: '88.88', buyer_pay_amount: '88.88', invoice_amount: '88.88', gmt_payment: '2026-11-20 10:00:04', fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: '88.88' }] }));
  const result = await client.api.trade.pay(barcode);
  assert.equal(result.code, '10000');
  assert.equal(result.trade_no, '2026112022001468450512505578');
  assert.equal(result.buyer_pay_amount, '88.88');
  assert.equal(result.fund_bill_list?.[0]?.fund_channel, 'ALIPAYACCOUNT');
});

test('trade.pay 10003: returned (not thrown) with code "10003" so the caller polls', async () => {
  gateway.respond((p) => signedResponse(p.method!, { code: '10003', msg: 'order success pay inprocess', ...paying }, alipayKeys.privateKey));
  const result: TradePayResult = await client.api.trade.pay(barcode);
  // The union narrows on code: this is the branch a caller writes.
  if (result.code === '10003') {
    assert.equal(result.trade_no, '2026112022001468450512505578');
    assert.equal(result.buyer_pay_amount, '0.00');
  } else {
    assert.fail(`expected 10003, got ${result.code}`);
  }
});

test('trade.pay 10003 without a sign is not trusted as a result: it stays a gateway error', async () => {
  gateway.respond(() => `{"alipay_trade_pay_response":{"code":"10003","msg":"order success pay inprocess"}}`);
  await assert.rejects(client.api.trade.pay(barcode), (e: unknown) => e instanceof AlipayGatewayError && e.gatewayCode === '10003');
});

test('trade.pay 10003 with a bad signature is a signature error', async () => {
  gateway.respond((p) => signedResponse(p.method!, { code: '10003', msg: 'x', ...paying }, otherKeys.privateKey));
  await assert.rejects(client.api.trade.pay(barcode), (e: unknown) => e instanceof AlipaySignatureError && e.code === 'ERR_RESPONSE_SIGNATURE');
});

test('trade.pay 40004: AlipayGatewayError with the ACQ sub_code and the kept fields', async () => {
  gateway.respond((p) => signedResponse(p.method!, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', sub_msg: '支付失败，获取顾客账户信息失败', ...paying }, alipayKeys.privateKey));
  await assert.rejects(client.api.trade.pay(barcode), (e: unknown) => {
    assert.ok(e instanceof AlipayGatewayError);
    assert.equal(e.gatewayCode, '40004');
    assert.equal(e.subCode, 'ACQ.PAYMENT_AUTH_CODE_INVALID');
    assert.equal(e.response.receipt_amount, '0.00');
    return true;
  });
});

test('trade.query: typed trade_status and amounts as yuan strings', async () => {
  gateway.respond(success({ trade_no: '2026112022001468450512505578', out_trade_no: 'F2F_0001', trade_status: 'TRADE_SUCCESS', total_amount: '88.88', send_pay_date: '2026-11-20 10:00:04', buyer_user_type: 'PRIVATE' }));
  const result = await client.api.trade.query({ out_trade_no: 'F2F_0001' });
  assert.equal(result.trade_status, 'TRADE_SUCCESS');
  assert.equal(result.total_amount, '88.88');
  assert.equal(result.buyer_user_type, 'PRIVATE');
});

test('trade.refund: fund_change and the cumulative refund_fee', async () => {
  gateway.respond(success({ trade_no: '2026112022001468450512505578', out_trade_no: 'F2F_0001', fund_change: 'Y', refund_fee: '10.00', gmt_refund_pay: '2026-11-20 11:00:00' }));
  const result = await client.api.trade.refund({ out_trade_no: 'F2F_0001', refund_amount: '10.00', out_request_no: 'F2F_0001-R1' });
  assert.equal(result.fund_change, 'Y');
  assert.equal(result.refund_fee, '10.00');
});

test('precreate, create, cancel, close, refundQuery, bill: typed results', async () => {
  gateway.respond(success({ out_trade_no: 'Q1', qr_code: 'https://qr.alipay.com/bax03431ljhokirwl38f00a7' }));
  assert.equal((await client.api.trade.precreate({ out_trade_no: 'Q1', total_amount: '1.00', subject: 's' })).qr_code, 'https://qr.alipay.com/bax03431ljhokirwl38f00a7');
  gateway.respond(success({ out_trade_no: 'J1', trade_no: '2026112022001400000000000001' }));
  assert.equal((await client.api.trade.create({ out_trade_no: 'J1', total_amount: '1.00', subject: 's', buyer_open_id: 'oid1' })).trade_no, '2026112022001400000000000001');
  gateway.respond(success({ out_trade_no: 'C1', retry_flag: 'N', action: 'refund' }));
  const cancel = await client.api.trade.cancel({ out_trade_no: 'C1' });
  assert.deepEqual([cancel.retry_flag, cancel.action], ['N', 'refund']);
  gateway.respond(success({ out_trade_no: 'C1', trade_no: '1' }));
  assert.equal((await client.api.trade.close({ out_trade_no: 'C1' })).out_trade_no, 'C1');
  gateway.respond(success({ out_trade_no: 'C1', out_request_no: 'R1', refund_status: 'REFUND_SUCCESS', refund_amount: '1.00' }));
  assert.equal((await client.api.trade.refundQuery({ out_trade_no: 'C1', out_request_no: 'R1' })).refund_status, 'REFUND_SUCCESS');
  gateway.respond(success({ bill_download_url: 'http://dwbillcenter.alipay.com/downloadBillFile.resource?bizType=trade&fileType=csv.zip' }));
  const bill = await client.api.data.billDownloadUrl({ bill_type: 'trade', bill_date: '2026-11-19' });
  assert.equal(bill.bill_download_url, 'http://dwbillcenter.alipay.com/downloadBillFile.resource?bizType=trade&fileType=csv.zip');
});

test('oauth.token error_response (isv.code-invalid) becomes AlipayGatewayError with subCode', async () => {
  gateway.respond((p) => signedResponse(p.method!, { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.code-invalid', sub_msg: '授权码code无效' }, alipayKeys.privateKey, { rootKey: 'error_response' }));
  await assert.rejects(client.api.system.oauthToken({ grant_type: 'authorization_code', code: 'used-code' }), (e: unknown) => {
    assert.ok(e instanceof AlipayGatewayError);
    assert.equal(e.method, 'alipay.system.oauth.token');
    assert.equal(e.gatewayCode, '40002');
    assert.equal(e.subCode, 'isv.code-invalid');
    return true;
  });
});

test('call options reach the client: an aborted signal stops the call before sending', async () => {
  const before = gateway.requests.length;
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(client.api.trade.query({ out_trade_no: 'A' }, { signal: controller.signal }), (e: unknown) => e instanceof AlipayTransportError && e.outcome === 'not-sent');
  assert.equal(gateway.requests.length, before);
});
