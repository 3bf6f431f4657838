/**
 * Pins zfb's protocol rules against something we did not write: the official `alipay-sdk` npm
 * package (DESIGN.md, "Independence rule"). Same key, method, parameters and timestamp must give
 * the same signature byte for byte; what Alipay signs must verify in both; tampering fails in both.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import { AlipayClient, AlipaySignatureError } from '../../src/alipay/index.js';
import { appKeys, alipayKeys } from '../support/keys.js';
import { signedResponse, signNotifyParams, formBody, sampleNotify } from '../support/alipay-signing.js';

const APP_ID = '2021000123456789';

function official(opts: { signType?: 'RSA2' | 'RSA'; keyType?: 'PKCS1' | 'PKCS8'; gateway?: string } = {}) {
  return new AlipaySdk({
    appId: APP_ID,
    privateKey: opts.keyType === 'PKCS8' ? appKeys.pkcs8 : appKeys.pkcs1,
    keyType: opts.keyType ?? 'PKCS1',
    signType: opts.signType ?? 'RSA2',
    alipayPublicKey: alipayKeys.spki,
    gateway: opts.gateway ?? 'https://openapi.alipay.com/gateway.do',
    camelcase: false,
  });
}

function zfb(opts: { signType?: 'RSA2' | 'RSA'; keyType?: 'PKCS1' | 'PKCS8'; gateway?: string } = {}) {
  return new AlipayClient({
    appId: APP_ID,
    privateKey: opts.keyType === 'PKCS8' ? appKeys.pkcs8 : appKeys.pkcs1Pem,
    signType: opts.signType ?? 'RSA2',
    alipayPublicKey: alipayKeys.spkiPem,
    gateway: opts.gateway,
  });
}

const parseOrderString = (s: string) => Object.fromEntries(s.split('&').map((kv) => kv.split('=').map(decodeURIComponent) as [string, string]));

const bizCases: Record<string, Record<string, unknown>> = {
  chinese: { out_trade_no: 'ZFB20261121000001', total_amount: '88.88', subject: '大乐透 第 2026 期：中文、全角，标点！', body: 'a=b&c=d /slash "quote"' },
  nested: {
    out_trade_no: 'ZFB20261121000002',
    total_amount: '0.01',
    subject: 'nested',
    goods_detail: [{ goods_id: 'apple-01', goods_name: '苹果', quantity: 2, price: '0.50', categories: ['fruit', '水果'] }],
    extend_params: { sys_service_provider_id: '2088511833207846', hb_fq_num: '3' },
    query_options: ['fund_bill_list', 'voucher_detail_list'],
  },
  ascii: { out_trade_no: 'x', total_amount: '100000000.00', subject: 'plain' },
};

for (const signType of ['RSA2', 'RSA'] as const) {
  for (const keyType of ['PKCS1', 'PKCS8'] as const) {
    for (const [name, bizContent] of Object.entries(bizCases)) {
      test(`sign is byte-identical to the official SDK: ${signType}, ${keyType}, ${name}`, () => {
        const theirs = parseOrderString(
          official({ signType, keyType }).sdkExecute('alipay.trade.app.pay', { bizContent, notify_url: 'https://m.example.com/notify?x=1&y=中' }, { bizContentAutoSnakeCase: false }),
        );
        const ours = zfb({ signType, keyType }).sign('alipay.trade.app.pay', {
          bizContent,
          params: { notify_url: 'https://m.example.com/notify?x=1&y=中' },
          timestamp: theirs.timestamp,
        }).params;
        assert.equal(ours.biz_content, theirs.biz_content);
        assert.equal(ours.sign, theirs.sign);
        assert.deepEqual({ ...ours }, theirs);
      });
    }
  }
}

test('the order string reads the same as the official SDK\'s', () => {
  const theirs = official().sdkExecute('alipay.trade.app.pay', { bizContent: bizCases.chinese }, { bizContentAutoSnakeCase: false });
  const ts = parseOrderString(theirs).timestamp;
  assert.equal(zfb().orderString('alipay.trade.app.pay', { bizContent: bizCases.chinese, timestamp: ts }), theirs);
});

test('a response signed the way Alipay signs verifies in both; tampered fails in both', () => {
  const method = 'alipay.trade.precreate';
  const body = signedResponse(method, { code: '10000', msg: 'Success', out_trade_no: 'Q1', qr_code: 'https://qr.alipay.com/bax03431ljhokirwl38f00a7', note: '中文 "q" {}' }, alipayKeys.privateKey);
  const sign = JSON.parse(body).sign as string;
  const sdk = official();
  assert.doesNotThrow(() => sdk.checkResponseSign(body, 'alipay_trade_precreate_response', sign, 't'));
  assert.equal(zfb().parseResponse(method, body).qr_code, 'https://qr.alipay.com/bax03431ljhokirwl38f00a7');
  const tampered = body.replace('"Q1"', '"Q2"');
  assert.throws(() => sdk.checkResponseSign(tampered, 'alipay_trade_precreate_response', sign, 't'), /验签失败/);
  assert.throws(() => zfb().parseResponse(method, tampered), (e: unknown) => e instanceof AlipaySignatureError && e.code === 'ERR_RESPONSE_SIGNATURE');
});

test('notifies signed the way Alipay signs verify in both (checkNotifySignV2); tampered fails in both', () => {
  for (const signType of ['RSA2', 'RSA'] as const) {
    const params = signNotifyParams(sampleNotify(), alipayKeys.privateKey, signType);
    const body = formBody(params);
    const postData = Object.fromEntries(new URLSearchParams(body));
    assert.equal(official({ signType }).checkNotifySignV2(postData), true);
    assert.equal(zfb({ signType }).verifyNotify(body).notify_id, params.notify_id);
    const tampered = { ...postData, total_amount: '0.01' };
    assert.equal(official({ signType }).checkNotifySignV2(tampered), false);
    assert.throws(() => zfb({ signType }).verifyNotify(formBody(tampered)), AlipaySignatureError);
  }
});

test('a sign that is not canonical base64 gets the same verdict in both', () => {
  // zfb decodes canonical base64 itself and anything else as Node does; the official SDK hands the
  // text to node:crypto. The verdicts must agree either way.
  const params = signNotifyParams(sampleNotify(), alipayKeys.privateKey);
  const sign = params.sign!;
  const variants = [
    sign,
    sign.replace(/(.{76})/g, '$1\r\n'),
    sign.replace(/\+/g, '-').replace(/\//g, '_'),
    ` ${sign}`,
    `${sign.slice(0, 8)}\u0141${sign.slice(8)}`,
    sign.slice(0, 10) + (sign[10] === 'A' ? 'B' : 'A') + sign.slice(11),
    sign.slice(0, -2),
  ];
  const verdicts = variants.map((s) => {
    const body = formBody({ ...params, sign: s });
    const theirs = official().checkNotifySignV2(Object.fromEntries(new URLSearchParams(body)));
    let ours = true;
    try {
      zfb().verifyNotify(body);
    } catch (e) {
      assert.ok(e instanceof AlipaySignatureError);
      ours = false;
    }
    assert.equal(ours, theirs, JSON.stringify(s));
    return ours;
  });
  // Both verdicts occur, so the agreement is not vacuous.
  assert.ok(verdicts.includes(true) && verdicts.includes(false));
});

test('end to end over HTTP: the official client\'s request verifies under zfb\'s rule, and both accept the same response', async () => {
  const { parseForm } = await import('../../src/alipay/form.js');
  const { requestSignContent } = await import('../../src/alipay/sign/content.js');
  const { verifyText } = await import('../../src/alipay/sign/rsa.js');
  const seen: Record<string, string>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = { ...parseForm(new URL(req.url!, 'http://x').search.slice(1)).params, ...parseForm(Buffer.concat(chunks)).params };
      seen.push(p);
      assert.ok(verifyText(requestSignContent(p), p.sign!, appKeys.publicKey, 'RSA2'), 'request verifies under the documented rule');
      res.end(signedResponse(p.method!, { code: '10000', msg: 'Success', trade_no: '2026112122001400000000000001', out_trade_no: 'E1', trade_status: 'TRADE_SUCCESS', total_amount: '88.88' }, alipayKeys.privateKey));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => server.close());
  const gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
  const theirs = await official({ gateway }).exec('alipay.trade.query', { bizContent: { out_trade_no: 'E1' } }, { validateSign: true });
  const ours = await zfb({ gateway }).call('alipay.trade.query', { bizContent: { out_trade_no: 'E1' } });
  assert.equal(theirs.trade_status, 'TRADE_SUCCESS');
  assert.equal(ours.trade_status, 'TRADE_SUCCESS');
  assert.equal(seen.length, 2);
  assert.equal(seen[0]!.biz_content, seen[1]!.biz_content);
});
