/**
 * Databases for tests, on both backends the server supports.
 *
 * - PostgreSQL: `ZFB_TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test. Each
 *   test database is a fresh schema `zfb_test_<random>` selected through the connection's
 *   `search_path`, dropped on close. If PostgreSQL cannot be reached the helper throws with a
 *   sentence saying so: the storage suites are meant to run on it (CI has it).
 * - PGlite: a fresh folder from mkdtemp, removed on close. Creating a PGlite cluster (initdb) takes
 *   5–15 s on this machine, so the folder starts as a copy of an empty cluster made once and kept
 *   in the OS temp folder under PGlite's version (an untouched initdb result; no migration in it).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database, type DatabaseKind, type OpenDatabaseOptions } from './connect.js';

export const TEST_DATABASE_URL = process.env.ZFB_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends Database {
  /** Opens one more pool on the same data: for PostgreSQL a second "instance" on the same schema. */
  openAnother(options?: Pick<OpenDatabaseOptions, 'poolMax'>): Promise<Database>;
  /** PostgreSQL: the schema all tables live in. */
  readonly schema?: string;
}

export const BACKENDS: readonly DatabaseKind[] = ['pglite', 'postgres'];

/** `poolMax` applies to PostgreSQL; PGlite's pool is always one connection. */
export function openTestDatabase(kind: DatabaseKind, options: Pick<OpenDatabaseOptions, 'poolMax'> = {}): Promise<TestDatabase> {
  return kind === 'pglite' ? openTestPglite() : openTestPostgres(options);
}

// ---------------------------------------------------------------------------------------------

/** A connection string that puts `schema` first on the search_path. */
export function urlWithSchema(url: string, schema: string): string {
  const option = `options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return url.includes('?') ? `${url}&${option}` : `${url}?${option}`;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${TEST_DATABASE_URL.replace(/\/\/[^@/]*@/, '//…@')} ` +
        `(${error instanceof Error ? error.message || error.name : String(error)}): the storage tests need a real ` +
        `PostgreSQL — start it, or point ZFB_TEST_DATABASE_URL at one.`,
      { cause: error },
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function openTestPostgres(options: Pick<OpenDatabaseOptions, 'poolMax'> = {}): Promise<TestDatabase> {
  const schema = `zfb_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const url = urlWithSchema(TEST_DATABASE_URL, schema);
  const db = await openDatabase({ databaseUrl: url, ...options });
  const others: Database[] = [];
  let closing: Promise<void> | undefined;
  return {
    ...db,
    schema,
    openAnother: async (more = {}) => {
      const other = await openDatabase({ databaseUrl: url, ...more });
      others.push(other);
      return other;
    },
    close: () =>
      (closing ??= (async () => {
        await Promise.all([db, ...others].map((d) => d.close()));
        await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      })()),
  };
}

// ---------------------------------------------------------------------------------------------

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@electric-sql/pglite'); // …/pglite/dist/index.cjs
  const pkg = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The folder of an initialised, empty PGlite cluster, made on first use. */
export async function pgliteTemplate(): Promise<string> {
  const template = join(tmpdir(), `zfb-pglite-template-${pgliteVersion()}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const building = `${template}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir: building });
  await db.close();
  try {
    renameSync(building, template); // atomic: a concurrent builder either wins or loses whole
  } catch {
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(join(template, 'PG_VERSION'))) throw new Error(`could not create the PGlite template ${template}`);
  }
  return template;
}

export async function openTestPglite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'zfb-test-pglite-'));
  cpSync(await pgliteTemplate(), dir, { recursive: true });
  const db = await openDatabase({ dataDir: dir });
  let closing: Promise<void> | undefined;
  return {
    ...db,
    openAnother: async () => {
      throw new Error('PGlite is one process’s database: a second pool on it is not a second instance');
    },
    close: () =>
      (closing ??= (async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}
