/**
 * Invalid input never reaches the network: each case throws AlipayValidationError naming the
 * field on the wire, and the client's fetch (which counts calls) is never called.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { offline, offlineClient } from '../../../test/support/fake-gateway.js';
import { AlipayValidationError } from '../errors.js';

const client = offlineClient();
const order = { out_trade_no: 'ORDER_1', total_amount: '88.88', subject: '测试订单' };
const barcode = { ...order, scene: 'bar_code', auth_code: '281234567890123456' } as const;

afterEach(() => {
  const calls = offline.fetchCalls;
  offline.fetchCalls = 0; // so one leak fails one test, not every test after it
  assert.equal(calls, 0, 'no request may be sent');
});

/** Runs `call` (sync or async) and returns the validation error it raised for `field`. */
async function rejected(call: () => unknown, field: string, expected?: RegExp): Promise<AlipayValidationError> {
  let error: unknown;
  try {
    await call();
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof AlipayValidationError, `expected AlipayValidationError for ${field}, got ${String(error)}`);
  assert.equal(error.field, field);
  assert.equal(error.code, 'ERR_VALIDATION');
  if (expected) assert.match(error.expected, expected);
  return error;
}

// Inputs a TypeScript caller could not write, for callers in JavaScript or with data from JSON.
const loose = <T>(value: unknown) => value as T;

test('missing subject', async () => {
  const { subject: _, ...noSubject } = barcode;
  await rejected(() => client.api.trade.pay(loose(noSubject)), 'biz_content.subject', /^required: the order title/);
  await rejected(() => client.api.trade.precreate({ ...order, subject: '   ' }), 'biz_content.subject', /not blank/);
});

test('amounts: strings of yuan from 0.01 to 100000000.00, never floats', async () => {
  for (const amount of ['0.001', '-1', '0', '0.00', '100000000.01', '1e2', '']) {
    await rejected(() => client.api.trade.pay({ ...barcode, total_amount: amount }), 'biz_content.total_amount', /yuan amount/);
  }
  const err = await rejected(() => client.api.trade.pay({ ...barcode, total_amount: loose(1.5) }), 'biz_content.total_amount');
  assert.match(err.expected, /string .* got 1\.5$/);
  await rejected(() => client.api.trade.refund({ out_trade_no: 'A', refund_amount: '0.001' }), 'biz_content.refund_amount');
  await rejected(() => client.api.trade.pay({ ...barcode, discountable_amount: '-0.01' }), 'biz_content.discountable_amount');
  await rejected(() => client.api.trade.create({ ...order, buyer_id: '2088102177846880', goods_detail: [{ goods_id: 'g', goods_name: 'n', quantity: 1, price: '1.234' }] }), 'biz_content.goods_detail.0.price');
});

test('auth_code for bar_code: 16-24 digits starting 25-30', async () => {
  for (const code of ['123', '181234567890123456', '311234567890123456', '2812345678901', '28123456789012345678901234', '28123456789012345a']) {
    await rejected(() => client.api.trade.pay({ ...barcode, auth_code: code }), 'biz_content.auth_code', /payment code/);
  }
  await rejected(() => client.api.trade.pay({ ...barcode, scene: loose('wave_code') }), 'biz_content.scene', /bar_code/);
});

test('trade.create: exactly one of buyer_id / buyer_open_id', async () => {
  const both = await rejected(() => client.api.trade.create({ ...order, buyer_id: '2088102177846880', buyer_open_id: '074a1CcTG1Le' }), 'biz_content.buyer_open_id', /exactly one/);
  assert.equal(both.issues.length, 1);
  await rejected(() => client.api.trade.create(order), 'biz_content.buyer_id', /^required: exactly one of buyer_id/);
  await rejected(() => client.api.trade.create({ ...order, buyer_id: '1234567890123456' }), 'biz_content.buyer_id', /2088/);
});

test('query / cancel / close / refund need out_trade_no or trade_no', async () => {
  await rejected(() => client.api.trade.query({}), 'biz_content.out_trade_no', /out_trade_no or trade_no/);
  await rejected(() => client.api.trade.cancel({}), 'biz_content.out_trade_no');
  await rejected(() => client.api.trade.close({ operator_id: 'op' }), 'biz_content.out_trade_no');
  await rejected(() => client.api.trade.refund({ refund_amount: '1.00' }), 'biz_content.out_trade_no');
  await rejected(() => client.api.trade.query({ out_trade_no: 'has space' }), 'biz_content.out_trade_no', /letters, digits/);
  await rejected(() => client.api.trade.query({ out_trade_no: 'x'.repeat(65) }), 'biz_content.out_trade_no');
});

test('refundQuery needs out_request_no', async () => {
  await rejected(() => client.api.trade.refundQuery(loose({ out_trade_no: 'A' })), 'biz_content.out_request_no', /^required/);
});

test('bill: bad bill_date or bill_type', async () => {
  for (const date of ['2026-02-30', '2026/11/19', '2026-13', '20261119']) {
    await rejected(() => client.api.data.billDownloadUrl({ bill_type: 'trade', bill_date: date }), 'biz_content.bill_date', /yyyy-MM-dd/);
  }
  await rejected(() => client.api.data.billDownloadUrl({ bill_type: loose('trades'), bill_date: '2026-11-19' }), 'biz_content.bill_type', /"trade"/);
});

test('oauth token: bad grant_type, missing or mismatched code, top-level field names', async () => {
  await rejected(() => client.api.system.oauthToken(loose({ grant_type: 'password', code: 'abc' })), 'grant_type', /"authorization_code" \| "refresh_token"/);
  await rejected(() => client.api.system.oauthToken(loose({ grant_type: 'authorization_code' })), 'code', /^required/);
  const mixed = await rejected(() => client.api.system.oauthToken(loose({ grant_type: 'refresh_token', code: 'abc' })), 'refresh_token');
  assert.deepEqual(mixed.issues.map((i) => i.field), ['refresh_token', 'code']);
  await rejected(() => client.api.system.oauthToken({ grant_type: 'authorization_code', code: 'has space' }), 'code');
  await rejected(() => client.api.user.infoShare(''), 'auth_token');
});

test('timeouts: timeout_express and time_expire', async () => {
  for (const t of ['0m', '16d', '1.5h', '2c']) {
    await rejected(() => client.api.trade.precreate({ ...order, timeout_express: t }), 'biz_content.timeout_express', /1m to 15d/);
  }
  await rejected(() => client.api.trade.precreate({ ...order, time_expire: '2026-02-30 10:00:00' }), 'biz_content.time_expire', /yyyy-MM-dd HH:mm:ss/);
});

test('URL options: http(s) only, and only where the method takes them', async () => {
  await rejected(() => client.api.trade.pay(barcode, { notifyUrl: 'ftp://shop.example.com/n' }), 'notifyUrl', /http\(s\)/);
  await rejected(() => client.api.trade.pay(barcode, loose({ returnUrl: 'https://shop.example.com/r' })), 'returnUrl', /not taken by alipay\.trade\.pay/);
  await rejected(() => client.api.trade.query({ out_trade_no: 'A' }, loose({ notifyUrl: 'https://shop.example.com/n' })), 'notifyUrl', /not taken/);
  await rejected(() => client.api.trade.wapPayUrl(order, { returnUrl: '/relative' }), 'returnUrl');
  await rejected(() => client.api.trade.wapPayUrl({ ...order, quit_url: 'javascript:alert(1)' }), 'biz_content.quit_url');
});

test('page and order-string methods throw synchronously, before signing', async () => {
  const { out_trade_no: _, ...noOrderNo } = order;
  assert.throws(() => client.api.trade.wapPayUrl(loose(noOrderNo)), AlipayValidationError);
  await rejected(() => client.api.trade.pagePayForm({ ...order, qr_pay_mode: '4' }), 'biz_content.qrcode_width', /qr_pay_mode "4"/);
  await rejected(() => client.api.trade.pagePayUrl({ ...order, product_code: loose('QUICK_WAP_WAY') }), 'biz_content.product_code', /FAST_INSTANT_TRADE_PAY/);
  await rejected(() => client.api.trade.appPayOrderString({ ...order, total_amount: '0' }), 'biz_content.total_amount');
});

test('all issues are reported, not just the first', async () => {
  const err = await rejected(() => client.api.trade.pay(loose({ scene: 'bar_code', auth_code: '281234567890123456', total_amount: 1 })), 'biz_content.out_trade_no');
  assert.deepEqual(err.issues.map((i) => i.field), ['biz_content.out_trade_no', 'biz_content.total_amount', 'biz_content.subject']);
  assert.match(err.message, /biz_content\.out_trade_no: required.*; biz_content\.total_amount: .*; biz_content\.subject: required/);
});
