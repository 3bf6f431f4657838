/**
 * Alipay's retry schedule (alipay-protocol.md §3.1): at once, then 4m, 10m, 10m, 1h, 2h, 6h, 15h,
 * same notify_id every time, nothing after `success`, 'gave-up' after the 8th failure. Driven by a
 * ManualClock, by a scaled realClock, and across a restart of a sandbox with a state dir.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManualClock } from '../../src/sandbox/clock.js';
import { formatAlipayTime } from '../../src/alipay/time.js';
import { ATTEMPT_OFFSETS_MS, RETRY_GAPS_MS } from '../../src/sandbox/notify/index.js';
import { HOUR, MIN, runFor, settle, startReceiver, type Receiver } from './notify-receiver.js';

/** The offsets the docs' gaps add up to, written out (not computed from the code under test). */
const OFFSETS = [0, 4 * MIN, 14 * MIN, 24 * MIN, HOUR + 24 * MIN, 3 * HOUR + 24 * MIN, 9 * HOUR + 24 * MIN, 24 * HOUR + 24 * MIN];

test('the schedule constants are the documented ones', () => {
  assert.deepEqual(RETRY_GAPS_MS, [4 * MIN, 10 * MIN, 10 * MIN, HOUR, 2 * HOUR, 6 * HOUR, 15 * HOUR]);
  assert.deepEqual(ATTEMPT_OFFSETS_MS, OFFSETS);
});

/** A sandbox on a ManualClock, a receiver failing the first `failures` requests, and one paid trade with its notify_url. */
async function paidTrade(failures: number, opts: { stateDir?: string; clock?: ManualClock } = {}) {
  const clock = opts.clock ?? new ManualClock();
  const sandbox = await createSandbox({ clock, stateDir: opts.stateDir });
  const receiver = await startReceiver(clock, (n) => (n < failures ? { status: 500, body: 'busy' } : 'success'));
  const ledger = sandbox.ctx.ledger;
  const app = ledger.app(sandbox.appId)!;
  const { trade } = ledger.openTrade({ appId: app.appId, outTradeNo: `RT-${failures}`, method: 'alipay.trade.page.pay', totalFen: 8888, subject: 'retry', fingerprint: 'x', sellerId: app.sellerId, notifyUrl: receiver.url, charset: 'utf-8' });
  const start = clock.now().getTime();
  ledger.pay(trade.tradeNo, sandbox.buyers[0]!.userId);
  return { clock, sandbox, receiver, trade, start };
}

async function shutdown(sandbox: Sandbox, receiver: Receiver) {
  sandbox.ctx.notifier?.stop();
  await receiver.close();
  await sandbox.close();
}

for (const failures of [0, 1, 3, 7]) {
  test(`a merchant that fails the first ${failures} time(s) gets exactly ${failures + 1} attempt(s) on the schedule, then nothing`, async () => {
    const { clock, sandbox, receiver, trade, start } = await paidTrade(failures);
    const notifier = sandbox.ctx.notifier!;
    try {
      await runFor(clock, notifier, 48 * HOUR);
      const got = receiver.received;
      assert.deepEqual(
        got.map((r) => r.at - start),
        OFFSETS.slice(0, failures + 1),
      );
      assert.equal(new Set(got.map((r) => r.params.notify_id)).size, 1, 'same notify_id every time');
      got.forEach((r) => {
        assert.equal(r.params.notify_time, formatAlipayTime(new Date(r.at)), 'notify_time is the send time');
        assert.equal(r.params.trade_no, trade.tradeNo);
      });
      // Each send is signed afresh (notify_time changes) and verifies.
      const sdk = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway });
      for (const r of got) assert.equal(sdk.checkNotifySignV2(r.params), true);
      const [task] = notifier.tasks({ tradeNo: trade.tradeNo });
      assert.equal(task?.state, 'delivered');
      assert.equal(task?.attempts.length, failures + 1);
      assert.deepEqual(task?.attempts.map((a) => a.ok), [...Array(failures).fill(false), true]);
      assert.deepEqual(task?.attempts.map((a) => Date.parse(a.at) - start), OFFSETS.slice(0, failures + 1));
      assert.equal(task?.nextAt, undefined);
      assert.equal(notifier.nextDue(), undefined);
    } finally {
      await shutdown(sandbox, receiver);
    }
  });
}

test('a merchant that always fails gets 8 attempts over 24h24m, then the task gives up', async () => {
  const { clock, sandbox, receiver, trade, start } = await paidTrade(Infinity);
  const notifier = sandbox.ctx.notifier!;
  try {
    await runFor(clock, notifier, 24 * HOUR);
    assert.equal(receiver.received.length, 7);
    assert.equal(notifier.tasks({ tradeNo: trade.tradeNo })[0]?.state, 'pending');
    assert.equal(notifier.tasks({ tradeNo: trade.tradeNo })[0]?.nextAt, new Date(start + OFFSETS[7]!).toISOString());
    await runFor(clock, notifier, 72 * HOUR);
    assert.deepEqual(
      receiver.received.map((r) => r.at - start),
      OFFSETS,
    );
    const [task] = notifier.tasks({ tradeNo: trade.tradeNo });
    assert.equal(task?.state, 'gave-up');
    assert.equal(task?.attempts.length, 8);
    assert.ok(task?.attempts.every((a) => !a.ok && a.status === 500 && a.answer === 'busy'));
    assert.equal(task?.nextAt, undefined);
    // Admin resend of a given-up task, now that the merchant is back: delivered.
    receiver.answer = () => 'success';
    const again = await notifier.resend(task!.id);
    assert.equal(again?.ok, true);
    assert.equal(again?.kind, 'resend');
    assert.equal(notifier.task(task!.id)?.state, 'delivered');
    assert.equal(receiver.received.at(-1)?.params.notify_id, task?.notifyId);
    assert.equal(await notifier.resend('no-such-task'), undefined);
  } finally {
    await shutdown(sandbox, receiver);
  }
});

test('realClock(20000): the whole 8-attempt schedule runs in about 4.4 real seconds', async () => {
  const scale = 20_000;
  const sandbox = await createSandbox({ timeScale: scale });
  const receiver = await startReceiver(sandbox.ctx.clock, () => 'fail');
  try {
    const ledger = sandbox.ctx.ledger;
    const app = ledger.app(sandbox.appId)!;
    const { trade } = ledger.openTrade({ appId: app.appId, outTradeNo: 'RT-REAL', method: 'alipay.trade.wap.pay', totalFen: 100, subject: 'fast', fingerprint: 'x', sellerId: app.sellerId, notifyUrl: receiver.url, charset: 'utf-8' });
    const started = Date.now();
    ledger.pay(trade.tradeNo, sandbox.buyers[0]!.userId);
    const notifier = sandbox.ctx.notifier!;
    while (notifier.tasks({ tradeNo: trade.tradeNo })[0]?.state === 'pending' && Date.now() - started < 9_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const elapsed = Date.now() - started;
    assert.equal(notifier.tasks({ tradeNo: trade.tradeNo })[0]?.state, 'gave-up');
    assert.equal(receiver.received.length, 8);
    assert.equal(new Set(receiver.received.map((r) => r.params.notify_id)).size, 1);
    // The receiver stamps arrivals with the sandbox clock, which runs `scale` times faster than
    // the wall clock: in sandbox time the gaps are the documented ones, plus the merchant's latency
    // (up to 500 real ms, so 500 * scale sandbox ms).
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at);
    gaps.forEach((g, i) => {
      const want = RETRY_GAPS_MS[i]!;
      assert.ok(g >= want - 2 * scale && g < want + 500 * scale, `gap ${i + 1}: ${g} sandbox ms, want about ${want}`);
    });
    assert.ok(elapsed >= OFFSETS[7]! / scale - 5, `took ${elapsed} ms`);
    assert.ok(elapsed < 9_000, `took ${elapsed} ms`);
  } finally {
    await shutdown(sandbox, receiver);
  }
});

test('a restart with the same state dir resumes a pending notify at its planned time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zfb-notify-'));
  try {
    const t0 = new Date('2026-11-21T02:00:00Z');
    const first = await paidTrade(1, { stateDir: dir, clock: new ManualClock(t0) });
    await settle(first.clock, first.sandbox.ctx.notifier!);
    assert.equal(first.receiver.received.length, 1);
    const [before] = first.sandbox.ctx.notifier!.tasks();
    assert.equal(before?.state, 'pending');
    assert.equal(before?.nextAt, new Date(t0.getTime() + 4 * MIN).toISOString());
    first.sandbox.ctx.notifier!.stop();
    await first.sandbox.close();

    // Back up one minute later: nothing is sent until the planned time, then it is, same notify_id.
    const clock = new ManualClock(new Date(t0.getTime() + MIN));
    const second = await createSandbox({ clock, stateDir: dir });
    first.receiver.clock = clock;
    const notifier = second.ctx.notifier!;
    try {
      const [resumed] = notifier.tasks();
      assert.equal(resumed?.id, before?.id);
      assert.equal(resumed?.attempts.length, 1);
      await runFor(clock, notifier, 3 * MIN - 1);
      assert.equal(first.receiver.received.length, 1);
      await runFor(clock, notifier, 1);
      assert.equal(first.receiver.received.length, 2);
      assert.equal(first.receiver.received[1]?.at, t0.getTime() + 4 * MIN);
      assert.equal(first.receiver.received[1]?.params.notify_id, first.receiver.received[0]?.params.notify_id);
      assert.equal(notifier.task(before!.id)?.state, 'delivered');
      assert.equal(notifier.task(before!.id)?.attempts.length, 2);
    } finally {
      await shutdown(second, first.receiver);
    }

    // A third start long after: the delivered task stays delivered; nothing is sent.
    const third = await createSandbox({ clock: new ManualClock(new Date(t0.getTime() + 30 * HOUR)), stateDir: dir });
    try {
      await settle(third.ctx.clock as ManualClock, third.ctx.notifier!);
      assert.equal(third.ctx.notifier!.tasks()[0]?.state, 'delivered');
      assert.equal(first.receiver.received.length, 2);
    } finally {
      third.ctx.notifier?.stop();
      await third.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a restart after the planned time has passed sends at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zfb-notify-'));
  try {
    const t0 = new Date('2026-11-21T02:00:00Z');
    const first = await paidTrade(1, { stateDir: dir, clock: new ManualClock(t0) });
    await settle(first.clock, first.sandbox.ctx.notifier!);
    first.sandbox.ctx.notifier!.stop();
    await first.sandbox.close();
    const clock = new ManualClock(new Date(t0.getTime() + 2 * HOUR));
    const second = await createSandbox({ clock, stateDir: dir });
    first.receiver.clock = clock;
    try {
      await settle(clock, second.ctx.notifier!);
      assert.equal(first.receiver.received.length, 2);
      assert.equal(first.receiver.received[1]?.at, t0.getTime() + 2 * HOUR);
      assert.equal(second.ctx.notifier!.tasks()[0]?.state, 'delivered');
    } finally {
      await shutdown(second, first.receiver);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
