/**
 * Every catalogue method with valid input: the request that reaches the gateway (or the URL, form
 * and order string handed to the buyer) carries the right method, biz_content and top-level
 * parameters, with defaults filled in and unknown fields passed through.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../../../test/support/fake-gateway.js';
import { parseForm } from '../form.js';
import { requestSignContent } from '../sign/content.js';
import { verifyText } from '../sign/rsa.js';
import { appKeys } from '../../../test/support/keys.js';
import { requestFor, tradeQuery } from './index.js';

const gateway = await startGateway();
after(() => gateway.close());
const client = gateway.client();

const NOTIFY = 'https://shop.example.com/alipay/notify';
const RETURN = 'https://shop.example.com/paid?order=A1';
const order = { out_trade_no: 'ORDER_20261120_0001', total_amount: '88.88', subject: '测试订单' };

/** The last request the gateway saw, with biz_content parsed. */
function last(): { params: Record<string, string>; biz: unknown } {
  const params = gateway.requests.at(-1);
  assert.ok(params, 'a request reached the gateway');
  return { params, biz: params.biz_content === undefined ? undefined : JSON.parse(params.biz_content) };
}

function assertSigned(params: Record<string, string>) {
  assert.ok(verifyText(requestSignContent(params), params.sign!, appKeys.publicKey, 'RSA2'), 'signature verifies');
}

test('trade.pay: bar_code, FACE_TO_FACE_PAYMENT by default, notify_url top-level', async () => {
  await client.api.trade.pay({ ...order, scene: 'bar_code', auth_code: '281234567890123456' }, { notifyUrl: NOTIFY });
  const { params, biz } = last();
  assert.equal(params.method, 'alipay.trade.pay');
  assert.equal(params.notify_url, NOTIFY);
  assert.deepEqual(biz, { ...order, scene: 'bar_code', auth_code: '281234567890123456', product_code: 'FACE_TO_FACE_PAYMENT' });
});

test('trade.pay: security_code takes a face-pay token; an explicit product_code is kept', async () => {
  await client.api.trade.pay({ ...order, scene: 'security_code', auth_code: 'fp0a1b2c3d4e5f', product_code: 'PRE_AUTH', auth_no: '2026112010002001' });
  const { params, biz } = last();
  assert.equal(params.notify_url, undefined);
  assert.deepEqual(biz, { ...order, scene: 'security_code', auth_code: 'fp0a1b2c3d4e5f', product_code: 'PRE_AUTH', auth_no: '2026112010002001' });
});

test('trade.create: JSAPI_PAY by default, buyer_id or buyer_open_id', async () => {
  await client.api.trade.create({ ...order, buyer_id: '2088102177846880' }, { notifyUrl: NOTIFY });
  assert.equal(last().params.method, 'alipay.trade.create');
  assert.equal(last().params.notify_url, NOTIFY);
  assert.deepEqual(last().biz, { ...order, buyer_id: '2088102177846880', product_code: 'JSAPI_PAY' });
  await client.api.trade.create({ ...order, buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' });
  assert.deepEqual(last().biz, { ...order, buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5', product_code: 'JSAPI_PAY' });
});

test('trade.precreate: no product_code unless given; timeouts and goods_detail pass', async () => {
  const input = {
    ...order,
    timeout_express: '90m',
    qr_code_timeout_express: '5m',
    goods_detail: [{ goods_id: 'apple-01', goods_name: '苹果', quantity: 2, price: '44.44' }],
  };
  await client.api.trade.precreate(input, { notifyUrl: NOTIFY });
  assert.equal(last().params.method, 'alipay.trade.precreate');
  assert.equal(last().params.notify_url, NOTIFY);
  assert.deepEqual(last().biz, input);
});

test('trade.query / cancel / close: by out_trade_no, trade_no or both', async () => {
  await client.api.trade.query({ out_trade_no: 'A1', query_options: ['fund_bill_list'] });
  assert.equal(last().params.method, 'alipay.trade.query');
  assert.deepEqual(last().biz, { out_trade_no: 'A1', query_options: ['fund_bill_list'] });
  await client.api.trade.cancel({ trade_no: '2026112022001468450512505578' });
  assert.equal(last().params.method, 'alipay.trade.cancel');
  assert.deepEqual(last().biz, { trade_no: '2026112022001468450512505578' });
  await client.api.trade.close({ out_trade_no: 'A1', trade_no: '2026112022001468450512505578', operator_id: 'op-7' });
  assert.equal(last().params.method, 'alipay.trade.close');
  assert.deepEqual(last().biz, { out_trade_no: 'A1', trade_no: '2026112022001468450512505578', operator_id: 'op-7' });
});

test('trade.refund and trade.refundQuery', async () => {
  await client.api.trade.refund({ out_trade_no: 'A1', refund_amount: '10.00', out_request_no: 'A1-R1', refund_reason: '退货' }, { notifyUrl: NOTIFY });
  assert.equal(last().params.method, 'alipay.trade.refund');
  assert.equal(last().params.notify_url, NOTIFY);
  assert.deepEqual(last().biz, { out_trade_no: 'A1', refund_amount: '10.00', out_request_no: 'A1-R1', refund_reason: '退货' });
  await client.api.trade.refundQuery({ out_trade_no: 'A1', out_request_no: 'A1-R1' });
  assert.equal(last().params.method, 'alipay.trade.fastpay.refund.query');
  assert.deepEqual(last().biz, { out_trade_no: 'A1', out_request_no: 'A1-R1' });
});

test('system.oauthToken: top-level grant_type and code / refresh_token, no biz_content', async () => {
  await client.api.system.oauthToken({ grant_type: 'authorization_code', code: '4b203fe6c11548bcabd8da5bb087a83b' });
  let { params, biz } = last();
  assert.equal(params.method, 'alipay.system.oauth.token');
  assert.equal(params.grant_type, 'authorization_code');
  assert.equal(params.code, '4b203fe6c11548bcabd8da5bb087a83b');
  assert.equal(params.refresh_token, undefined);
  assert.equal(biz, undefined);
  await client.api.system.oauthToken({ grant_type: 'refresh_token', refresh_token: 'authusrB1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7' });
  ({ params, biz } = last());
  assert.equal(params.grant_type, 'refresh_token');
  assert.equal(params.refresh_token, 'authusrB1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7');
  assert.equal(params.code, undefined);
  assert.equal(biz, undefined);
});

test('user.infoShare: top-level auth_token, no biz_content', async () => {
  await client.api.user.infoShare('authusrB1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7');
  const { params, biz } = last();
  assert.equal(params.method, 'alipay.user.info.share');
  assert.equal(params.auth_token, 'authusrB1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7');
  assert.equal(biz, undefined);
});

test('data.billDownloadUrl: bill_type and a daily or monthly bill_date', async () => {
  await client.api.data.billDownloadUrl({ bill_type: 'trade', bill_date: '2026-11-19' });
  assert.equal(last().params.method, 'alipay.data.dataservice.bill.downloadurl.query');
  assert.deepEqual(last().biz, { bill_type: 'trade', bill_date: '2026-11-19' });
  await client.api.data.billDownloadUrl({ bill_type: 'signcustomer', bill_date: '2026-10' });
  assert.deepEqual(last().biz, { bill_type: 'signcustomer', bill_date: '2026-10' });
});

test('unknown biz fields Alipay may add later pass through untouched', async () => {
  await client.api.trade.query({ out_trade_no: 'A1', brand_new_option: { on: true } });
  assert.deepEqual(last().biz, { out_trade_no: 'A1', brand_new_option: { on: true } });
});

test('trade.wapPayUrl / wapPayForm: QUICK_WAP_WAY, return_url and notify_url top-level, signed', () => {
  const url = new URL(client.api.trade.wapPayUrl({ ...order, quit_url: 'https://shop.example.com/cart' }, { returnUrl: RETURN, notifyUrl: NOTIFY }));
  assert.equal(`${url.origin}${url.pathname}`, gateway.url);
  const params = Object.fromEntries(url.searchParams);
  assert.equal(params.method, 'alipay.trade.wap.pay');
  assert.equal(params.return_url, RETURN);
  assert.equal(params.notify_url, NOTIFY);
  assert.deepEqual(JSON.parse(params.biz_content!), { ...order, quit_url: 'https://shop.example.com/cart', product_code: 'QUICK_WAP_WAY' });
  assertSigned(params);

  const form = client.api.trade.wapPayForm(order, { returnUrl: RETURN });
  const biz = /name="biz_content" value="([^"]*)"/.exec(form)?.[1];
  assert.ok(biz);
  assert.deepEqual(JSON.parse(biz.replace(/&quot;/g, '"').replace(/&amp;/g, '&')), { ...order, product_code: 'QUICK_WAP_WAY' });
  assert.match(form, /method=alipay\.trade\.wap\.pay/);
  assert.match(form, /return_url=https%3A%2F%2Fshop\.example\.com%2Fpaid%3Forder%3DA1/);
});

test('trade.pagePayUrl / pagePayForm: FAST_INSTANT_TRADE_PAY, QR mode options', () => {
  const url = new URL(client.api.trade.pagePayUrl({ ...order, qr_pay_mode: '4', qrcode_width: 200 }, { returnUrl: RETURN }));
  const params = Object.fromEntries(url.searchParams);
  assert.equal(params.method, 'alipay.trade.page.pay');
  assert.equal(params.return_url, RETURN);
  assert.deepEqual(JSON.parse(params.biz_content!), { ...order, qr_pay_mode: '4', qrcode_width: 200, product_code: 'FAST_INSTANT_TRADE_PAY' });
  assertSigned(params);
  const form = client.api.trade.pagePayForm(order);
  assert.match(form, /method=alipay\.trade\.page\.pay/);
  assert.match(form, /FAST_INSTANT_TRADE_PAY/);
});

test('trade.appPayOrderString: QUICK_MSECURITY_PAY, notify_url, signed', () => {
  const orderString = client.api.trade.appPayOrderString({ ...order, timeout_express: '30m' }, { notifyUrl: NOTIFY });
  const { params } = parseForm(orderString);
  assert.equal(params.method, 'alipay.trade.app.pay');
  assert.equal(params.notify_url, NOTIFY);
  assert.equal(params.return_url, undefined);
  assert.deepEqual(JSON.parse(params.biz_content!), { ...order, timeout_express: '30m', product_code: 'QUICK_MSECURITY_PAY' });
  assertSigned(params);
});

test('requestFor + client.sign give the same request without the Api', () => {
  const signed = client.sign(tradeQuery.method, requestFor(tradeQuery, { trade_no: '2026112022001468450512505578' }));
  assert.equal(signed.params.method, 'alipay.trade.query');
  assert.equal(signed.params.biz_content, '{"trade_no":"2026112022001468450512505578"}');
});
