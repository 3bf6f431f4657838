/**
 * alipay.trade.cancel and alipay.trade.close against the sandbox, through the official alipay-sdk
 * with every answer verified: close (unpaid) and refund (paid) actions, repeat safety, the 24-hour
 * window, unknown trades, and close's state rules.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManualClock } from '../../src/sandbox/clock.js';
import { AlipayClient } from '../../src/alipay/index.js';

const sandbox = await createSandbox();
const clock = new ManualClock();
const timed = await createSandbox({ clock, timestampToleranceMs: 400 * 86_400_000 });
after(() => Promise.all([sandbox.close(), timed.close()]));

const sdkFor = (s: Sandbox) => new AlipaySdk({ appId: s.appId, privateKey: s.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: s.alipayPublicKey, gateway: s.gateway, camelcase: false });
const sdk = sdkFor(sandbox);
const exec = (method: string, bizContent: Record<string, unknown>, s: Sandbox = sandbox, client = sdk) => client.exec(method, { bizContent }, { validateSign: true });
const buyerId = sandbox.buyers[0]!.userId;
const balance = () => sandbox.ctx.ledger.buyer(buyerId)!.balanceFen;

async function pay(outTradeNo: string, total: string, s: Sandbox = sandbox, client = sdk) {
  const code = s.ctx.ledger.issuePaymentCode(s.buyers[0]!.userId).code;
  return exec('alipay.trade.pay', { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: code, subject: '撤销测试', total_amount: total }, s, client);
}

test('cancel of an unpaid trade closes it (action close); again answers the same', async () => {
  const created = await exec('alipay.trade.create', { out_trade_no: 'CX-1', total_amount: '5.00', subject: 's', buyer_id: buyerId });
  const res = await exec('alipay.trade.cancel', { out_trade_no: 'CX-1' });
  assert.equal(res.code, '10000');
  assert.equal(res.action, 'close');
  assert.equal(res.retry_flag, 'N');
  assert.equal(res.trade_no, created.trade_no);
  assert.equal(res.out_trade_no, 'CX-1');
  assert.equal(res.gmt_refund_pay, undefined);
  const q = await exec('alipay.trade.query', { out_trade_no: 'CX-1' });
  assert.equal(q.trade_status, 'TRADE_CLOSED');
  assert.deepEqual(JSON.parse(q.ext_infos), { action: 'close' });

  const again = await exec('alipay.trade.cancel', { trade_no: created.trade_no });
  assert.equal(again.code, '10000');
  assert.equal(again.action, 'close');
  assert.equal(again.retry_flag, 'N');
});

test('cancel of a trade still waiting for the buyer\'s password (10003) closes it for good', async () => {
  sandbox.ctx.faults.add({ appId: sandbox.appId, kind: 'need-password', method: 'alipay.trade.pay', remaining: 1, payAfterSeconds: 0.2 });
  const before = balance();
  const pending = await pay('CX-2', '7.00');
  assert.equal(pending.code, '10003');
  const res = await exec('alipay.trade.cancel', { out_trade_no: 'CX-2' });
  assert.equal(res.action, 'close');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'CX-2' })).trade_status, 'TRADE_CLOSED');
  assert.equal(balance(), before, 'the buyer was never charged');
});

test('cancel of a paid trade refunds it (action refund); repeating does not refund twice', async () => {
  const before = balance();
  const paid = await pay('CX-3', '12.50');
  assert.equal(paid.code, '10000');
  assert.equal(balance(), before - 1250);

  const res = await exec('alipay.trade.cancel', { out_trade_no: 'CX-3' });
  assert.equal(res.code, '10000');
  assert.equal(res.action, 'refund');
  assert.equal(res.retry_flag, 'N');
  assert.equal(res.trade_no, paid.trade_no);
  assert.match(res.gmt_refund_pay, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.equal(balance(), before);

  const q = await exec('alipay.trade.query', { out_trade_no: 'CX-3' });
  assert.equal(q.trade_status, 'TRADE_CLOSED');
  assert.deepEqual(JSON.parse(q.ext_infos), { action: 'refund' });
  const rq = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: 'CX-3', out_request_no: `cancel-${paid.trade_no}` });
  assert.equal(rq.refund_status, 'REFUND_SUCCESS');
  assert.equal(rq.refund_amount, '12.50');

  const again = await exec('alipay.trade.cancel', { out_trade_no: 'CX-3' });
  assert.equal(again.action, 'refund');
  assert.equal(again.gmt_refund_pay, res.gmt_refund_pay);
  assert.equal(balance(), before, 'refunded once');
});

test('a cancel answered with a system error after it took effect is safe to repeat', async () => {
  const before = balance();
  await pay('CX-4', '3.00');
  sandbox.ctx.faults.add({ appId: sandbox.appId, kind: 'system-error', method: 'alipay.trade.cancel', remaining: 1, applied: true });
  const failed = await exec('alipay.trade.cancel', { out_trade_no: 'CX-4' });
  assert.equal(failed.code, '20000');
  const retried = await exec('alipay.trade.cancel', { out_trade_no: 'CX-4' });
  assert.equal(retried.code, '10000');
  assert.equal(retried.action, 'refund');
  assert.equal(balance(), before);
});

test('cancel of a trade Alipay does not know: success, retry_flag N, no action', async () => {
  const res = await exec('alipay.trade.cancel', { out_trade_no: 'CX-NEVER' });
  assert.equal(res.code, '10000');
  assert.equal(res.retry_flag, 'N');
  assert.equal(res.action, undefined);
  assert.equal(res.out_trade_no, 'CX-NEVER');
  assert.equal(res.trade_no, undefined);
});

test('cancel refuses a partly refunded trade and a finished one', async () => {
  const paid = await pay('CX-5', '4.00');
  await exec('alipay.trade.refund', { out_trade_no: 'CX-5', refund_amount: '1.00', out_request_no: 'CX-5-a' });
  assert.equal((await exec('alipay.trade.cancel', { out_trade_no: 'CX-5' })).sub_code, 'ACQ.REASON_TRADE_REFUND_FEE_ERR');
  await pay('CX-6', '4.00');
  sandbox.ctx.ledger.finish(sandbox.ctx.ledger.tradeByOutTradeNo(sandbox.appId, 'CX-6')!.tradeNo);
  assert.equal((await exec('alipay.trade.cancel', { out_trade_no: 'CX-6' })).sub_code, 'ACQ.TRADE_HAS_FINISHED');
  assert.equal(paid.code, '10000');
});

test('cancel more than 24 hours after creation: ACQ.TRADE_CANCEL_TIME_OUT; a cancelled one still answers', async () => {
  const tsdk = sdkFor(timed);
  for (const no of ['CX-T1', 'CX-T2', 'CX-T3']) assert.equal((await pay(no, '2.00', timed, tsdk)).code, '10000');
  assert.equal((await exec('alipay.trade.cancel', { out_trade_no: 'CX-T2' }, timed, tsdk)).action, 'refund');

  await clock.advance(24 * 3600_000 - 1000);
  assert.equal((await exec('alipay.trade.cancel', { out_trade_no: 'CX-T1' }, timed, tsdk)).action, 'refund', 'just inside the window');

  await clock.advance(2000);
  const late = await exec('alipay.trade.cancel', { out_trade_no: 'CX-T3' }, timed, tsdk);
  assert.equal(late.code, '40004');
  assert.equal(late.sub_code, 'ACQ.TRADE_CANCEL_TIME_OUT');
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'CX-T3' }, timed, tsdk)).trade_status, 'TRADE_SUCCESS');
  const refund = await exec('alipay.trade.refund', { out_trade_no: 'CX-T3', refund_amount: '2.00' }, timed, tsdk);
  assert.equal(refund.fund_change, 'Y', 'a refund still works');

  const repeat = await exec('alipay.trade.cancel', { out_trade_no: 'CX-T2' }, timed, tsdk);
  assert.equal(repeat.code, '10000');
  assert.equal(repeat.action, 'refund', 'an already cancelled trade answers the same after the window');
});

test('close: only a trade waiting for payment', async () => {
  const client = new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway });
  const created = await client.api.trade.create({ out_trade_no: 'CL-1', total_amount: '1.00', subject: 's', buyer_id: buyerId });
  const closed = await client.api.trade.close({ out_trade_no: 'CL-1' });
  assert.equal(closed.code, '10000');
  assert.equal(closed.trade_no, created.trade_no);
  assert.equal(closed.out_trade_no, 'CL-1');
  assert.equal((await client.api.trade.query({ trade_no: created.trade_no! })).trade_status, 'TRADE_CLOSED');

  const twice = await exec('alipay.trade.close', { out_trade_no: 'CL-1' });
  assert.equal(twice.code, '40004');
  assert.equal(twice.sub_code, 'ACQ.TRADE_STATUS_ERROR');

  await pay('CL-2', '1.00');
  assert.equal((await exec('alipay.trade.close', { out_trade_no: 'CL-2' })).sub_code, 'ACQ.TRADE_STATUS_ERROR');
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'CL-2' })).trade_status, 'TRADE_SUCCESS');

  const unknown = await exec('alipay.trade.close', { out_trade_no: 'CL-NONE' });
  assert.equal(unknown.sub_code, 'ACQ.TRADE_NOT_EXIST');
  assert.equal(unknown.sub_msg, '交易不存在');
  assert.equal((await exec('alipay.trade.close', {})).sub_code, 'ACQ.INVALID_PARAMETER');
});
