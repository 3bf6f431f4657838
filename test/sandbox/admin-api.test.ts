/**
 * The admin API end to end over HTTP: every route, what it answers, its validation errors
 * (400 problem+json naming the field), unknown ids (404), state conflicts (409), unknown routes and
 * methods. Trades are made through the gateway with the official alipay-sdk, as a merchant would.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { createSandboxPki, issueAppCert } from '../../src/sandbox/certs/issue.js';
import { certSn } from '../../src/alipay/cert/sn.js';

const sandbox = await createSandbox();
after(() => sandbox.close());

interface Reply {
  status: number;
  type: string;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(method: string, path: string, body?: unknown, raw?: string): Promise<Reply> {
  const res = await fetch(`${sandbox.adminUrl}${path}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** An RFC 9457 problem with this status and (when given) this field. */
function problem(r: Reply, status: number, field?: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(r.type, /^application\/problem\+json/);
  assert.equal(r.body.status, status);
  assert.equal(typeof r.body.type, 'string');
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.detail, 'string');
  if (field !== undefined) assert.equal(r.body.field, field, r.body.detail);
}

const freshKeys = () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    key: publicKey,
  };
};

const sdk = (appId = sandbox.appId, privateKey = sandbox.appPrivateKey) =>
  new AlipaySdk({ appId, privateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });

const buyerA = () => sandbox.buyers[0]!.userId;
let seq = 0;
const outNo = (p: string) => `${p}-${Date.now()}-${++seq}`;

/** A barcode payment through the gateway; with need-password a WAIT_BUYER_PAY trade bound to the buyer. */
async function barcode(opts: { buyer?: string; amount?: string; waiting?: boolean } = {}): Promise<{ tradeNo: string; outTradeNo: string }> {
  if (opts.waiting) assert.equal((await call('POST', '/faults', { appId: sandbox.appId, kind: 'need-password', method: 'alipay.trade.pay', count: 1 })).status, 201);
  const code = (await call('POST', `/buyers/${opts.buyer ?? buyerA()}/payment-code`)).body.authCode as string;
  const outTradeNo = outNo('ADM');
  const res = await sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: code, subject: '测试', total_amount: opts.amount ?? '1.00' } }, { validateSign: true });
  assert.equal(res.code, opts.waiting ? '10003' : '10000', JSON.stringify(res));
  return { tradeNo: res.trade_no, outTradeNo };
}

describe('index, unknown routes and methods', () => {
  test('GET /admin lists every route with the gateway URL', async () => {
    const r = await call('GET', '');
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/json/);
    assert.equal(r.body.gateway, sandbox.gateway);
    assert.equal(r.body.adminUrl, sandbox.adminUrl);
    const routes = (r.body.routes as { method: string; path: string }[]).map((x) => `${x.method} ${x.path}`);
    for (const want of [
      'GET /admin/apps',
      'POST /admin/apps',
      'GET /admin/apps/:appId',
      'PATCH /admin/apps/:appId',
      'GET /admin/buyers',
      'POST /admin/buyers',
      'PATCH /admin/buyers/:buyerId',
      'POST /admin/buyers/:buyerId/payment-code',
      'GET /admin/trades',
      'GET /admin/trades/:tradeNo',
      'POST /admin/trades/:tradeNo/pay',
      'POST /admin/trades/:tradeNo/fail',
      'POST /admin/trades/:tradeNo/finish',
      'GET /admin/refunds',
      'GET /admin/notifies',
      'GET /admin/notifies/:id',
      'POST /admin/notifies/:id/resend',
      'GET /admin/faults',
      'POST /admin/faults',
      'DELETE /admin/faults/:id',
    ]) {
      assert.ok(routes.includes(want), want);
    }
  });

  test('the README documents every route', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## The sandbox'));
    assert.ok(readme.includes('## The sandbox'), 'README has a "## The sandbox" section');
    return call('GET', '').then((r) => {
      for (const route of r.body.routes as { method: string; path: string }[]) {
        const documented = `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`;
        assert.ok(section.includes(documented), `README lacks ${documented}`);
      }
    });
  });

  test('an unknown path is a 404 problem, a known path with another method a 405 with Allow', async () => {
    problem(await call('GET', '/nothing-here'), 404);
    problem(await call('GET', '/apps/x/y/z'), 404);
    const r = await call('PUT', '/apps');
    problem(r, 405);
    assert.equal(r.headers.get('allow'), 'GET, POST');
    problem(await call('DELETE', `/trades/123`), 405);
  });

  test('a body that is not a JSON object is a 400 naming the body', async () => {
    problem(await call('POST', '/buyers', undefined, '{not json'), 400, 'body');
    problem(await call('POST', '/buyers', undefined, '[1,2]'), 400, 'body');
    problem(await call('POST', '/buyers', undefined, '"text"'), 400, 'body');
  });

  test('unknown and repeated query parameters are 400s naming them', async () => {
    problem(await call('GET', '/trades?colour=red'), 400, 'colour');
    problem(await call('GET', '/trades?status=TRADE_SUCCESS&status=TRADE_CLOSED'), 400, 'status');
  });

  test('a path segment that is not valid percent-encoding is a 400, not a 500', async () => {
    problem(await call('GET', '/apps/%E0%A4%A'), 400, 'appId');
  });
});

describe('apps', () => {
  test('GET /admin/apps lists the default app', async () => {
    const r = await call('GET', '/apps');
    assert.equal(r.status, 200);
    const app = (r.body as { appId: string; keyMode: string; sellerId: string }[]).find((a) => a.appId === sandbox.appId);
    assert.ok(app);
    assert.equal(app.keyMode, 'public-key');
    assert.match(app.sellerId, /^2088\d{12}$/);
  });

  test('POST /admin/apps registers an app: generated 2021… app id, seller id, defaults', async () => {
    const keys = freshKeys();
    const r = await call('POST', '/apps', { name: '小店', publicKey: keys.publicKey, notifyUrl: 'http://127.0.0.1:9/notify', redirectUris: ['https://shop.example/cb'] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.appId, /^2021\d{12}$/);
    assert.match(r.body.sellerId, /^2088\d{12}$/);
    assert.equal(r.body.name, '小店');
    assert.equal(r.body.publicKey, keys.publicKey);
    assert.equal(r.body.signType, 'RSA2');
    assert.equal(r.body.openIdMode, false);
    assert.equal(r.body.keyMode, 'public-key');
    assert.deepEqual(r.body.redirectUris, ['https://shop.example/cb']);
    assert.equal(r.body.notifyUrl, 'http://127.0.0.1:9/notify');
    const got = await call('GET', `/apps/${r.body.appId}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, r.body);
    assert.ok((await call('GET', '/apps')).body.some((a: { appId: string }) => a.appId === r.body.appId));
  });

  test('POST /admin/apps takes a given app id once, a PEM key (stored bare), RSA sign type, openid mode and an AES key', async () => {
    const keys = freshKeys();
    const appId = '2021000000000777';
    const aesKey = Buffer.alloc(16, 7).toString('base64');
    const r = await call('POST', '/apps', { appId, publicKey: keys.publicPem, signType: 'RSA', openIdMode: true, aesKey });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.appId, appId);
    assert.equal(r.body.publicKey, keys.publicKey);
    assert.equal(r.body.signType, 'RSA');
    assert.equal(r.body.openIdMode, true);
    assert.equal(r.body.aesKey, aesKey);
    problem(await call('POST', '/apps', { appId, publicKey: keys.publicKey }), 409, 'appId');
  });

  test('POST /admin/apps with an app certificate: certificate mode with its SN', async () => {
    const keys = freshKeys();
    const pki = createSandboxPki();
    const cert = issueAppCert(pki, keys.key, '2021000000000888');
    const r = await call('POST', '/apps', { appId: '2021000000000888', appCert: cert });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.keyMode, 'certificate');
    assert.equal(r.body.appCertSn, certSn(cert));
    assert.equal(r.body.publicKey, undefined);
  });

  test('POST /admin/apps validation: each bad field is a 400 naming it, and no key text is echoed', async () => {
    const keys = freshKeys();
    problem(await call('POST', '/apps', {}), 400, 'publicKey');
    problem(await call('POST', '/apps', { name: 'x' }), 400, 'publicKey');
    const priv = await call('POST', '/apps', { publicKey: keys.privateKey });
    problem(priv, 400, 'publicKey');
    assert.ok(!priv.body.detail.includes(keys.privateKey.slice(20, 60)), 'the key is not echoed');
    problem(await call('POST', '/apps', { publicKey: keys.privatePem }), 400, 'publicKey');
    problem(await call('POST', '/apps', { publicKey: 'not a key at all' }), 400, 'publicKey');
    problem(await call('POST', '/apps', { publicKey: 'QUJD' }), 400, 'publicKey');
    problem(await call('POST', '/apps', { publicKey: '' }), 400, 'publicKey');
    problem(await call('POST', '/apps', { publicKey: 42 }), 400, 'publicKey');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, appCert: 'x' }), 400, 'appCert');
    problem(await call('POST', '/apps', { appCert: keys.publicPem }), 400, 'appCert');
    problem(await call('POST', '/apps', { appCert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }), 400, 'appCert');
    problem(await call('POST', '/apps', { appId: '123', publicKey: keys.publicKey }), 400, 'appId');
    problem(await call('POST', '/apps', { appId: 2021000000000001, publicKey: keys.publicKey }), 400, 'appId');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, signType: 'MD5' }), 400, 'signType');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, notifyUrl: 'ftp://x/y' }), 400, 'notifyUrl');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, notifyUrl: '/relative' }), 400, 'notifyUrl');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, redirectUris: 'https://a.example' }), 400, 'redirectUris');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, redirectUris: ['https://a.example', 'nope'] }), 400, 'redirectUris.1');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, openIdMode: 'yes' }), 400, 'openIdMode');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, aesKey: 'short' }), 400, 'aesKey');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, aesKey: Buffer.alloc(10).toString('base64') }), 400, 'aesKey');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, name: '' }), 400, 'name');
    problem(await call('POST', '/apps', { publicKey: keys.publicKey, notify_url: 'http://x.example' }), 400, 'notify_url');
  });

  test('GET and PATCH /admin/apps/{appId}: 404 for an unknown app', async () => {
    problem(await call('GET', '/apps/2021999999999999'), 404, 'appId');
    problem(await call('PATCH', '/apps/2021999999999999', { name: 'x' }), 404, 'appId');
  });

  test('PATCH /admin/apps/{appId} changes fields, clears with null, switches key and mode', async () => {
    const first = freshKeys();
    const app = (await call('POST', '/apps', { publicKey: first.publicKey, notifyUrl: 'http://127.0.0.1:9/n', aesKey: Buffer.alloc(16, 1).toString('base64') })).body;
    const r = await call('PATCH', `/apps/${app.appId}`, { name: 'renamed', notifyUrl: null, aesKey: null, redirectUris: ['https://b.example/cb'], openIdMode: true, signType: 'RSA' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.name, 'renamed');
    assert.equal(r.body.notifyUrl, undefined);
    assert.equal(r.body.aesKey, undefined);
    assert.deepEqual(r.body.redirectUris, ['https://b.example/cb']);
    assert.equal(r.body.openIdMode, true);
    assert.equal(r.body.signType, 'RSA');
    assert.equal(r.body.sellerId, app.sellerId);
    assert.equal(r.body.createdAt, app.createdAt);

    const second = freshKeys();
    const cert = issueAppCert(createSandboxPki(), second.key, app.appId);
    const toCert = await call('PATCH', `/apps/${app.appId}`, { appCert: cert });
    assert.equal(toCert.body.keyMode, 'certificate');
    assert.equal(toCert.body.publicKey, undefined);
    const back = await call('PATCH', `/apps/${app.appId}`, { publicKey: second.publicKey });
    assert.equal(back.body.keyMode, 'public-key');
    assert.equal(back.body.appCert, undefined);
    assert.equal(back.body.appCertSn, undefined);
    assert.equal(back.body.publicKey, second.publicKey);

    problem(await call('PATCH', `/apps/${app.appId}`, { appId: '2021000000000001' }), 400, 'appId');
    problem(await call('PATCH', `/apps/${app.appId}`, { publicKey: 'garbage' }), 400, 'publicKey');
    problem(await call('PATCH', `/apps/${app.appId}`, { signType: null }), 400, 'signType');
    problem(await call('PATCH', `/apps/${app.appId}`, { aesKey: 'x' }), 400, 'aesKey');
  });
});

describe('buyers and payment codes', () => {
  test('GET /admin/buyers lists the buyers with balances in fen; ?appId= adds that app\'s open id', async () => {
    const r = await call('GET', '/buyers');
    assert.equal(r.status, 200);
    assert.ok(r.body.length >= 3);
    for (const b of r.body) {
      assert.match(b.userId, /^2088\d{12}$/);
      assert.ok(Number.isSafeInteger(b.balanceFen));
      assert.equal(b.openId, undefined);
    }
    const withOpenIds = await call('GET', `/buyers?appId=${sandbox.appId}`);
    const first = withOpenIds.body.find((b: { userId: string }) => b.userId === sandbox.buyers[0]!.userId);
    assert.equal(first.openId, sandbox.buyers[0]!.openId, 'the same open id as sandbox.json gives');
    problem(await call('GET', '/buyers?appId=2021999999999999'), 400, 'appId');
  });

  test('POST /admin/buyers makes a buyer with a balance; logon ids are unique', async () => {
    const r = await call('POST', '/buyers', { logonId: '13700137000', name: '新买家', balanceFen: 12_345 });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.userId, /^2088\d{12}$/);
    assert.equal(r.body.balanceFen, 12_345);
    assert.equal(r.body.logonId, '13700137000');
    assert.equal((await call('GET', `/buyers/${r.body.userId}`)).body.balanceFen, 12_345);
    problem(await call('POST', '/buyers', { logonId: '13700137000' }), 409, 'logonId');
    const plain = await call('POST', '/buyers', {});
    assert.equal(plain.status, 201);
    assert.equal(plain.body.balanceFen, 0);
    assert.ok(plain.body.logonId);
  });

  test('POST /admin/buyers validation: money only as whole fen', async () => {
    problem(await call('POST', '/buyers', { balanceFen: '100' }), 400, 'balanceFen');
    problem(await call('POST', '/buyers', { balanceFen: 1.5 }), 400, 'balanceFen');
    problem(await call('POST', '/buyers', { balanceFen: -1 }), 400, 'balanceFen');
    problem(await call('POST', '/buyers', { balanceFen: 1e300 }), 400, 'balanceFen');
    problem(await call('POST', '/buyers', { password: '12' }), 400, 'password');
    problem(await call('POST', '/buyers', { gender: 'x' }), 400, 'gender');
    problem(await call('POST', '/buyers', { balance: 100 }), 400, 'balance');
  });

  test('PATCH /admin/buyers/{id} sets the balance; 404 for an unknown buyer', async () => {
    const b = (await call('POST', '/buyers', { balanceFen: 1 })).body;
    const r = await call('PATCH', `/buyers/${b.userId}`, { balanceFen: 999_99 });
    assert.equal(r.status, 200);
    assert.equal(r.body.balanceFen, 999_99);
    assert.equal((await call('GET', '/buyers')).body.find((x: { userId: string }) => x.userId === b.userId).balanceFen, 999_99);
    problem(await call('PATCH', `/buyers/${b.userId}`, { balanceFen: 0.1 }), 400, 'balanceFen');
    problem(await call('PATCH', `/buyers/${b.userId}`, { balanceFen: null }), 400, 'balanceFen');
    problem(await call('PATCH', `/buyers/${b.userId}`, { logonId: 'x' }), 400, 'logonId');
    problem(await call('PATCH', '/buyers/2088000000000000', { balanceFen: 1 }), 404, 'buyerId');
    problem(await call('GET', '/buyers/2088000000000000'), 404, 'buyerId');
  });

  test('POST /admin/buyers/{id}/payment-code gives a code the gateway takes once', async () => {
    const r = await call('POST', `/buyers/${buyerA()}/payment-code`);
    assert.equal(r.status, 201);
    assert.match(r.body.authCode, /^(2[5-9]|30)\d{16}$/);
    assert.ok(Date.parse(r.body.expiresAt) > Date.now());
    const pay = (out: string) => sdk().exec('alipay.trade.pay', { bizContent: { out_trade_no: out, scene: 'bar_code', auth_code: r.body.authCode, subject: 's', total_amount: '0.01' } }, { validateSign: true });
    assert.equal((await pay(outNo('PC'))).code, '10000');
    assert.equal((await pay(outNo('PC'))).sub_code, 'ACQ.PAYMENT_AUTH_CODE_INVALID');
    problem(await call('POST', '/buyers/2088000000000000/payment-code'), 404, 'buyerId');
    problem(await call('POST', `/buyers/${buyerA()}/payment-code`, { fresh: true }), 400, 'fresh');
  });
});

describe('trades and refunds', () => {
  test('GET /admin/trades filters by app and status; GET /admin/trades/{no} has refunds and notifies', async () => {
    const { tradeNo, outTradeNo } = await barcode({ amount: '3.21' });
    const list = await call('GET', `/trades?appId=${sandbox.appId}&status=TRADE_SUCCESS`);
    assert.equal(list.status, 200);
    const row = list.body.find((t: { tradeNo: string }) => t.tradeNo === tradeNo);
    assert.ok(row);
    assert.equal(row.totalFen, 321);
    assert.equal(row.outTradeNo, outTradeNo);
    assert.equal(row.fingerprint, undefined, 'internal bookkeeping is not shown');
    assert.ok(list.body.every((t: { status: string; appId: string }) => t.status === 'TRADE_SUCCESS' && t.appId === sandbox.appId));
    assert.ok(!(await call('GET', '/trades?status=WAIT_BUYER_PAY')).body.some((t: { tradeNo: string }) => t.tradeNo === tradeNo));
    assert.deepEqual((await call('GET', `/trades?outTradeNo=${outTradeNo}`)).body.map((t: { tradeNo: string }) => t.tradeNo), [tradeNo]);

    sandbox.ctx.ledger.refund(tradeNo, { outRequestNo: 'R1', amountFen: 21 });
    const one = await call('GET', `/trades/${tradeNo}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.refundedFen, 21);
    assert.equal(one.body.refundableFen, 300);
    assert.equal(one.body.refunds.length, 1);
    assert.equal(one.body.refunds[0].amountFen, 21);
    assert.ok(Array.isArray(one.body.notifies));

    problem(await call('GET', '/trades?status=PAID'), 400, 'status');
    problem(await call('GET', '/trades?appId=2021999999999999'), 400, 'appId');
    problem(await call('GET', '/trades/20261121220010000000000000000'), 404, 'tradeNo');
  });

  test('GET /admin/refunds lists refunds in fen, by app and trade', async () => {
    const { tradeNo } = await barcode({ amount: '5.00' });
    sandbox.ctx.ledger.refund(tradeNo, { outRequestNo: 'A', amountFen: 100, reason: '退一块' });
    sandbox.ctx.ledger.refund(tradeNo, { outRequestNo: 'B', amountFen: 50 });
    const r = await call('GET', `/refunds?tradeNo=${tradeNo}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.map((x: { outRequestNo: string; amountFen: number }) => [x.outRequestNo, x.amountFen]).sort(), [['A', 100], ['B', 50]]);
    assert.equal(r.body[0].fingerprint, undefined);
    assert.ok((await call('GET', `/refunds?appId=${sandbox.appId}`)).body.length >= 2);
    problem(await call('GET', '/refunds?tradeNo=nope'), 400, 'tradeNo');
    problem(await call('GET', '/refunds?appId=nope'), 400, 'appId');
  });

  test('POST /admin/trades/{no}/pay pays a waiting trade as its bound buyer, once', async () => {
    const before = (await call('GET', `/buyers/${buyerA()}`)).body.balanceFen as number;
    const { tradeNo, outTradeNo } = await barcode({ amount: '2.50', waiting: true });
    assert.equal((await call('GET', `/trades/${tradeNo}`)).body.status, 'WAIT_BUYER_PAY');
    const r = await call('POST', `/trades/${tradeNo}/pay`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'TRADE_SUCCESS');
    assert.equal(r.body.buyerUserId, buyerA());
    assert.equal((await call('GET', `/buyers/${buyerA()}`)).body.balanceFen, before - 250);
    const q = await sdk().exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });
    assert.equal(q.trade_status, 'TRADE_SUCCESS');
    const again = await call('POST', `/trades/${tradeNo}/pay`);
    problem(again, 409);
    assert.equal(again.body.code, 'ACQ.TRADE_STATUS_ERROR');
    problem(await call('POST', '/trades/20261121220010000000000000000/pay'), 404, 'tradeNo');
  });

  test('pay as another buyer: the given buyer pays an unbound trade; a bound trade refuses another buyer; no money is 409', async () => {
    const poor = (await call('POST', '/buyers', { balanceFen: 10 })).body;
    const rich = (await call('POST', '/buyers', { balanceFen: 100_00 })).body;
    // A trade nobody has scanned yet (as precreate leaves it).
    const open = () =>
      sandbox.ctx.ledger.openTrade({ appId: sandbox.appId, outTradeNo: outNo('QR'), method: 'alipay.trade.create', totalFen: 500, subject: 'qr', fingerprint: String(seq), sellerId: 'x', charset: 'utf-8' }).trade;
    const unbound = open();
    problem(await call('POST', `/trades/${unbound.tradeNo}/pay`), 400, 'buyerId');
    problem(await call('POST', `/trades/${unbound.tradeNo}/pay`, { buyerId: 'me' }), 400, 'buyerId');
    problem(await call('POST', `/trades/${unbound.tradeNo}/pay`, { buyerId: '2088000000000000' }), 400, 'buyerId');
    const broke = await call('POST', `/trades/${unbound.tradeNo}/pay`, { buyerId: poor.userId });
    problem(broke, 409);
    assert.equal(broke.body.code, 'ACQ.BUYER_BALANCE_NOT_ENOUGH');
    assert.equal((await call('GET', `/trades/${unbound.tradeNo}`)).body.status, 'WAIT_BUYER_PAY');
    const paid = await call('POST', `/trades/${unbound.tradeNo}/pay`, { buyerId: rich.userId });
    assert.equal(paid.status, 200);
    assert.equal(paid.body.buyerUserId, rich.userId);
    assert.equal((await call('GET', `/buyers/${rich.userId}`)).body.balanceFen, 100_00 - 500);

    const { tradeNo } = await barcode({ waiting: true });
    const other = await call('POST', `/trades/${tradeNo}/pay`, { buyerId: rich.userId });
    problem(other, 409, 'buyerId');
    assert.equal(other.body.code, 'ACQ.TRADE_BUYER_NOT_MATCH');
  });

  test('POST /admin/trades/{no}/fail closes a waiting trade; the query says TRADE_CLOSED', async () => {
    const { tradeNo, outTradeNo } = await barcode({ waiting: true });
    const r = await call('POST', `/trades/${tradeNo}/fail`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'TRADE_CLOSED');
    const q = await sdk().exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });
    assert.equal(q.trade_status, 'TRADE_CLOSED');
    problem(await call('POST', `/trades/${tradeNo}/fail`), 409);
    problem(await call('POST', `/trades/${tradeNo}/pay`), 409);
    problem(await call('POST', '/trades/20261121220010000000000000000/fail'), 404, 'tradeNo');
  });

  test('POST /admin/trades/{no}/finish: TRADE_SUCCESS → TRADE_FINISHED, only once', async () => {
    const { tradeNo } = await barcode();
    const r = await call('POST', `/trades/${tradeNo}/finish`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'TRADE_FINISHED');
    assert.equal(r.body.refundableFen, 0);
    problem(await call('POST', `/trades/${tradeNo}/finish`), 409);
    const waiting = await barcode({ waiting: true });
    problem(await call('POST', `/trades/${waiting.tradeNo}/finish`), 409);
    problem(await call('POST', '/trades/20261121220010000000000000000/finish'), 404, 'tradeNo');
    problem(await call('POST', `/trades/${waiting.tradeNo}/finish`, { now: true }), 400, 'now');
  });

  test('concurrent pays of the same waiting trades: each is paid exactly once, the balance moves exactly', async () => {
    const buyer = (await call('POST', '/buyers', { balanceFen: 1_000_00 })).body;
    const trades = Array.from({ length: 12 }, (_, i) =>
      sandbox.ctx.ledger.openTrade({ appId: sandbox.appId, outTradeNo: outNo(`C${i}`), method: 'alipay.trade.create', totalFen: 101 + i, subject: 'c', fingerprint: `c${i}`, sellerId: 'x', charset: 'utf-8' }).trade,
    );
    const results = await Promise.all(trades.flatMap((t) => [0, 1, 2].map(() => call('POST', `/trades/${t.tradeNo}/pay`, { buyerId: buyer.userId }))));
    assert.equal(results.filter((r) => r.status === 200).length, trades.length);
    assert.equal(results.filter((r) => r.status === 409).length, trades.length * 2);
    const spent = trades.reduce((s, t) => s + t.totalFen, 0);
    assert.equal((await call('GET', `/buyers/${buyer.userId}`)).body.balanceFen, 1_000_00 - spent);
  });
});

describe('notifies', () => {
  test('GET /admin/notifies and /{id} show each notify and its attempts; resend sends it again', async () => {
    const received: string[] = [];
    const merchant = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.end('success');
      });
    });
    await new Promise<void>((r) => merchant.listen(0, '127.0.0.1', r));
    after(() => merchant.close());
    const notifyUrl = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}/alipay/notify`;
    const keys = freshKeys();
    const app = (await call('POST', '/apps', { publicKey: keys.publicKey, notifyUrl })).body;
    const code = (await call('POST', `/buyers/${buyerA()}/payment-code`)).body.authCode;
    const paid = await sdk(app.appId, keys.privateKey).exec('alipay.trade.pay', { bizContent: { out_trade_no: 'N-1', scene: 'bar_code', auth_code: code, subject: 'n', total_amount: '1.00' } }, { validateSign: true });
    assert.equal(paid.code, '10000');

    let tasks: { id: string; tradeNo: string; state: string; attempts: unknown[] }[] = [];
    for (let i = 0; i < 100 && !(tasks[0]?.state === 'delivered'); i++) {
      tasks = (await call('GET', `/notifies?appId=${app.appId}`)).body;
      if (tasks[0]?.state !== 'delivered') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(tasks.length, 1, JSON.stringify(tasks));
    const task = tasks[0]!;
    assert.equal(task.tradeNo, paid.trade_no);
    assert.equal(task.state, 'delivered');
    assert.equal(task.attempts.length, 1);
    assert.equal(received.length, 1);
    assert.deepEqual((await call('GET', `/notifies?tradeNo=${paid.trade_no}`)).body.map((t: { id: string }) => t.id), [task.id]);
    assert.deepEqual((await call('GET', `/notifies?appId=${app.appId}&state=delivered`)).body.map((t: { id: string }) => t.id), [task.id]);
    assert.deepEqual((await call('GET', `/notifies?appId=${app.appId}&state=pending`)).body, []);
    assert.deepEqual((await call('GET', `/trades/${paid.trade_no}`)).body.notifies.map((t: { id: string }) => t.id), [task.id]);

    const one = await call('GET', `/notifies/${task.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, task.id);
    assert.equal(one.body.params.trade_status, 'TRADE_SUCCESS');

    const again = await call('POST', `/notifies/${task.id}/resend`);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.attempts.length, 2);
    assert.equal(received.length, 2);

    problem(await call('GET', '/notifies/nope'), 404, 'id');
    problem(await call('POST', '/notifies/nope/resend'), 404, 'id');
    problem(await call('GET', '/notifies?state=lost'), 400, 'state');
    problem(await call('GET', '/notifies?tradeNo=nope'), 400, 'tradeNo');
    problem(await call('GET', '/notifies?appId=nope'), 400, 'appId');
  });
});

describe('faults', () => {
  test('POST, GET, DELETE /admin/faults', async () => {
    const r = await call('POST', '/faults', { appId: sandbox.appId, kind: 'system-error', method: 'alipay.trade.close', count: 2, applied: true });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.kind, 'system-error');
    assert.equal(r.body.method, 'alipay.trade.close');
    assert.equal(r.body.remaining, 2);
    assert.equal(r.body.applied, true);
    assert.equal(typeof r.body.id, 'string');
    assert.ok((await call('GET', '/faults')).body.some((f: { id: string }) => f.id === r.body.id));
    assert.ok((await call('GET', `/faults?appId=${sandbox.appId}`)).body.some((f: { id: string }) => f.id === r.body.id));
    assert.equal((await call('GET', `/faults/${r.body.id}`)).body.id, r.body.id);
    const del = await call('DELETE', `/faults/${r.body.id}`);
    assert.equal(del.status, 204);
    problem(await call('DELETE', `/faults/${r.body.id}`), 404, 'id');
    problem(await call('GET', `/faults/${r.body.id}`), 404, 'id');
    assert.ok(!(await call('GET', '/faults')).body.some((f: { id: string }) => f.id === r.body.id));
    problem(await call('GET', '/faults?appId=nope'), 400, 'appId');
  });

  test('every kind in FAULT_KINDS is accepted, with its own options', async () => {
    const specs = [
      { kind: 'hang', applied: true },
      { kind: 'system-error' },
      { kind: 'need-password', payAfterSeconds: 5 },
      { kind: 'insufficient-balance' },
      { kind: 'corrupt-signature' },
      { kind: 'notify-drop' },
      { kind: 'notify-duplicate' },
      { kind: 'notify-reorder' },
      { kind: 'notify-delay', delaySeconds: 30 },
    ];
    const keys = freshKeys();
    const app = (await call('POST', '/apps', { publicKey: keys.publicKey })).body;
    for (const spec of specs) {
      const r = await call('POST', '/faults', { appId: app.appId, method: 'alipay.trade.query', ...spec });
      assert.equal(r.status, 201, `${spec.kind}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.remaining, undefined, 'no count: until removed');
    }
    assert.equal((await call('GET', `/faults?appId=${app.appId}`)).body.length, specs.length);
  });

  test('POST /admin/faults validation names the field', async () => {
    const base = { appId: sandbox.appId, kind: 'hang' };
    problem(await call('POST', '/faults', { kind: 'hang' }), 400, 'appId');
    problem(await call('POST', '/faults', { ...base, appId: '2021999999999999' }), 400, 'appId');
    problem(await call('POST', '/faults', { appId: sandbox.appId }), 400, 'kind');
    problem(await call('POST', '/faults', { ...base, kind: 'explode' }), 400, 'kind');
    problem(await call('POST', '/faults', { ...base, method: 'Trade Pay' }), 400, 'method');
    problem(await call('POST', '/faults', { ...base, count: 0 }), 400, 'count');
    problem(await call('POST', '/faults', { ...base, count: 1.5 }), 400, 'count');
    problem(await call('POST', '/faults', { ...base, count: '2' }), 400, 'count');
    problem(await call('POST', '/faults', { ...base, applied: 'yes' }), 400, 'applied');
    problem(await call('POST', '/faults', { ...base, payAfterSeconds: 3 }), 400, 'payAfterSeconds');
    problem(await call('POST', '/faults', { ...base, kind: 'need-password', payAfterSeconds: -1 }), 400, 'payAfterSeconds');
    problem(await call('POST', '/faults', { ...base, kind: 'need-password', applied: true }), 400, 'applied');
    problem(await call('POST', '/faults', { ...base, kind: 'notify-delay' }), 400, 'delaySeconds');
    problem(await call('POST', '/faults', { ...base, delaySeconds: 3 }), 400, 'delaySeconds');
    problem(await call('POST', '/faults', { ...base, times: 3 }), 400, 'times');
  });
});

describe('JS bridge report override', () => {
  test('POST /admin/trades/{tradeNo}/bridge-report sets and clears what tradePay reports; bad codes are a 400', async () => {
    const { tradeNo } = await barcode({ waiting: true });
    const set = await call('POST', `/trades/${tradeNo}/bridge-report`, { reportCode: '9000' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.bridgeReport.reportCode, '9000');
    const { bridgeReportOf } = await import('../../src/sandbox/pages/bridge-result.js');
    assert.equal(bridgeReportOf(sandbox.ctx, tradeNo)?.reportCode, '9000');
    problem(await call('POST', `/trades/${tradeNo}/bridge-report`, { reportCode: '1234' }), 400, 'reportCode');
    assert.equal((await call('POST', `/trades/${tradeNo}/bridge-report`, { reportCode: null })).body.bridgeReport, null);
    assert.equal(bridgeReportOf(sandbox.ctx, tradeNo), undefined);
    problem(await call('POST', '/trades/20261121220019999999999999999/bridge-report', { reportCode: '9000' }), 404);
  });
});
