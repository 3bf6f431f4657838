import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign as cryptoSign } from 'node:crypto';
import iconv from 'iconv-lite';
import { AlipayClient } from './client.js';
import { AlipayGatewayError, AlipaySignatureError, AlipayTransportError, AlipayValidationError } from './errors.js';
import { parseForm } from './form.js';
import { requestSignContent } from './sign/content.js';
import { verifyText } from './sign/rsa.js';
import { appKeys, alipayKeys, otherKeys } from '../../test/support/keys.js';
import { signedResponse, signNotifyParams, formBody, sampleNotify, alipayJson, rsaSign } from '../../test/support/alipay-signing.js';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
let handler: Handler = (_q, _b, res) => res.end('{}');
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => handler(req, Buffer.concat(chunks), res));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
after(() => server.close());

const APP_ID = '2021000123456789';
const client = (extra: Partial<ConstructorParameters<typeof AlipayClient>[0]> = {}) =>
  new AlipayClient({ appId: APP_ID, privateKey: appKeys.pkcs1, alipayPublicKey: alipayKeys.spki, gateway: `http://127.0.0.1:${port}/gateway.do`, ...extra });

/** Reads the request the way the gateway does (query + body) and checks its signature. */
function received(req: IncomingMessage, body: Buffer): Record<string, string> {
  const query = parseForm(new URL(req.url!, 'http://x').search.slice(1)).params;
  const form = parseForm(body).params;
  const params = { ...query, ...form };
  assert.ok(verifyText(requestSignContent(params), params.sign!, appKeys.publicKey, 'RSA2'), 'request signature verifies');
  return params;
}

test('server call: signed POST, verified response, node returned', async () => {
  let seen: Record<string, string> = {};
  handler = (req, body, res) => {
    seen = received(req, body);
    res.setHeader('content-type', 'text/html;charset=utf-8');
    res.end(signedResponse('alipay.trade.query', { code: '10000', msg: 'Success', trade_status: 'TRADE_SUCCESS', total_amount: '88.88', store_name: 'http://a/b 商店' }, alipayKeys.privateKey));
  };
  const node = await client().call('alipay.trade.query', { bizContent: { out_trade_no: 'A1' } });
  assert.equal(node.trade_status, 'TRADE_SUCCESS');
  assert.equal(node.store_name, 'http://a/b 商店');
  assert.equal(seen.method, 'alipay.trade.query');
  assert.equal(seen.biz_content, '{"out_trade_no":"A1"}');
  assert.match(seen.timestamp!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.equal(seen.sign_type, 'RSA2');
});

test('business failure: AlipayGatewayError with code, sub_code and retry advice', async () => {
  handler = (_q, _b, res) => res.end(signedResponse('alipay.trade.pay', { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', sub_msg: '买家余额不足' }, alipayKeys.privateKey));
  await assert.rejects(client().call('alipay.trade.pay', { bizContent: {} }), (e: unknown) => {
    assert.ok(e instanceof AlipayGatewayError);
    assert.equal(e.subCode, 'ACQ.BUYER_BALANCE_NOT_ENOUGH');
    assert.equal(e.retryable, false);
    assert.equal((e as unknown as { verified: boolean }).verified, true);
    return true;
  });
  handler = (_q, _b, res) => res.end(signedResponse('alipay.trade.refund', { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.SYSTEM_ERROR', sub_msg: '系统错误' }, alipayKeys.privateKey));
  await assert.rejects(client().call('alipay.trade.refund'), (e: unknown) => e instanceof AlipayGatewayError && e.retryable);
  handler = (_q, _b, res) => res.end('{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.code-invalid","sub_msg":"授权码code无效"}}');
  await assert.rejects(client().call('alipay.system.oauth.token'), (e: unknown) => e instanceof AlipayGatewayError && e.subCode === 'isv.code-invalid' && (e as unknown as { verified: boolean }).verified === false);
});

test('response signature failures are distinct errors', async () => {
  const m = 'alipay.trade.query';
  const good = signedResponse(m, { code: '10000', msg: 'Success', total_amount: '1.00' }, alipayKeys.privateKey);
  const cases: [string, string][] = [
    [good.replace('"1.00"', '"9.00"'), 'ERR_RESPONSE_SIGNATURE'],
    [signedResponse(m, { code: '10000', msg: 'Success' }, otherKeys.privateKey), 'ERR_RESPONSE_SIGNATURE'],
    [`{"alipay_trade_query_response":{"code":"10000","msg":"Success"}}`, 'ERR_RESPONSE_SIGN_MISSING'],
    ['<html>502 Bad Gateway</html>', 'ERR_RESPONSE_MALFORMED'],
    [good.replace(/,"sign"/, ',"alipay_trade_query_response":{"code":"10000","msg":"Success","total_amount":"9.00"},"sign"'), 'ERR_RESPONSE_MALFORMED'],
  ];
  for (const [body, code] of cases) {
    handler = (_q, _b, res) => res.end(body);
    await assert.rejects(client().call(m), (e: unknown) => e instanceof AlipaySignatureError && e.code === code, code);
  }
});

test('the \\/ fallback: a response signed over unescaped slashes still verifies', () => {
  const node = { code: '10000', msg: 'Success', qr_code: 'https://qr.alipay.com/bax03431' };
  const text = alipayJson(node);
  const sign = rsaSign(JSON.stringify(node), alipayKeys.privateKey);
  assert.equal(client().parseResponse('alipay.trade.precreate', `{"alipay_trade_precreate_response":${text},"sign":"${sign}"}`).qr_code, 'https://qr.alipay.com/bax03431');
});

test('RSA signing when configured', async () => {
  handler = (req, body, res) => {
    const p = { ...parseForm(new URL(req.url!, 'http://x').search.slice(1)).params, ...parseForm(body).params };
    assert.equal(p.sign_type, 'RSA');
    assert.ok(verifyText(requestSignContent(p), p.sign!, appKeys.publicKey, 'RSA'));
    res.end(signedResponse('alipay.trade.close', { code: '10000', msg: 'Success' }, alipayKeys.privateKey, { signType: 'RSA' }));
  };
  assert.equal((await client({ signType: 'RSA' }).call('alipay.trade.close', { bizContent: { out_trade_no: 'x' } })).code, '10000');
});

test('GBK: signed bytes, body escapes and response are GBK', async () => {
  handler = (req, body, res) => {
    assert.match(req.headers['content-type']!, /charset=gbk/);
    assert.match(body.toString('latin1'), /%D6%A7%B8%B6/); // 支付 in GBK
    const p = { ...parseForm(new URL(req.url!, 'http://x').search.slice(1)).params, ...parseForm(body).params };
    assert.ok(verifyText(requestSignContent(p), p.sign!, appKeys.publicKey, 'RSA2', 'gbk'));
    const text = alipayJson({ code: '10000', msg: 'Success', subject: '支付测试' });
    const sign = cryptoSign('sha256', iconv.encode(text, 'gbk'), alipayKeys.privateKey).toString('base64');
    res.end(iconv.encode(`{"alipay_trade_query_response":${text},"sign":"${sign}"}`, 'gbk'));
  };
  const node = await client({ charset: 'gbk' }).call('alipay.trade.query', { bizContent: { subject: '支付' } });
  assert.equal(node.subject, '支付测试');
});

test('transport: timeout is unknown, refused connection is not-sent, HTTP 502 is unknown', async () => {
  handler = () => {}; // never answers
  await assert.rejects(client({ timeoutMs: 200 }).call('alipay.trade.pay'), (e: unknown) => e instanceof AlipayTransportError && e.code === 'ERR_TRANSPORT_TIMEOUT' && e.outcome === 'unknown');
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  await assert.rejects(client({ gateway: `http://127.0.0.1:${deadPort}/gateway.do` }).call('alipay.trade.pay'), (e: unknown) => e instanceof AlipayTransportError && e.outcome === 'not-sent');
  handler = (_q, _b, res) => {
    res.statusCode = 502;
    res.end('bad gateway');
  };
  await assert.rejects(client().call('alipay.trade.pay'), (e: unknown) => e instanceof AlipayTransportError && e.status === 502 && e.outcome === 'unknown');
  const ac = new AbortController();
  handler = () => ac.abort();
  await assert.rejects(client().call('alipay.trade.pay', {}, { signal: ac.signal }), (e: unknown) => e instanceof AlipayTransportError && e.code === 'ERR_TRANSPORT_ABORTED');
});

test('requests never carry empty parameters; reserved ones cannot be overridden', () => {
  const { params } = client().sign('alipay.trade.query', { params: { notify_url: '', app_auth_token: undefined, auth_token: 'tok' }, bizContent: { out_trade_no: 'x', a: undefined } });
  assert.ok(Object.values(params).every((v) => v !== ''));
  assert.equal(params.notify_url, undefined);
  assert.equal(params.biz_content, '{"out_trade_no":"x"}');
  assert.throws(() => client().sign('alipay.trade.query', { params: { sign: 'x' } }), AlipayValidationError);
  assert.throws(() => client().sign('not a method'), AlipayValidationError);
});

test('page URL and form carry every signed parameter', () => {
  const c = client();
  const url = new URL(c.pageUrl('alipay.trade.wap.pay', { bizContent: { out_trade_no: 'W1', total_amount: '0.01', subject: '手机 & "网站"', product_code: 'QUICK_WAP_WAY' }, params: { return_url: 'https://m.example.com/return?a=1&b=2' }, timestamp: '2026-11-21 10:00:00' }));
  const p = Object.fromEntries(url.searchParams);
  assert.equal(p.return_url, 'https://m.example.com/return?a=1&b=2');
  assert.ok(verifyText(requestSignContent(p), p.sign!, appKeys.publicKey, 'RSA2'));
  const form = c.pageForm('alipay.trade.wap.pay', { bizContent: { subject: '"<x>"' } });
  assert.match(form, /<input type="hidden" name="biz_content" value="\{&quot;subject&quot;:&quot;\\&quot;&lt;x&gt;\\&quot;&quot;\}">/);
  assert.match(form, /document\.forms\["alipay_submit"\]\.submit\(\)/);
});

test('notify: verified, typed, passback_params decoded exactly once', () => {
  const params = signNotifyParams(sampleNotify(), alipayKeys.privateKey);
  const n = client().verifyNotify(formBody(params));
  assert.equal(n.trade_status, 'TRADE_SUCCESS');
  assert.equal(n.total_amount, '88.88');
  assert.equal(n.passback_params, 'a%3D1%2Bb+c%25');
  assert.equal(n.subject, '测试订单 / test');
  assert.equal(client().verifyNotify(Buffer.from(formBody(params))).out_trade_no, 'ORDER_20261120_0001');
});

test('notify: tampering, missing sign, other keys and an RSA downgrade are refused', () => {
  const params = signNotifyParams(sampleNotify(), alipayKeys.privateKey);
  const refuse = (body: string, code = 'ERR_NOTIFY_SIGNATURE') =>
    assert.throws(() => client().verifyNotify(body), (e: unknown) => e instanceof AlipaySignatureError && e.code === code);
  refuse(formBody({ ...params, total_amount: '0.01' }));
  refuse(formBody({ ...params, extra: 'x' }));
  const { sign: _s, ...unsigned } = params;
  refuse(formBody(unsigned));
  refuse(formBody(signNotifyParams(sampleNotify(), otherKeys.privateKey)));
  refuse(formBody(signNotifyParams(sampleNotify(), alipayKeys.privateKey, 'RSA')));
  refuse(`${formBody(params)}&trade_status=TRADE_SUCCESS`, 'ERR_NOTIFY_MALFORMED');
  refuse('%%%', 'ERR_NOTIFY_MALFORMED');
  // A sign that is empty or has no `=` at all is no sign.
  refuse(`${formBody(unsigned)}&sign=`);
  refuse(`${formBody(unsigned)}&sign`);
  refuse(`sign&${formBody(unsigned)}`);
  // The same RSA-signed notify is fine for an app configured for RSA.
  assert.equal(client({ signType: 'RSA' }).verifyNotify(formBody(signNotifyParams(sampleNotify(), alipayKeys.privateKey, 'RSA'))).trade_status, 'TRADE_SUCCESS');
});

test('notify: a sign that is not canonical base64 is read as Node reads it, not refused for its form', () => {
  // Alipay sends canonical base64, which zfb decodes itself; anything else is decoded by
  // Buffer.from, as before, so line breaks and the URL-safe alphabet still verify.
  const params = signNotifyParams(sampleNotify(), alipayKeys.privateKey);
  const sign = params.sign!;
  const accepted = (s: string) => assert.equal(client().verifyNotify(formBody({ ...params, sign: s })).trade_status, 'TRADE_SUCCESS', s);
  accepted(sign.replace(/(.{76})/g, '$1\r\n'));
  accepted(sign.replace(/\+/g, '-').replace(/\//g, '_'));
  accepted(` ${sign}`);
  // A non-ASCII character is not skipped by Node's decoder: the signature no longer verifies.
  assert.throws(() => client().verifyNotify(formBody({ ...params, sign: `${sign.slice(0, 8)}\u0141${sign.slice(8)}` })), (e: unknown) => e instanceof AlipaySignatureError && e.code === 'ERR_NOTIFY_SIGNATURE');
  // One wrong character in canonical text is caught by RSA, whichever path decoded it.
  const flipped = sign[10] === 'A' ? 'B' : 'A';
  assert.throws(() => client().verifyNotify(formBody({ ...params, sign: sign.slice(0, 10) + flipped + sign.slice(11) })), AlipaySignatureError);
});

test('return_url: verified from a full URL', () => {
  const ret = signNotifyParams({ charset: 'utf-8', out_trade_no: 'W1', method: 'alipay.trade.wap.pay.return', total_amount: '0.01', trade_no: '2026112122001400000000000001', auth_app_id: APP_ID, version: '1.0', app_id: APP_ID, seller_id: '2088102177800000', timestamp: '2026-11-21 10:00:09' }, alipayKeys.privateKey);
  const r = client().verifyReturn(`https://m.example.com/return?${formBody(ret)}`);
  assert.equal(r.out_trade_no, 'W1');
  assert.throws(() => client().verifyReturn(`https://m.example.com/return?${formBody({ ...ret, total_amount: '9.99' })}`), AlipaySignatureError);
});
