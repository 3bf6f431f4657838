/**
 * Refund notifies (alipay-protocol.md §3.1: partial → TRADE_SUCCESS with refund_fee, gmt_refund,
 * out_biz_no; full → TRADE_CLOSED) and the notify faults: drop, duplicate, reorder, delay.
 */
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { AlipayClient } from '../../src/alipay/index.js';
import { parseAlipayTime } from '../../src/alipay/time.js';
import { C, type Fault, type Trade } from '../../src/sandbox/state/model.js';
import { HOUR, MIN, runFor, settle, notifySandbox, type Received } from './notify-receiver.js';

const { clock, sandbox, notifier, ledger, receiver } = await notifySandbox();
beforeEach(() => {
  receiver.answer = () => 'success';
  for (const f of sandbox.ctx.faults.list()) sandbox.ctx.faults.remove(f.id);
});

const official = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const ours = new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway });
const buyerId = () => sandbox.buyers[0]!.userId;

function verified(n: Received | undefined): Record<string, string | undefined> {
  assert.ok(n, 'a notify arrived');
  assert.equal(official.checkNotifySignV2(n.params), true);
  return ours.verifyNotify(n.raw);
}

let seq = 0;
function paid(totalFen = 1000): Trade {
  const app = ledger.app(sandbox.appId)!;
  seq++;
  const { trade } = ledger.openTrade({ appId: app.appId, outTradeNo: `NF-${seq}`, method: 'alipay.trade.page.pay', totalFen, subject: `s${seq}`, fingerprint: `f${seq}`, sellerId: app.sellerId, notifyUrl: receiver.url, charset: 'utf-8' });
  return ledger.pay(trade.tradeNo, buyerId());
}

function fault(spec: Omit<Fault, 'id' | 'createdAt' | 'appId'>): Fault {
  return sandbox.ctx.faults.add({ appId: sandbox.appId, ...spec });
}

async function collect(fn: () => unknown): Promise<Received[]> {
  const from = receiver.received.length;
  await fn();
  await settle(clock, notifier);
  return receiver.received.slice(from);
}

test('partial refunds notify TRADE_SUCCESS with cumulative refund_fee, gmt_refund (ms) and out_biz_no; the full refund notifies TRADE_CLOSED', async () => {
  let t!: Trade;
  await collect(() => (t = paid(1000)));
  const [r1] = await collect(() => ledger.refund(t.tradeNo, { outRequestNo: 'RF-1', amountFen: 300 }));
  const p1 = verified(r1);
  assert.equal(p1.trade_status, 'TRADE_SUCCESS');
  assert.equal(p1.refund_fee, '3.00');
  assert.equal(p1.out_biz_no, 'RF-1');
  assert.match(p1.gmt_refund!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
  assert.equal(parseAlipayTime(p1.gmt_refund!)?.getTime(), clock.now().getTime());
  assert.equal(p1.total_amount, '10.00');
  assert.equal(p1.receipt_amount, '10.00');
  assert.equal(p1.gmt_close, undefined);
  assert.ok(p1.gmt_payment);

  await clock.advance(1234);
  const [r2] = await collect(() => ledger.refund(t.tradeNo, { outRequestNo: 'RF-2', amountFen: 200 }));
  const p2 = verified(r2);
  assert.equal(p2.trade_status, 'TRADE_SUCCESS');
  assert.equal(p2.refund_fee, '5.00', 'cumulative');
  assert.equal(p2.out_biz_no, 'RF-2');
  assert.equal(p2.gmt_refund!.slice(-4), `.${String(clock.now().getUTCMilliseconds()).padStart(3, '0')}`);
  assert.notEqual(p2.notify_id, p1.notify_id, 'a new notify_id per event');

  // The same out_request_no again moves no money and sends nothing.
  assert.equal((await collect(() => ledger.refund(t.tradeNo, { outRequestNo: 'RF-2', amountFen: 200 }))).length, 0);

  const [r3] = await collect(() => ledger.refund(t.tradeNo, { outRequestNo: 'RF-3', amountFen: 500 }));
  const p3 = verified(r3);
  assert.equal(p3.trade_status, 'TRADE_CLOSED');
  assert.equal(p3.refund_fee, '10.00');
  assert.equal(p3.out_biz_no, 'RF-3');
  assert.ok(p3.gmt_close);
  assert.ok(p3.gmt_refund);
  assert.equal(notifier.tasks({ tradeNo: t.tradeNo }).map((x) => x.params.trade_status).join(), 'TRADE_SUCCESS,TRADE_SUCCESS,TRADE_SUCCESS,TRADE_CLOSED');
});

test('notify-drop: the notify is never sent (task dropped); the next one is', async () => {
  fault({ kind: 'notify-drop', remaining: 1 });
  let dropped!: Trade;
  assert.equal((await collect(() => (dropped = paid()))).length, 0);
  await runFor(clock, notifier, 26 * HOUR);
  const [task] = notifier.tasks({ tradeNo: dropped.tradeNo });
  assert.equal(task?.state, 'dropped');
  assert.deepEqual(task?.faults, ['notify-drop']);
  assert.equal(task?.attempts.length, 0);
  assert.equal(receiver.received.filter((r) => r.params.trade_no === dropped.tradeNo).length, 0);
  let next!: Trade;
  const got = await collect(() => (next = paid()));
  assert.equal(verified(got[0]).trade_no, next.tradeNo);
  assert.equal(sandbox.ctx.store.all(C.faults).length, 0, 'remaining: 1 is used up');
});

test('a fault for another method does not touch notifies; method "notify" does', async () => {
  fault({ kind: 'notify-drop', method: 'alipay.trade.pay' });
  assert.equal((await collect(() => paid())).length, 1);
  fault({ kind: 'notify-drop', method: 'notify', remaining: 1 });
  assert.equal((await collect(() => paid())).length, 0);
});

test('notify-duplicate: each delivery arrives twice with the same notify_id and body', async () => {
  fault({ kind: 'notify-duplicate', remaining: 1 });
  let t!: Trade;
  const got = await collect(() => (t = paid()));
  assert.equal(got.length, 2);
  assert.equal(got[0]!.text, got[1]!.text);
  verified(got[0]);
  verified(got[1]);
  const [task] = notifier.tasks({ tradeNo: t.tradeNo });
  assert.equal(task?.state, 'delivered');
  assert.deepEqual(task?.attempts.map((a) => a.kind), ['scheduled', 'duplicate']);

  // With a failing merchant, every retry is doubled too.
  fault({ kind: 'notify-duplicate', remaining: 1 });
  const from = receiver.received.length;
  receiver.answer = (n) => (n - from < 2 ? 'fail' : 'success');
  let u!: Trade;
  await collect(() => (u = paid()));
  await runFor(clock, notifier, 5 * MIN);
  const mine = receiver.received.slice(from);
  assert.equal(mine.length, 4);
  assert.deepEqual(mine.map((r) => r.at - mine[0]!.at), [0, 0, 4 * MIN, 4 * MIN]);
  assert.equal(new Set(mine.map((r) => r.params.notify_id)).size, 1);
  assert.equal(notifier.tasks({ tradeNo: u.tradeNo })[0]?.state, 'delivered');
});

test('notify-reorder: the held TRADE_SUCCESS arrives after the later refund notify', async () => {
  fault({ kind: 'notify-reorder', remaining: 1 });
  let t!: Trade;
  assert.equal((await collect(() => (t = paid(1000)))).length, 0, 'held back');
  const [held] = notifier.tasks({ tradeNo: t.tradeNo });
  assert.equal(held?.held, true);
  assert.equal(held?.state, 'pending');
  const got = await collect(() => ledger.refund(t.tradeNo, { outRequestNo: 'RO-1', amountFen: 1000 }));
  assert.equal(got.length, 2);
  const [first, second] = got.map((n) => verified(n));
  assert.equal(first?.trade_status, 'TRADE_CLOSED');
  assert.equal(first?.refund_fee, '10.00');
  assert.equal(second?.trade_status, 'TRADE_SUCCESS');
  assert.equal(second?.refund_fee, undefined);
  assert.equal(notifier.task(held!.id)?.state, 'delivered');
  assert.equal(notifier.task(held!.id)?.held, false);
});

test('notify-reorder: a held notify is released when the later one is dropped, or gives up', async () => {
  fault({ kind: 'notify-reorder', remaining: 1 });
  let a!: Trade;
  await collect(() => (a = paid()));
  fault({ kind: 'notify-drop', remaining: 1 });
  const got = await collect(() => paid());
  assert.equal(got.length, 1);
  assert.equal(verified(got[0]).trade_no, a.tradeNo);

  fault({ kind: 'notify-reorder', remaining: 1 });
  let c!: Trade;
  let d!: Trade;
  await collect(() => (c = paid()));
  receiver.answer = (_n, req) => (req.params.trade_no === d.tradeNo ? 'fail' : 'success');
  const start = clock.now().getTime();
  await collect(() => (d = paid()));
  await runFor(clock, notifier, 25 * HOUR);
  assert.equal(notifier.tasks({ tradeNo: d.tradeNo })[0]?.state, 'gave-up');
  const [cTask] = notifier.tasks({ tradeNo: c.tradeNo });
  assert.equal(cTask?.state, 'delivered');
  assert.equal(Date.parse(cTask!.attempts[0]!.at) - start, 24 * HOUR + 24 * MIN, 'sent when the later notify gave up');
});

test('notify-delay: the first attempt waits delaySeconds, the schedule follows from there', async () => {
  fault({ kind: 'notify-delay', delaySeconds: 90, remaining: 1 });
  const from = receiver.received.length;
  receiver.answer = (n) => (n === from ? 'fail' : 'success');
  const start = clock.now().getTime();
  let t!: Trade;
  assert.equal((await collect(() => (t = paid()))).length, 0);
  await runFor(clock, notifier, 89_999);
  assert.equal(receiver.received.length, from);
  await runFor(clock, notifier, 1);
  assert.equal(receiver.received.length, from + 1);
  await runFor(clock, notifier, HOUR);
  const mine = receiver.received.slice(from);
  assert.deepEqual(mine.map((r) => r.at - start), [90_000, 90_000 + 4 * MIN]);
  assert.equal(notifier.tasks({ tradeNo: t.tradeNo })[0]?.state, 'delivered');
  assert.deepEqual(notifier.tasks({ tradeNo: t.tradeNo })[0]?.faults, ['notify-delay']);
});

test('resend of a delivered notify: sent again now, same notify_id, still delivered', async () => {
  let t!: Trade;
  const [n] = await collect(() => (t = paid()));
  const [task] = notifier.tasks({ tradeNo: t.tradeNo });
  await clock.advance(10 * MIN);
  const attempt = await notifier.resend(task!.id);
  assert.equal(attempt?.ok, true);
  const again = receiver.received.at(-1)!;
  assert.equal(again.params.notify_id, n!.params.notify_id);
  assert.notEqual(again.params.notify_time, n!.params.notify_time);
  verified(again);
  assert.equal(notifier.task(task!.id)?.attempts.length, 2);
  assert.equal(notifier.task(task!.id)?.state, 'delivered');
});
