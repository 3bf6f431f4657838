/**
 * Applies the migrations of migrations/index.ts that the database does not have yet.
 *
 * - The applied ones are recorded in `schema_migrations` (id, name, checksum of the SQL,
 *   applied_at), in the schema that `search_path` selects, like every other table.
 * - Each migration runs in its own transaction together with its `schema_migrations` row, so it
 *   is applied entirely or not at all.
 * - Safe when several server processes start at once on one PostgreSQL: each migration's
 *   transaction first takes a transaction-scoped advisory lock (`pg_advisory_xact_lock`), then
 *   looks again whether the migration is still missing. A process that waited finds it applied and
 *   moves on. Nothing is held between transactions, so a crash leaves no lock behind.
 * - When nothing is pending (every start but the first), it reads `schema_migrations` once and
 *   takes no lock.
 * - It refuses to go on if an applied migration's SQL differs from this build's (someone edited a
 *   released migration) or if the database has a migration this build does not know (a newer
 *   zfb migrated it).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { StorageError } from './errors.js';
import { migrations as builtIn, type Migration } from './migrations/index.js';
import { withTransaction } from './tx.js';

export type { Migration } from './migrations/index.js';

/** 'zfbmigra' in ASCII: one number for every zfb process on the database. */
const MIGRATION_LOCK_KEY = '8819845142311039585';

export interface MigrateOptions {
  /** Default: this build's migrations. */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  /** The migrations this call applied, as `NNN_name`. Empty when the schema was current. */
  applied: string[];
  /** The highest migration id now applied. */
  version: number;
}

interface AppliedRow {
  id: number;
  name: string;
  checksum: string;
}

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    id         integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

export function migrationLabel(m: Pick<Migration, 'id' | 'name'>): string {
  return `${String(m.id).padStart(3, '0')}_${m.name}`;
}

export function checksumOf(m: Pick<Migration, 'sql'>): string {
  return createHash('sha256').update(m.sql, 'utf8').digest('hex');
}

export async function migrate(pool: pg.Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const list = options.migrations ?? builtIn;
  checkList(list);

  const before = await readApplied(pool);
  verify(list, before);
  const pending = list.filter((m) => !before.has(m.id));
  const applied: string[] = [];

  for (const m of pending) {
    const did = await withTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      await client.query(CREATE_TABLE);
      const now = await client.query<AppliedRow>('SELECT id, name, checksum FROM schema_migrations');
      const current = new Map(now.rows.map((r) => [r.id, r]));
      verify(list, current);
      if (current.has(m.id)) return false; // another process applied it while we waited
      try {
        await client.query(m.sql);
      } catch (error) {
        throw new StorageError(
          'ERR_DB_MIGRATION',
          `Migration ${migrationLabel(m)} failed: ${error instanceof Error ? error.message : String(error)}.`,
          { cause: error },
        );
      }
      await client.query('INSERT INTO schema_migrations (id, name, checksum) VALUES ($1, $2, $3)', [
        m.id,
        m.name,
        checksumOf(m),
      ]);
      return true;
    });
    if (did) applied.push(migrationLabel(m));
  }

  return { applied, version: list.length === 0 ? 0 : Math.max(...list.map((m) => m.id)) };
}

/** The applied migrations, or none when `schema_migrations` does not exist yet. */
export async function readApplied(pool: pg.Pool | pg.PoolClient): Promise<Map<number, AppliedRow>> {
  const exists = await pool.query<{ present: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return new Map();
  const rows = await pool.query<AppliedRow>('SELECT id, name, checksum FROM schema_migrations ORDER BY id');
  return new Map(rows.rows.map((r) => [r.id, r]));
}

function checkList(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.id !== i + 1) {
      throw new StorageError('ERR_DB_MIGRATION', `Migrations must be numbered 1, 2, 3… in order; entry ${i + 1} has id ${m.id}.`);
    }
    if (!/^[a-z0-9_]+$/.test(m.name)) {
      throw new StorageError('ERR_DB_MIGRATION', `Migration ${m.id} has a name that is not snake_case: ${JSON.stringify(m.name)}.`);
    }
  });
}

function verify(list: readonly Migration[], applied: Map<number, AppliedRow>): void {
  const known = new Map(list.map((m) => [m.id, m]));
  for (const row of applied.values()) {
    const m = known.get(row.id);
    if (!m) {
      throw new StorageError(
        'ERR_DB_MIGRATION',
        `The database has migration ${migrationLabel(row)}, which this build does not know: a newer zfb ` +
          `migrated it. Run that version (or newer), or restore a backup taken before it.`,
      );
    }
    if (row.checksum !== checksumOf(m)) {
      throw new StorageError(
        'ERR_DB_MIGRATION',
        `Migration ${migrationLabel(m)} differs from the one applied to this database: released migrations ` +
          `must never be edited. Restore its original text and add a new migration instead.`,
      );
    }
  }
}
