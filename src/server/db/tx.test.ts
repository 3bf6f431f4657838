import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { withTransaction, isRetryableTransactionError } from './tx.js';
import { BACKENDS, openTestDatabase, type TestDatabase } from './testing.js';

test('40001 and 40P01 are retryable; other errors are not', () => {
  assert.equal(isRetryableTransactionError({ code: '40001' }), true);
  assert.equal(isRetryableTransactionError({ code: '40P01' }), true);
  assert.equal(isRetryableTransactionError({ code: '23505' }), false);
  assert.equal(isRetryableTransactionError(new Error('x')), false);
  assert.equal(isRetryableTransactionError(null), false);
});

for (const kind of BACKENDS) {
  describe(`withTransaction on ${kind}`, () => {
    let db: TestDatabase;
    const table = `tx_${randomBytes(4).toString('hex')}`;
    before(async () => {
      db = await openTestDatabase(kind);
      await db.pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
    });
    after(() => db?.close());

    const rows = async () => (await db.pool.query(`SELECT id, v FROM ${table} ORDER BY id`)).rows;
    const idle = () => assert.equal(db.pool.totalCount - db.pool.idleCount, 0, 'every connection went back to the pool');

    test('commits what fn did and returns its value', async () => {
      const out = await withTransaction(db.pool, async (c) => {
        await c.query(`INSERT INTO ${table} VALUES (1, 'a')`);
        return 'value';
      });
      assert.equal(out, 'value');
      assert.deepEqual(await rows(), [{ id: 1, v: 'a' }]);
      idle();
    });

    test('rolls back everything when fn throws, and rethrows', async () => {
      const boom = new Error('boom');
      await assert.rejects(
        withTransaction(db.pool, async (c) => {
          await c.query(`INSERT INTO ${table} VALUES (2, 'b')`);
          await c.query(`UPDATE ${table} SET v = 'changed' WHERE id = 1`);
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.deepEqual(await rows(), [{ id: 1, v: 'a' }]);
      idle();
    });

    test('a failed statement that fn swallowed still fails the transaction at COMMIT', async () => {
      await assert.rejects(
        withTransaction(db.pool, async (c) => {
          await c.query(`INSERT INTO ${table} VALUES (3, 'c')`);
          await c.query(`INSERT INTO ${table} VALUES (1, 'duplicate')`).catch(() => {});
        }),
        /rolled back at COMMIT/,
      );
      assert.deepEqual(await rows(), [{ id: 1, v: 'a' }]);
      idle();
    });

    test('runs fn again after a serialization failure, at most `retries` more times', async () => {
      let calls = 0;
      await withTransaction(db.pool, async (c) => {
        calls++;
        await c.query(`INSERT INTO ${table} VALUES (10, 'retried')`);
        if (calls < 3) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      });
      assert.equal(calls, 3);
      assert.deepEqual((await rows()).filter((r) => r.id === 10), [{ id: 10, v: 'retried' }]);

      calls = 0;
      await assert.rejects(
        withTransaction(
          db.pool,
          async () => {
            calls++;
            throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
          },
          { retries: 2 },
        ),
        { code: '40P01' },
      );
      assert.equal(calls, 3);
      idle();
    });

    test('isolation level is applied', async () => {
      const level = await withTransaction(
        db.pool,
        async (c) => (await c.query('SHOW transaction_isolation')).rows[0].transaction_isolation,
        { isolation: 'serializable' },
      );
      assert.equal(level, 'serializable');
    });
  });
}

describe('withTransaction on postgres under real contention', () => {
  test('a real deadlock: PostgreSQL aborts one side, which is retried and commits', async () => {
    const db = await openTestDatabase('postgres');
    try {
      await db.pool.query(`CREATE TABLE locks (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)`);
      await db.pool.query(`INSERT INTO locks (id) VALUES (1), (2)`);
      let both!: () => void;
      let arrived = 0;
      const barrier = new Promise<void>((r) => (both = r));
      const calls = { a: 0, b: 0 };
      const side = (who: 'a' | 'b', first: number, second: number) =>
        withTransaction(db.pool, async (c) => {
          calls[who]++;
          await c.query(`SET LOCAL deadlock_timeout = '100ms'`).catch(() => {});
          await c.query('UPDATE locks SET n = n + 1 WHERE id = $1', [first]);
          if (calls[who] === 1) {
            if (++arrived === 2) both();
            await barrier; // both hold their first row now
          }
          await c.query('UPDATE locks SET n = n + 1 WHERE id = $1', [second]);
        });
      await Promise.all([side('a', 1, 2), side('b', 2, 1)]);
      assert.equal(calls.a + calls.b, 3, 'exactly one side ran twice');
      const r = await db.pool.query('SELECT id, n FROM locks ORDER BY id');
      assert.deepEqual(r.rows, [
        { id: 1, n: 2 },
        { id: 2, n: 2 },
      ]);
    } finally {
      await db.close();
    }
  });

  test('serializable conflicts are retried until both commit', async () => {
    const db = await openTestDatabase('postgres');
    try {
      await db.pool.query(`CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)`);
      await db.pool.query(`INSERT INTO counter VALUES (1, 0)`);
      let calls = 0;
      const bump = () =>
        withTransaction(
          db.pool,
          async (c) => {
            calls++;
            const { rows } = await c.query('SELECT n FROM counter WHERE id = 1');
            await new Promise((r) => setTimeout(r, 20)); // let the others read the same value
            await c.query('UPDATE counter SET n = $1 WHERE id = 1', [rows[0].n + 1]);
          },
          { isolation: 'serializable', retries: 10 },
        );
      await Promise.all([bump(), bump(), bump()]);
      const { rows } = await db.pool.query('SELECT n FROM counter WHERE id = 1');
      assert.equal(rows[0].n, 3, 'no lost update');
      assert.ok(calls > 3, `conflicts happened and were retried (${calls} runs)`);
    } finally {
      await db.close();
    }
  });
});
