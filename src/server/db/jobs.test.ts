import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { migrate } from './migrate.js';
import { withTransaction } from './tx.js';
import {
  JobRunner,
  PermanentJobError,
  claim,
  complete,
  enqueue,
  fail,
  getJob,
  reschedule,
  type Job,
} from './jobs.js';
import { BACKENDS, openTestDatabase, type TestDatabase } from './testing.js';
import { insertOrder } from '../orders/repo.js';

const T0 = new Date('2026-11-21T02:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
/** A kind of its own per test, so tests sharing one database never claim each other's jobs. */
const freshKind = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

class TestClock {
  constructor(public ms = 0) {}
  now = () => at(this.ms);
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const kind of BACKENDS) {
  describe(`jobs on ${kind}`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await openTestDatabase(kind);
      await migrate(db.pool);
    });
    after(() => db?.close());

    test('claim, complete: one worker at a time, done once', async () => {
      const k = freshKind('basic');
      const { id, created } = await enqueue(db.pool, { kind: k, payload: { orderId: 'ord_1', list: [1, 2] }, runAt: T0 });
      assert.equal(created, true);
      assert.deepEqual(await claim(db.pool, { workerId: 'w1', kinds: [k], lockMs: 1000, now: at(-1) }), [], 'not due yet');
      const [job, ...rest] = await claim(db.pool, { workerId: 'w1', kinds: [k], lockMs: 1000, limit: 5, now: T0 });
      assert.equal(rest.length, 0);
      assert.equal(job?.id, id);
      assert.deepEqual(job?.payload, { orderId: 'ord_1', list: [1, 2] });
      assert.equal(job?.attempts, 1);
      assert.equal(job?.lockedBy, 'w1');
      assert.deepEqual(job?.lockedUntil, at(1000));
      assert.deepEqual(await claim(db.pool, { workerId: 'w2', kinds: [k], lockMs: 1000, now: at(10) }), [], 'leased');
      assert.equal(await complete(db.pool, id, 'w2'), false, 'not the holder');
      assert.equal(await complete(db.pool, id, 'w1', { now: at(20) }), true);
      assert.equal(await complete(db.pool, id, 'w1'), false, 'already done');
      assert.deepEqual((await getJob(db.pool, id))?.doneAt, at(20));
      assert.deepEqual(await claim(db.pool, { workerId: 'w2', kinds: [k], lockMs: 1000, now: at(5000) }), [], 'done for good');
    });

    test('claim takes the oldest due jobs first, up to the limit, only of the given kinds', async () => {
      const k = freshKind('order');
      const other = freshKind('other');
      const ids = [];
      for (const ms of [300, 100, 200]) ids.push((await enqueue(db.pool, { kind: k, runAt: at(ms) })).id);
      await enqueue(db.pool, { kind: other, runAt: at(0) });
      const jobs = await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, limit: 2, now: at(1000) });
      assert.deepEqual(jobs.map((j) => j.id), [ids[1], ids[2]]);
    });

    test('fail retries later with backoff, then gives up after max attempts', async () => {
      const k = freshKind('flaky');
      const { id } = await enqueue(db.pool, { kind: k, runAt: T0, maxAttempts: 2 });
      let [job] = await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: T0 });
      assert.equal(await fail(db.pool, id, 'w', new Error('gateway said 20000'), at(5000)), 'retrying');
      const failed = await getJob(db.pool, id);
      assert.equal(failed?.lastError, 'Error: gateway said 20000');
      assert.equal(failed?.lockedBy, null);
      assert.deepEqual(await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(4999) }), []);
      [job] = await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(5000) });
      assert.equal(job?.attempts, 2);
      // default retry time: now + backoff, from the clock given
      assert.equal(await fail(db.pool, id, 'w', 'again', undefined, { now: at(6000) }), 'failed');
      const dead = await getJob(db.pool, id);
      assert.deepEqual(dead?.failedAt, at(6000));
      assert.deepEqual(await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(10_000_000) }), []);
      assert.equal(await fail(db.pool, id, 'w', 'late'), 'lost');

      const { id: id2 } = await enqueue(db.pool, { kind: k, runAt: T0 });
      await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: T0 });
      assert.equal(await fail(db.pool, id2, 'w', 'x', undefined, { now: T0 }), 'retrying');
      assert.deepEqual((await getJob(db.pool, id2))?.runAt, at(2000), 'first retry after 2 s');
      await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(2000) });
      assert.equal(await fail(db.pool, id2, 'w', 'bad payload', undefined, { giveUp: true }), 'failed');
    });

    test('a crashed worker’s job is claimed again once its lease expires', async () => {
      const k = freshKind('crash');
      const { id } = await enqueue(db.pool, { kind: k, runAt: T0 });
      const [job] = await claim(db.pool, { workerId: 'dead', kinds: [k], lockMs: 30_000, now: T0 });
      assert.equal(job?.id, id);
      // … worker "dead" never completes.
      assert.deepEqual(await claim(db.pool, { workerId: 'alive', kinds: [k], lockMs: 30_000, now: at(29_999) }), []);
      const [again] = await claim(db.pool, { workerId: 'alive', kinds: [k], lockMs: 30_000, now: at(30_000) });
      assert.equal(again?.id, id);
      assert.equal(again?.attempts, 2);
      assert.equal(await complete(db.pool, id, 'dead'), false, 'the dead worker lost it');
      assert.equal(await complete(db.pool, id, 'alive'), true);
    });

    test('a worker that dies on the last attempt: the job is failed, not run once more', async () => {
      const k = freshKind('last');
      const { id } = await enqueue(db.pool, { kind: k, runAt: T0, maxAttempts: 1 });
      await claim(db.pool, { workerId: 'dead', kinds: [k], lockMs: 1000, now: T0 });
      assert.deepEqual(await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(2000) }), []);
      const job = await getJob(db.pool, id);
      assert.deepEqual(job?.failedAt, at(2000));
      assert.match(job?.lastError ?? '', /lease of its last attempt expired/);
    });

    test('a job that gives up raises one job_failed alert for a person, naming its order; retries raise none', async () => {
      const order = await insertOrder(db.pool, { appId: 'app', outTradeNo: `OUT${randomBytes(4).toString('hex')}`, amountFen: 100, subject: 's', expiresAt: at(60_000), now: T0 });
      const alertsFor = async (jobId: number) =>
        (await db.pool.query(`SELECT kind, order_id, refund_id, detail, created_at FROM alerts WHERE kind = 'job_failed' AND (detail->>'job_id')::bigint = $1`, [jobId])).rows;
      // gives up through fail(): attempts used up
      const k = freshKind('gives-up');
      const { id } = await enqueue(db.pool, { kind: k, runAt: T0, maxAttempts: 2, payload: { orderId: order.id } });
      await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: T0 });
      assert.equal(await fail(db.pool, id, 'w', new Error('gateway hung'), at(1000)), 'retrying');
      assert.deepEqual(await alertsFor(id), [], 'a retry is not an alert');
      await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(1000) });
      assert.equal(await fail(db.pool, id, 'w', new Error('gateway hung again'), undefined, { now: at(2000) }), 'failed');
      const [alert, ...more] = await alertsFor(id);
      assert.equal(more.length, 0);
      assert.equal(alert.order_id, order.id);
      assert.equal(alert.refund_id, null);
      assert.deepEqual(alert.created_at, at(2000));
      assert.equal(alert.detail.job_kind, k);
      assert.equal(alert.detail.attempts, 2);
      assert.match(alert.detail.last_error, /gateway hung again/);
      // gives up in claim(): the worker died on the last attempt; a payload naming no existing row
      const { id: id2 } = await enqueue(db.pool, { kind: k, runAt: T0, maxAttempts: 1, payload: { orderId: 'ord_gone', refundId: 'rf_gone' } });
      await claim(db.pool, { workerId: 'dead', kinds: [k], lockMs: 1000, now: T0 });
      await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(5000) });
      const [alert2] = await alertsFor(id2);
      assert.equal(alert2?.order_id, null);
      assert.deepEqual(alert2?.detail.payload, { orderId: 'ord_gone', refundId: 'rf_gone' });
      assert.match(alert2?.detail.last_error, /lease of its last attempt expired/);
      // a job that completes raises nothing
      const { id: id3 } = await enqueue(db.pool, { kind: k, runAt: T0 });
      await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(6000) });
      assert.equal(await complete(db.pool, id3, 'w'), true);
      assert.deepEqual(await alertsFor(id3), []);
    });

    test('reschedule: the same job runs again later with a fresh attempt count and new payload', async () => {
      const k = freshKind('poll');
      const { id } = await enqueue(db.pool, { kind: k, runAt: T0, payload: { polls: 0 } });
      await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: T0 });
      assert.equal(await reschedule(db.pool, id, 'w', at(5000), { payload: { polls: 1 } }), true);
      assert.deepEqual(await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(4000) }), []);
      const [job] = await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: at(5000) });
      assert.deepEqual(job?.payload, { polls: 1 });
      assert.equal(job?.attempts, 1);
      assert.equal(await reschedule(db.pool, id, 'other', at(9000)), false);
    });

    test('unique_key: one job per key, even after it finished', async () => {
      const k = freshKind('unique');
      const key = `barcode-poll:${k}`;
      const a = await enqueue(db.pool, { kind: k, uniqueKey: key, runAt: T0 });
      const b = await enqueue(db.pool, { kind: k, uniqueKey: key, runAt: T0, payload: { ignored: true } });
      assert.deepEqual(b, { id: a.id, created: false });
      await claim(db.pool, { workerId: 'w', kinds: [k], lockMs: 1000, now: T0 });
      await complete(db.pool, a.id, 'w');
      assert.deepEqual(await enqueue(db.pool, { kind: k, uniqueKey: key }), { id: a.id, created: false });
      const count = await db.pool.query('SELECT count(*) AS n FROM jobs WHERE kind = $1', [k]);
      assert.equal(count.rows[0].n, 1);
    });

    test('enqueue inside a transaction: the job exists only if the transaction commits', async () => {
      const k = freshKind('outbox');
      await assert.rejects(
        withTransaction(db.pool, async (client) => {
          await enqueue(client, { kind: k, payload: { n: 1 } });
          throw new Error('state change failed');
        }),
        /state change failed/,
      );
      await withTransaction(db.pool, async (client) => {
        await enqueue(client, { kind: k, payload: { n: 2 } });
      });
      const rows = await db.pool.query(`SELECT payload FROM jobs WHERE kind = $1`, [k]);
      assert.deepEqual(rows.rows.map((r) => r.payload), [{ n: 2 }]);
    });

    test('JobRunner: completes, reschedules, retries with backoff, gives up on permanent errors', async () => {
      const clock = new TestClock();
      const [ok, poll, flaky, broken] = ['ok', 'poll', 'flaky', 'broken'].map(freshKind) as [string, string, string, string];
      const seen: string[] = [];
      const errors: unknown[] = [];
      let flakyCalls = 0;
      const runner = new JobRunner(db.pool, {
        workerId: 'runner-1',
        clock,
        pollMs: 5,
        lockMs: 60_000,
        concurrency: 2,
        onError: (e) => errors.push(e),
        handlers: {
          [ok]: async (job) => {
            seen.push(`ok:${(job.payload as { n: number }).n}`);
          },
          [poll]: async (job, ctx) => {
            const polls = (job.payload as { polls: number }).polls;
            seen.push(`poll:${polls}`);
            if (polls < 2) return { rescheduleAt: new Date(ctx.now().getTime() + 3000), payload: { polls: polls + 1 } };
          },
          [flaky]: async () => {
            flakyCalls++;
            if (flakyCalls === 1) throw new Error('timeout talking to Alipay');
            seen.push('flaky:done');
          },
          [broken]: async () => {
            throw new PermanentJobError('payload names no order');
          },
        },
      });
      const okJob = await enqueue(db.pool, { kind: ok, runAt: T0, payload: { n: 1 } });
      const pollJob = await enqueue(db.pool, { kind: poll, runAt: T0, payload: { polls: 0 } });
      const flakyJob = await enqueue(db.pool, { kind: flaky, runAt: T0 });
      const brokenJob = await enqueue(db.pool, { kind: broken, runAt: T0 });
      runner.start();
      try {
        await until(async () => (await getJob(db.pool, okJob.id))?.doneAt != null, 'ok is done');
        await until(async () => (await getJob(db.pool, brokenJob.id))?.failedAt != null, 'broken failed');
        await until(() => seen.includes('poll:0') && flakyCalls === 1, 'first runs');
        // Time moves only when the test says so.
        clock.ms = 2000; // flaky's first retry is due after 2 s
        runner.wake();
        await until(() => seen.includes('flaky:done'), 'flaky retried');
        clock.ms = 3000;
        runner.wake();
        await until(() => seen.includes('poll:1'), 'second poll');
        clock.ms = 6000;
        runner.wake();
        await until(async () => (await getJob(db.pool, pollJob.id))?.doneAt != null, 'poll done');
      } finally {
        await runner.stop();
      }
      assert.deepEqual(seen.filter((s) => s.startsWith('poll')), ['poll:0', 'poll:1', 'poll:2']);
      const f = await getJob(db.pool, flakyJob.id);
      assert.equal(f?.attempts, 2);
      assert.equal(f?.lastError, 'Error: timeout talking to Alipay');
      const b = await getJob(db.pool, brokenJob.id);
      assert.equal(b?.attempts, 1);
      assert.match(b?.lastError ?? '', /PermanentJobError: payload names no order/);
      assert.equal(errors.length, 2, 'the two handler errors were reported');
    });

    test('JobRunner.stop() waits for the handler in flight and records its result', async () => {
      const k = freshKind('slow');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let started = false;
      const runner = new JobRunner(db.pool, {
        pollMs: 5,
        handlers: {
          [k]: async (_job, ctx) => {
            started = true;
            await gate;
            assert.equal(ctx.signal.aborted, true, 'told to hurry');
          },
        },
      });
      const { id } = await enqueue(db.pool, { kind: k });
      runner.start();
      await until(() => started, 'handler started');
      let stopped = false;
      const stopping = runner.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(stopped, false, 'stop waits for the handler');
      release();
      await stopping;
      assert.notEqual((await getJob(db.pool, id))?.doneAt, null);
    });

    test('JobRunner picks up a job whose worker died, after the lease expires', async () => {
      const k = freshKind('orphan');
      const { id } = await enqueue(db.pool, { kind: k });
      const [taken] = await claim(db.pool, { workerId: 'crashed-process', kinds: [k], lockMs: 300 });
      assert.equal(taken?.id, id);
      const ran: Job[] = [];
      const runner = new JobRunner(db.pool, { pollMs: 20, handlers: { [k]: async (job) => void ran.push(job) } });
      runner.start();
      try {
        await until(() => ran.length === 1, 'the orphan ran');
      } finally {
        await runner.stop();
      }
      assert.equal(ran[0]?.attempts, 2);
      assert.notEqual((await getJob(db.pool, id))?.doneAt, null);
    });
  });
}

describe('jobs on postgres with two instances', () => {
  test('two runners on separate pools process 200 jobs, each exactly once', async () => {
    const a = await openTestDatabase('postgres');
    try {
      await migrate(a.pool);
      const b = await a.openAnother();
      const k = freshKind('bulk');
      const values = Array.from({ length: 200 }, (_, i) => `('${k}', '{"n": ${i}}'::jsonb)`).join(', ');
      const inserted = await a.pool.query<{ id: number }>(`INSERT INTO jobs (kind, payload) VALUES ${values} RETURNING id`);
      const calls = new Map<number, number>();
      const byRunner = { a: 0, b: 0 };
      const handler = (who: 'a' | 'b') => async (job: Job) => {
        calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
        byRunner[who]++;
        if (job.id % 7 === 0) await new Promise((r) => setTimeout(r, 1)); // vary the timing
      };
      const runners = [
        new JobRunner(a.pool, { workerId: 'instance-a', pollMs: 10, concurrency: 4, handlers: { [k]: handler('a') } }),
        new JobRunner(b.pool, { workerId: 'instance-b', pollMs: 10, concurrency: 4, handlers: { [k]: handler('b') } }),
      ];
      runners.forEach((r) => r.start());
      try {
        await until(async () => {
          const r = await a.pool.query('SELECT count(*) AS n FROM jobs WHERE kind = $1 AND done_at IS NOT NULL', [k]);
          return r.rows[0].n === 200;
        }, 'all 200 done', 15_000);
      } finally {
        await Promise.all(runners.map((r) => r.stop()));
      }
      assert.equal(calls.size, 200);
      for (const row of inserted.rows) assert.equal(calls.get(row.id), 1, `job ${row.id} ran ${calls.get(row.id)} times`);
      const attempts = await a.pool.query('SELECT max(attempts) AS m FROM jobs WHERE kind = $1', [k]);
      assert.equal(attempts.rows[0].m, 1);
      assert.equal(byRunner.a + byRunner.b, 200);
      assert.ok(byRunner.a > 0 && byRunner.b > 0, `both instances worked: ${JSON.stringify(byRunner)}`);
    } finally {
      await a.close();
    }
  });
});
