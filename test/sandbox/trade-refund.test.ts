/**
 * alipay.trade.refund and alipay.trade.fastpay.refund.query against the sandbox, through the
 * official alipay-sdk (every answer verified) and our own client: cumulative refund_fee,
 * idempotent request numbers, the full-refund-without-request-no rule, balances that add up,
 * and concurrent refunds that can never refund more than was paid.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { AlipayClient, AlipayGatewayError } from '../../src/alipay/index.js';

const sandbox = await createSandbox();
after(() => sandbox.close());

const sdk = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const client = new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway });
const exec = (method: string, bizContent: Record<string, unknown>) => sdk.exec(method, { bizContent }, { validateSign: true });
const buyerId = sandbox.buyers[0]!.userId;
const balance = () => sandbox.ctx.ledger.buyer(buyerId)!.balanceFen;

async function paid(outTradeNo: string, total: string): Promise<string> {
  const res = await exec('alipay.trade.pay', { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: sandbox.ctx.ledger.issuePaymentCode(buyerId).code, subject: '退款测试', total_amount: total });
  assert.equal(res.code, '10000');
  return res.trade_no as string;
}

test('partial then full refunds: cumulative refund_fee, fund_change, balance restored, TRADE_CLOSED', async () => {
  const before = balance();
  const tradeNo = await paid('RF-1', '10.00');
  assert.equal(balance(), before - 1000);

  const r1 = await exec('alipay.trade.refund', { out_trade_no: 'RF-1', refund_amount: '3.00', out_request_no: 'RF-1-a', refund_reason: '少了一杯' });
  assert.equal(r1.code, '10000');
  assert.equal(r1.fund_change, 'Y');
  assert.equal(r1.refund_fee, '3.00');
  assert.equal(r1.send_back_fee, '3.00');
  assert.equal(r1.trade_no, tradeNo);
  assert.equal(r1.out_trade_no, 'RF-1');
  assert.equal(r1.buyer_user_id, buyerId);
  assert.match(r1.buyer_logon_id, /^138\*{4}8000$/);
  assert.match(r1.gmt_refund_pay, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.equal(balance(), before - 700);

  const r2 = await exec('alipay.trade.refund', { trade_no: tradeNo, refund_amount: '2.00', out_request_no: 'RF-1-b' });
  assert.equal(r2.fund_change, 'Y');
  assert.equal(r2.refund_fee, '5.00', 'refund_fee is the cumulative total');
  assert.equal(r2.send_back_fee, '2.00');

  const q = await exec('alipay.trade.query', { out_trade_no: 'RF-1' });
  assert.equal(q.trade_status, 'TRADE_SUCCESS', 'partly refunded is still paid');

  const over = await exec('alipay.trade.refund', { out_trade_no: 'RF-1', refund_amount: '5.01', out_request_no: 'RF-1-c' });
  assert.equal(over.code, '40004');
  assert.equal(over.sub_code, 'ACQ.REASON_TRADE_REFUND_FEE_ERR');
  assert.equal(over.refund_fee, '0.00');
  assert.equal(over.out_trade_no, 'RF-1');

  const rest = await exec('alipay.trade.refund', { out_trade_no: 'RF-1', refund_amount: '5.00', out_request_no: 'RF-1-c' });
  assert.equal(rest.fund_change, 'Y');
  assert.equal(rest.refund_fee, '10.00');
  assert.equal(balance(), before, 'the buyer has every fen back');
  assert.equal((await exec('alipay.trade.query', { out_trade_no: 'RF-1' })).trade_status, 'TRADE_CLOSED', 'fully refunded is TRADE_CLOSED');

  const more = await exec('alipay.trade.refund', { out_trade_no: 'RF-1', refund_amount: '0.01', out_request_no: 'RF-1-d' });
  assert.equal(more.code, '40004');
  assert.equal(more.sub_code, 'ACQ.REASON_TRADE_REFUND_FEE_ERR', 'nothing left to refund');
  assert.equal(balance(), before);
});

test('a repeated out_request_no is idempotent (fund_change N); another amount is discordant', async () => {
  await paid('RF-2', '8.00');
  const before = balance();
  const first = await exec('alipay.trade.refund', { out_trade_no: 'RF-2', refund_amount: '1.50', out_request_no: 'RF-2-a' });
  assert.equal(first.fund_change, 'Y');
  const again = await exec('alipay.trade.refund', { out_trade_no: 'RF-2', refund_amount: '1.50', out_request_no: 'RF-2-a' });
  assert.equal(again.code, '10000');
  assert.equal(again.fund_change, 'N');
  assert.equal(again.refund_fee, '1.50');
  assert.equal(again.gmt_refund_pay, first.gmt_refund_pay);
  assert.equal(balance(), before + 150, 'refunded once');
  const discordant = await exec('alipay.trade.refund', { out_trade_no: 'RF-2', refund_amount: '2.00', out_request_no: 'RF-2-a' });
  assert.equal(discordant.code, '40004');
  assert.equal(discordant.sub_code, 'ACQ.DISCORDANT_REPEAT_REQUEST');
  assert.equal(balance(), before + 150);
});

test('without out_request_no only the full amount is accepted, and the request no. is the out_trade_no', async () => {
  await paid('RF-3', '6.00');
  const partial = await exec('alipay.trade.refund', { out_trade_no: 'RF-3', refund_amount: '1.00' });
  assert.equal(partial.code, '40004');
  assert.equal(partial.sub_code, 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
  assert.equal(partial.sub_msg, '撤销或退款金额与订单金额不一致');
  assert.equal(partial.send_back_fee, '0.00');

  const full = await exec('alipay.trade.refund', { out_trade_no: 'RF-3', refund_amount: '6.00' });
  assert.equal(full.fund_change, 'Y');
  assert.equal(full.refund_fee, '6.00');
  const repeat = await exec('alipay.trade.refund', { out_trade_no: 'RF-3', refund_amount: '6.00' });
  assert.equal(repeat.fund_change, 'N');
  const q = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: 'RF-3', out_request_no: 'RF-3' });
  assert.equal(q.refund_status, 'REFUND_SUCCESS');
  assert.equal(q.refund_amount, '6.00');
});

test('refund query: nothing before the refund, the refund after it', async () => {
  const tradeNo = await paid('RF-4', '20.00');
  const before = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: 'RF-4', out_request_no: 'RF-4-a' });
  assert.equal(before.code, '10000');
  for (const field of ['refund_status', 'refund_amount', 'trade_no', 'out_request_no', 'gmt_refund_pay']) assert.equal(before[field], undefined, field);

  await exec('alipay.trade.refund', { out_trade_no: 'RF-4', refund_amount: '4.20', out_request_no: 'RF-4-a', refund_reason: '质量问题' });
  const afterwards = await exec('alipay.trade.fastpay.refund.query', { trade_no: tradeNo, out_request_no: 'RF-4-a' });
  assert.equal(afterwards.code, '10000');
  assert.equal(afterwards.trade_no, tradeNo);
  assert.equal(afterwards.out_trade_no, 'RF-4');
  assert.equal(afterwards.out_request_no, 'RF-4-a');
  assert.equal(afterwards.total_amount, '20.00');
  assert.equal(afterwards.refund_amount, '4.20');
  assert.equal(afterwards.refund_status, 'REFUND_SUCCESS');
  assert.equal(afterwards.refund_reason, '质量问题');
  assert.match(afterwards.gmt_refund_pay, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

  const unknown = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: 'RF-NOPE', out_request_no: 'x' });
  assert.equal(unknown.sub_code, 'ACQ.TRADE_NOT_EXIST');
  const missing = await exec('alipay.trade.fastpay.refund.query', { out_trade_no: 'RF-4' });
  assert.equal(missing.sub_code, 'ACQ.INVALID_PARAMETER');
});

test('refunds of unknown and unpaid trades are refused', async () => {
  const unknown = await exec('alipay.trade.refund', { out_trade_no: 'RF-NONE', refund_amount: '1.00', out_request_no: 'a' });
  assert.equal(unknown.sub_code, 'ACQ.TRADE_NOT_EXIST');
  await exec('alipay.trade.create', { out_trade_no: 'RF-5', total_amount: '3.00', subject: 's', buyer_id: buyerId });
  const unpaid = await exec('alipay.trade.refund', { out_trade_no: 'RF-5', refund_amount: '3.00', out_request_no: 'a' });
  assert.equal(unpaid.sub_code, 'ACQ.TRADE_STATUS_ERROR');
  const bad = await exec('alipay.trade.refund', { out_trade_no: 'RF-5', refund_amount: '1.001', out_request_no: 'a' });
  assert.equal(bad.sub_code, 'ACQ.INVALID_PARAMETER');
});

test('our client: typed refund and refund query, failures as AlipayGatewayError with the kept fields', async () => {
  await paid('RF-6', '2.00');
  const res = await client.api.trade.refund({ out_trade_no: 'RF-6', refund_amount: '0.50', out_request_no: 'RF-6-a' });
  assert.equal(res.fund_change, 'Y');
  assert.equal(res.refund_fee, '0.50');
  const q = await client.api.trade.refundQuery({ out_trade_no: 'RF-6', out_request_no: 'RF-6-a' });
  assert.equal(q.refund_status, 'REFUND_SUCCESS');
  await assert.rejects(client.api.trade.refund({ out_trade_no: 'RF-6', refund_amount: '1.51', out_request_no: 'RF-6-b' }), (e: unknown) => {
    assert.ok(e instanceof AlipayGatewayError);
    assert.equal(e.gatewayCode, '40004');
    assert.equal(e.subCode, 'ACQ.REASON_TRADE_REFUND_FEE_ERR');
    assert.equal(e.response.refund_fee, '0.00');
    assert.equal(e.retryable, false);
    return true;
  });
});

test('20 concurrent refunds of 1.00 on a 10.00 trade: exactly 10 go through', async () => {
  await paid('RF-C', '10.00');
  const before = balance();
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => exec('alipay.trade.refund', { out_trade_no: 'RF-C', refund_amount: '1.00', out_request_no: `RF-C-${i}` })),
  );
  const ok = results.filter((r) => r.code === '10000');
  const refused = results.filter((r) => r.code !== '10000');
  assert.equal(ok.length, 10);
  assert.equal(refused.length, 10);
  for (const r of refused) assert.equal(r.sub_code, 'ACQ.REASON_TRADE_REFUND_FEE_ERR');
  assert.ok(ok.every((r) => r.fund_change === 'Y'));
  assert.deepEqual(ok.map((r) => r.refund_fee).sort(), ['1.00', '10.00', '2.00', '3.00', '4.00', '5.00', '6.00', '7.00', '8.00', '9.00'], 'each success saw its own cumulative total');
  assert.equal(balance(), before + 1000);
  const trade = sandbox.ctx.ledger.tradeByOutTradeNo(sandbox.appId, 'RF-C')!;
  assert.equal(trade.refundedFen, 1000);
  assert.equal(trade.status, 'TRADE_CLOSED');
  const refunds = sandbox.ctx.ledger.refunds(sandbox.appId).filter((r) => r.tradeNo === trade.tradeNo);
  assert.equal(refunds.length, 10);
  assert.equal(refunds.reduce((s, r) => s + r.amountFen, 0), 1000);
});
