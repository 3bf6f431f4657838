import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { migrate, checksumOf, readApplied } from './migrate.js';
import { migrations } from './migrations/index.js';
import { BACKENDS, openTestDatabase, openTestPostgres, type TestDatabase } from './testing.js';

const ALL = migrations.map((m) => `${String(m.id).padStart(3, '0')}_${m.name}`);
const IDS = migrations.map((m) => m.id);
const NEXT = migrations.length + 1;

test('the migration list is numbered 1, 2, 3… and every file is named NNN_name', async () => {
  const { readdirSync } = await import('node:fs');
  const files = readdirSync(new URL('./migrations/', import.meta.url))
    .filter((f) => /^\d{3}_.+\.ts$/.test(f))
    .sort();
  assert.deepEqual(
    files,
    migrations.map((m) => `${String(m.id).padStart(3, '0')}_${m.name}.ts`),
  );
  migrations.forEach((m, i) => assert.equal(m.id, i + 1));
});

test('a list with a gap is refused before touching the database', async () => {
  const pool = { query: () => assert.fail('no query expected') } as never;
  await assert.rejects(migrate(pool, { migrations: [{ id: 2, name: 'x', sql: '' }] }), { code: 'ERR_DB_MIGRATION' });
});

for (const kind of BACKENDS) {
  describe(`migrations on ${kind}`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await openTestDatabase(kind);
    });
    after(() => db?.close());

    test('apply once, then a second run applies nothing', async () => {
      const first = await migrate(db.pool);
      assert.deepEqual(first.applied, ALL);
      assert.equal(first.version, migrations.length);
      const second = await migrate(db.pool);
      assert.deepEqual(second.applied, []);
      const applied = await readApplied(db.pool);
      assert.deepEqual([...applied.keys()], IDS);
      for (const m of migrations) assert.equal(applied.get(m.id)?.checksum, checksumOf(m));
      const tables = await db.pool.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
      );
      assert.deepEqual(
        tables.rows.map((r) => r.t),
        ['alerts', 'idempotency_keys', 'jobs', 'notifies', 'oauth_states', 'order_events', 'orders', 'payment_attempts', 'refunds', 'schema_migrations'],
      );
    });

    test('concurrent runs through one pool apply it once', async () => {
      const results = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)]);
      assert.deepEqual(results.map((r) => r.applied), [[], [], []]);
    });

    test('an edited released migration is refused', async () => {
      const edited = [{ ...migrations[0]!, sql: `${migrations[0]!.sql}\n-- edited` }];
      await assert.rejects(migrate(db.pool, { migrations: edited }), {
        code: 'ERR_DB_MIGRATION',
        message: /must never be edited/,
      });
    });

    test('a database migrated by a newer build is refused', async () => {
      await db.pool.query(`INSERT INTO schema_migrations (id, name, checksum) VALUES (99, 'future', 'x')`);
      try {
        await assert.rejects(migrate(db.pool), { code: 'ERR_DB_MIGRATION', message: /099_future.*newer zfb/ });
      } finally {
        await db.pool.query('DELETE FROM schema_migrations WHERE id = 99');
      }
    });

    test('a failing migration leaves nothing behind and is not recorded', async () => {
      const list = [
        ...migrations,
        { id: NEXT, name: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT 1 / 0;' },
      ];
      await assert.rejects(migrate(db.pool, { migrations: list }), {
        code: 'ERR_DB_MIGRATION',
        message: new RegExp(`${String(NEXT).padStart(3, '0')}_broken failed: division by zero`),
      });
      const t = await db.pool.query(`SELECT to_regclass('half_done') AS t`);
      assert.equal(t.rows[0].t, null);
      assert.deepEqual([...(await readApplied(db.pool)).keys()], IDS);
      // and a fixed version of it applies afterwards
      const fixed = [...migrations, { id: NEXT, name: 'fixed', sql: 'CREATE TABLE half_done (x int);' }];
      assert.deepEqual((await migrate(db.pool, { migrations: fixed })).applied, [`${String(NEXT).padStart(3, '0')}_fixed`]);
      await db.pool.query(`DROP TABLE half_done; DELETE FROM schema_migrations WHERE id = ${NEXT}`);
    });
  });
}

describe('migrations on postgres from two processes at once', () => {
  test('two pools (two server instances) starting together apply each migration once', async () => {
    const a = await openTestPostgres();
    try {
      const b = await a.openAnother();
      const c = await a.openAnother();
      const results = await Promise.all([migrate(a.pool), migrate(b.pool), migrate(c.pool), migrate(a.pool)]);
      const applied = results.flatMap((r) => r.applied);
      assert.deepEqual(applied, ALL);
      const rows = await a.pool.query('SELECT count(*) AS n FROM schema_migrations');
      assert.equal(Number(rows.rows[0].n), migrations.length);
    } finally {
      await a.close();
    }
  });
});
