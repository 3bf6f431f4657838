/**
 * What a notify looks like on the wire: trade_status_sync parameters (alipay-protocol.md §3.2),
 * V1-signed so that both the official alipay-sdk (checkNotifySignV2) and our client verify it,
 * posted as a form in the trade's charset (GBK included, §1.4), and what counts as `success`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { AlipayClient } from '../../src/alipay/index.js';
import { formatAlipayTime } from '../../src/alipay/time.js';
import { maskLogon } from '../../src/sandbox/ids.js';
import type { SandboxApp, Trade } from '../../src/sandbox/state/model.js';
import { notifySandbox, settle, startReceiver, type Answer, type Received } from './notify-receiver.js';

const { clock, sandbox, notifier, ledger, receiver } = await notifySandbox();

const official = (extra: Record<string, unknown> = {}) =>
  new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false, ...extra });
const ours = (extra: Record<string, unknown> = {}) =>
  new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, ...extra });
const buyer = () => sandbox.buyers[0]!;
const app = () => ledger.app(sandbox.appId)!;

/** The notifies that arrive while `fn` runs and the sends it starts finish. */
async function collect(fn: () => unknown): Promise<Received[]> {
  const from = receiver.received.length;
  await fn();
  await settle(clock, notifier);
  return receiver.received.slice(from);
}

/** Both verifiers accept the raw body; returns the parameters our client hands back. */
function verifyBoth(n: Received, opts: { signType?: 'RSA2' | 'RSA' } = {}): Record<string, string | undefined> {
  assert.equal(official({ signType: opts.signType ?? 'RSA2' }).checkNotifySignV2(n.params), true, 'official alipay-sdk checkNotifySignV2');
  return ours({ signType: opts.signType ?? 'RSA2' }).verifyNotify(n.raw);
}

let seq = 0;
function ledgerTrade(over: Partial<Trade> = {}): Trade {
  seq++;
  return ledger.openTrade({
    appId: sandbox.appId,
    outTradeNo: `NT-L-${seq}`,
    method: 'alipay.trade.create',
    totalFen: 1000,
    subject: `订单 ${seq}`,
    fingerprint: `f${seq}`,
    sellerId: app().sellerId,
    notifyUrl: receiver.url,
    charset: 'utf-8',
    ...over,
  }).trade;
}

test('barcode pay through the gateway (official SDK, notify_url): one TRADE_SUCCESS notify, verified by both, every field right', async () => {
  const sdk = official();
  let res: Record<string, any> = {};
  const [n, ...more] = await collect(async () => {
    res = await sdk.exec(
      'alipay.trade.pay',
      { notify_url: receiver.url, bizContent: { out_trade_no: 'NT-GW-1', scene: 'bar_code', auth_code: ledger.issuePaymentCode(buyer().userId).code, subject: '咖啡 /latte & 蛋糕', total_amount: '12.34' } },
      { validateSign: true },
    );
  });
  assert.equal(res.code, '10000');
  assert.equal(more.length, 0);
  assert.ok(n);
  assert.equal(n.headers['content-type'], 'application/x-www-form-urlencoded; charset=utf-8');
  const p = verifyBoth(n);
  const trade = ledger.trade(res.trade_no)!;
  const expected: Record<string, string> = {
    notify_type: 'trade_status_sync',
    app_id: sandbox.appId,
    auth_app_id: sandbox.appId,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: res.trade_no,
    out_trade_no: 'NT-GW-1',
    buyer_id: buyer().userId,
    buyer_logon_id: maskLogon(buyer().logonId),
    seller_id: app().sellerId,
    seller_email: app().sellerEmail,
    trade_status: 'TRADE_SUCCESS',
    total_amount: '12.34',
    receipt_amount: '12.34',
    invoice_amount: '12.34',
    buyer_pay_amount: '12.34',
    point_amount: '0.00',
    subject: '咖啡 /latte & 蛋糕',
    gmt_create: formatAlipayTime(new Date(trade.createdAt)),
    gmt_payment: formatAlipayTime(new Date(trade.paidAt!)),
    fund_bill_list: '[{"amount":"12.34","fundChannel":"ALIPAYACCOUNT"}]',
    notify_time: formatAlipayTime(clock.now()),
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(p[k], v, k);
  assert.match(p.notify_id!, /^\d{8}00222\d{22}$/);
  assert.equal(p.buyer_logon_id, '138****8000');
  for (const absent of ['refund_fee', 'gmt_refund', 'gmt_close', 'out_biz_no', 'body', 'passback_params', 'buyer_open_id']) assert.equal(p[absent], undefined, absent);
  assert.ok(!/=(&|$)/.test(n.text), 'no empty values');
  // And a tampered notify fails both (the checks above are not vacuous).
  const forged = new URLSearchParams(n.text);
  forged.set('total_amount', '0.01');
  assert.equal(official().checkNotifySignV2(Object.fromEntries(forged)), false);
  assert.throws(() => ours().verifyNotify(forged.toString()), /does not verify/);
  // The task in the store says the same.
  const [task] = notifier.tasks({ tradeNo: res.trade_no });
  assert.equal(task?.state, 'delivered');
  assert.equal(task?.notifyId, p.notify_id);
  assert.equal(task?.attempts.length, 1);
  assert.equal(task?.attempts[0]?.ok, true);
  assert.equal(task?.attempts[0]?.status, 200);
});

test('no notify_url, no notify', async () => {
  const sdk = official();
  const got = await collect(() =>
    sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'NT-GW-2', scene: 'bar_code', auth_code: ledger.issuePaymentCode(buyer().userId).code, subject: 's', total_amount: '1.00' } }),
  );
  assert.equal(got.length, 0);
});

test('passback_params with % and + (and body, spaces, &, =) arrives exactly as the trade has it', async () => {
  const passback = 'merchant%3Dzfb+a%2Bb c&d=e%25 100%';
  const t = ledgerTrade({ passbackParams: passback, body: '商品描述 a+b=c&d' });
  const [n] = await collect(() => ledger.pay(t.tradeNo, buyer().userId));
  assert.ok(n);
  const p = verifyBoth(n);
  assert.equal(p.passback_params, passback);
  assert.equal(n.params.passback_params, passback);
  assert.equal(p.body, '商品描述 a+b=c&d');
});

test('TRADE_FINISHED when the ledger finishes a paid trade', async () => {
  const t = ledgerTrade();
  await collect(() => ledger.pay(t.tradeNo, buyer().userId));
  const [n] = await collect(() => ledger.finish(t.tradeNo));
  assert.ok(n);
  const p = verifyBoth(n);
  assert.equal(p.trade_status, 'TRADE_FINISHED');
  assert.equal(p.total_amount, '10.00');
  assert.equal(p.receipt_amount, '10.00');
});

test('an unpaid trade that closes: TRADE_CLOSED with gmt_close, no buyer or paid amounts', async () => {
  const t = ledgerTrade();
  const [n] = await collect(() => ledger.close(t.tradeNo));
  assert.ok(n);
  const p = verifyBoth(n);
  assert.equal(p.trade_status, 'TRADE_CLOSED');
  assert.equal(p.total_amount, '10.00');
  assert.equal(p.gmt_close, formatAlipayTime(clock.now()));
  for (const absent of ['buyer_id', 'buyer_logon_id', 'receipt_amount', 'buyer_pay_amount', 'invoice_amount', 'point_amount', 'fund_bill_list', 'gmt_payment', 'refund_fee']) assert.equal(p[absent], undefined, absent);
});

test('openid app: buyer_open_id instead of buyer_id; RSA (SHA-1) app: signed with RSA and both verify', async () => {
  const base = app();
  const openApp: SandboxApp = { ...base, appId: '9021000100000077', openIdMode: true, signType: 'RSA' };
  ledger.putApp(openApp);
  const t = ledgerTrade({ appId: openApp.appId, outTradeNo: 'NT-OPENID-1' });
  const [n] = await collect(() => ledger.pay(t.tradeNo, buyer().userId));
  assert.ok(n);
  assert.equal(n.params.sign_type, 'RSA');
  const p = ours({ appId: openApp.appId, signType: 'RSA' }).verifyNotify(n.raw);
  assert.equal(official({ appId: openApp.appId, signType: 'RSA' }).checkNotifySignV2(n.params), true);
  assert.equal(p.app_id, openApp.appId);
  assert.equal(p.buyer_id, undefined);
  assert.match(p.buyer_open_id!, /^0[\w-]{42}$/);
  assert.equal(p.buyer_logon_id, '138****8000');
  // An RSA2-pinned client refuses it (no downgrade).
  assert.throws(() => ours().verifyNotify(n.raw), /sign_type=RSA/);
});

test('GBK: a trade created with charset=gbk notifies in GBK bytes, and our client configured for GBK verifies it', async () => {
  const client = ours({ charset: 'gbk' });
  let tradeNo = '';
  const [n] = await collect(async () => {
    const res = await client.call('alipay.trade.pay', {
      params: { notify_url: receiver.url },
      bizContent: { out_trade_no: 'NT-GBK-1', scene: 'bar_code', auth_code: ledger.issuePaymentCode(buyer().userId).code, subject: '支付宝测试', total_amount: '0.10' },
    });
    tradeNo = String(res.trade_no);
  });
  assert.ok(n);
  assert.equal(n.headers['content-type'], 'application/x-www-form-urlencoded; charset=gbk');
  assert.match(n.text, /(^|&)charset=gbk(&|$)/);
  // 支付宝测试 in GBK is D6 A7 B8 B6 B1 A6 B2 E2 CA D4.
  assert.match(n.text, /(^|&)subject=%D6%A7%B8%B6%B1%A6%B2%E2%CA%D4(&|$)/);
  assert.ok(/^[\x20-\x7e]*$/.test(n.text), 'the body is ASCII');
  const p = client.verifyNotify(n.raw);
  assert.equal(p.subject, '支付宝测试');
  assert.equal(p.trade_no, tradeNo);
  assert.equal(p.total_amount, '0.10');
  assert.equal(p.fund_bill_list, '[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]');
  // Read as UTF-8 it does not verify: the signature is over the GBK bytes.
  assert.throws(() => ours().verifyNotify(Buffer.from(n.text.replace('charset=gbk', 'charset=utf-8'))));
});

test('only HTTP 200 with exactly `success` (one trailing line break allowed) counts as received', async () => {
  const cases: [Answer, boolean][] = [
    ['success', true],
    ['success\n', true],
    ['success\r\n', true],
    ['SUCCESS', false],
    [' success', false],
    ['success\n\n', false],
    ['success.', false],
    ['"success"', false],
    ['<html><body>success</body></html>', false],
    ['', false],
    [{ status: 201, body: 'success' }, false],
    [{ status: 500, body: 'success' }, false],
    [{ status: 302, headers: { location: '/ok' } }, false],
    [`success${' '.repeat(10_000)}`, false],
    ['destroy', false],
  ];
  const before = receiver.answer;
  try {
    for (const [answer, ok] of cases) {
      receiver.answer = () => answer;
      const t = ledgerTrade();
      await collect(() => ledger.pay(t.tradeNo, buyer().userId));
      const [task] = notifier.tasks({ tradeNo: t.tradeNo });
      assert.equal(task?.attempts.length, 1, JSON.stringify(answer));
      assert.equal(task?.attempts[0]?.ok, ok, JSON.stringify(answer));
      assert.equal(task?.state, ok ? 'delivered' : 'pending', JSON.stringify(answer));
      if (!ok) assert.equal(task?.nextAt, new Date(clock.now().getTime() + 4 * 60_000).toISOString());
    }
  } finally {
    receiver.answer = before;
  }
});

test('a merchant that is down, slow or not HTTP only makes failed attempts', async () => {
  const down = await startReceiver(clock);
  const downUrl = down.url;
  await down.close();
  const slow = await startReceiver(clock, () => ({ hangMs: 2_000 }));
  notifier.attemptTimeoutMs = 200;
  try {
    for (const url of [downUrl, slow.url, 'ftp://127.0.0.1/notify', 'not a url']) {
      const t = ledgerTrade({ notifyUrl: url });
      await collect(() => ledger.pay(t.tradeNo, buyer().userId));
      const [task] = notifier.tasks({ tradeNo: t.tradeNo });
      assert.equal(task?.state, 'pending', url);
      assert.equal(task?.attempts.length, 1, url);
      assert.equal(task?.attempts[0]?.ok, false, url);
      assert.ok(task?.attempts[0]?.answer, url);
    }
    const [slowTask] = notifier.tasks().filter((t) => t.url === slow.url);
    assert.match(slowTask!.attempts[0]!.answer, /no answer within 200 ms/);
    assert.equal(slowTask!.attempts[0]!.status, undefined);
  } finally {
    notifier.attemptTimeoutMs = 15_000;
    await slow.close();
  }
});
