import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LOCK_FILE_NAME, openDatabase } from './connect.js';
import { TEST_DATABASE_URL, openTestPostgres, pgliteTemplate } from './testing.js';

/** A data folder that already holds an empty cluster (a copy of the test template: fast). */
async function preparedDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'zfb-test-connect-'));
  cpSync(await pgliteTemplate(), dir, { recursive: true });
  return dir;
}

describe('openDatabase on PGlite', () => {
  test('a fresh folder: creates the cluster, locks it, serves it to pg on a private socket', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'zfb-test-connect-')), 'nested', 'pglite');
    try {
      const db = await openDatabase({ dataDir: dir });
      assert.equal(db.kind, 'pglite');
      assert.equal(db.dataDir, dir);
      assert.equal(db.pool.options.max, 1, 'one connection: PGlite is one session');
      await assert.rejects(openDatabase({ dataDir: join(dir, 'other'), poolMax: 2 }), {
        code: 'ERR_DB_OPEN',
        message: /exactly one pool connection/,
      });
      const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'));
      assert.equal(lock.pid, process.pid);
      await assert.rejects(openDatabase({ dataDir: dir }), {
        code: 'ERR_DB_DATA_DIR_LOCKED',
        message: /is already open in this process/,
      });
      const socketDir = db.pool.options.host as string;
      if (process.platform !== 'win32') {
        assert.ok(existsSync(join(socketDir, '.s.PGSQL.5432')), 'served on a Unix socket');
        assert.equal(statSync(socketDir).mode & 0o077, 0, 'in a folder only this user can enter');
      }
      await db.pool.query('CREATE TABLE kept (id bigint PRIMARY KEY, note text)');
      await db.pool.query(`INSERT INTO kept VALUES (9007199254740991, 'max safe')`);
      const r = await db.pool.query('SELECT id, note FROM kept');
      assert.deepEqual(r.rows, [{ id: 9007199254740991, note: 'max safe' }]);
      await assert.rejects(db.pool.query('SELECT 9007199254740993::int8 AS big'), RangeError);
      await db.close();
      await db.close(); // twice is fine
      assert.equal(existsSync(join(dir, LOCK_FILE_NAME)), false, 'lock released');
      if (process.platform !== 'win32') assert.equal(existsSync(socketDir), false, 'socket folder removed');

    } finally {
      rmSync(join(dir, '..', '..'), { recursive: true, force: true });
    }
  });

  test('a folder held by another process is refused; after that process is killed it opens, data intact; transactions serialise across connections', async () => {
    const dir = await preparedDir();
    const connectUrl = new URL('./connect.ts', import.meta.url).href;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { openDatabase } = await import(${JSON.stringify(connectUrl)});
         const db = await openDatabase({ dataDir: ${JSON.stringify(dir)} });
         await db.pool.query('CREATE TABLE survivor (v text)');
         await db.pool.query("INSERT INTO survivor VALUES ('committed before the crash')");
         process.stdout.write('ready ' + db.pool.options.host + '\\n');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let childSocketDir: string | undefined;
    child.stderr.on('data', (d) => (stderr += d));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          const ready = /ready (\S+)/.exec(String(d));
          if (ready) {
            childSocketDir = ready[1];
            resolve();
          }
        });
        child.on('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
      });
      await assert.rejects(openDatabase({ dataDir: dir }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_DB_DATA_DIR_LOCKED');
        assert.match(error.message, new RegExp(`is in use by process ${child.pid} on `));
        assert.match(error.message, /If no such process is running, delete .*zfb\.lock/);
        return true;
      });
      // A crash: no cleanup runs, the lock file stays behind.
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      assert.ok(existsSync(join(dir, LOCK_FILE_NAME)), 'the dead process left its lock');
      const db = await openDatabase({ dataDir: dir, connectionTimeoutMillis: 300 });
      try {
        const r = await db.pool.query('SELECT v FROM survivor');
        assert.deepEqual(r.rows, [{ v: 'committed before the crash' }]);

        // Why the pool is one connection: pglite-socket serialises whole transactions, so a second
        // connection waits while the first is inside BEGIN…COMMIT (and would wait forever if the
        // first waited on it).
        const a = await db.pool.connect();
        const b = new pg.Client({ host: db.pool.options.host, port: db.pool.options.port, user: 'postgres', database: 'postgres' });
        await b.connect();
        try {
          await a.query('BEGIN');
          await a.query("INSERT INTO survivor VALUES ('second')");
          let seen: string | undefined;
          const other = b.query('SELECT count(*) AS n FROM survivor').then((res) => (seen = res.rows[0].n));
          await new Promise((r) => setTimeout(r, 100));
          assert.equal(seen, undefined, 'the other connection waits for the open transaction');
          await a.query('COMMIT');
          await other;
          assert.equal(seen, '2');
          // Holding the one pool connection and asking the pool for another fails, not hangs.
          await assert.rejects(db.pool.query('SELECT 1'), /timeout exceeded when trying to connect/);
        } finally {
          a.release();
          await b.end();
        }
      } finally {
        await db.close();
      }
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      // A killed process cannot clean up its socket folder.
      if (childSocketDir?.includes('zfb-pglite-')) rmSync(childSocketDir, { recursive: true, force: true });
    }
  });
});

describe('openDatabase on PostgreSQL', () => {
  test('connects, parses int8 to numbers, and refuses unsafe ones', async () => {
    const db = await openTestPostgres();
    try {
      assert.equal(db.kind, 'postgres');
      assert.equal(db.pool.options.max, 10);
      const r = await db.pool.query('SELECT 10000000000::int8 AS fen, count(*) AS n, 1.50::numeric AS d FROM (VALUES (1)) v');
      assert.deepEqual(r.rows[0], { fen: 10_000_000_000, n: 1, d: '1.50' });
      await assert.rejects(db.pool.query('SELECT 9007199254740993::int8 AS big'), RangeError);
      assert.match((await db.pool.query('SHOW search_path')).rows[0].search_path, new RegExp(db.schema!));
    } finally {
      await db.close();
    }
  });

  test('an unreachable server fails at open with a sentence naming it, without the password', async () => {
    await assert.rejects(openDatabase({ databaseUrl: 'postgres://zfb:s3cret@127.0.0.1:1/payments', connectionTimeoutMillis: 2000 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_DB_OPEN');
      assert.match(error.message, /^Could not connect to PostgreSQL at 127\.0\.0\.1:1\/payments: .*ECONNREFUSED/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });

  test('the test database is reachable', async () => {
    // The other suites would fail anyway; this names the cause in one line.
    const db = await openDatabase({ databaseUrl: TEST_DATABASE_URL }).catch((e: Error) => {
      throw new Error(`PostgreSQL for the tests (${TEST_DATABASE_URL}) is unreachable: ${e.message}`);
    });
    await db.close();
  });
});
