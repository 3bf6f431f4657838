/**
 * Opens the server's database. There is one code path, node-postgres (`pg`), whichever database
 * is behind it:
 *
 * - `databaseUrl` given: a plain `pg.Pool` on that PostgreSQL server (production, CI, several
 *   instances).
 * - otherwise: PGlite (PostgreSQL compiled to WebAssembly) keeps its files in `dataDir`, and
 *   `@electric-sql/pglite-socket` serves it on a private Unix socket (a folder only this user
 *   can enter; on Windows 127.0.0.1 with an OS-chosen port) to a `pg.Pool`.
 *
 * PGlite is ONE database session. pglite-socket multiplexes connections onto it and serialises
 * whole transactions: while one connection is inside BEGIN…COMMIT, every other connection waits.
 * Outside a transaction, though, its queue works per protocol message, so a query whose bytes
 * arrive in several socket reads (a large parameter) can have another connection's query run
 * between its Parse and its Bind: measured with 4 connections and a 2 MB bytea insert, the
 * insert was bound to the other connection's statement ("incorrect binary data format in bind
 * parameter 1"). More connections also buy no throughput (measured slower). So the PGlite pool is
 * exactly one connection (`poolMax` other than 1 is refused), and the rules of DESIGN.md
 * "Storage and jobs" apply everywhere, because they keep the same code correct on both databases:
 *   - never hold a transaction open across a network call (Alipay, a merchant webhook);
 *   - never, while holding a client (inside a transaction or not), wait on a query made through
 *     another pool connection: with one PGlite connection that waits forever. The pool's
 *     `connectionTimeoutMillis` turns such a mistake into an error instead of a hang.
 *
 * PGlite itself does not stop a second process from opening the same folder (two processes
 * writing it destroy the data), so the folder is locked first: see lock.ts.
 *
 * Every pool parses `int8` (bigint, bigserial, count(*)) to a JavaScript number and throws if a
 * value is beyond 2^53: money is at most 10^10 fen, ids never get near. `numeric` stays a string.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { StorageError } from './errors.js';
import { lockDataDir } from './lock.js';

export { LOCK_FILE_NAME } from './lock.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string (`DATABASE_URL`). When given, `dataDir` is ignored. */
  databaseUrl?: string;
  /** Where PGlite keeps its files when there is no `databaseUrl`. Default `./data/pglite`. */
  dataDir?: string;
  /** Pool size for PostgreSQL, default 10. PGlite's pool is always 1 (see the note at the top). */
  poolMax?: number;
  /** How long a query may wait for a free pool connection before failing. Default 30 s. */
  connectionTimeoutMillis?: number;
  /** Called when an idle pool connection fails (e.g. the server restarted). Default: stderr. */
  onPoolError?: (error: Error) => void;
}

export interface Database {
  readonly kind: DatabaseKind;
  readonly pool: pg.Pool;
  /** The absolute data folder, for PGlite. */
  readonly dataDir?: string;
  /** Ends the pool, and for PGlite stops the socket server, closes PGlite and drops the lock. */
  close(): Promise<void>;
}

const DEFAULT_DATA_DIR = './data/pglite';

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  return openPglite(resolve(options.dataDir ?? DEFAULT_DATA_DIR), options);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async function openPostgres(databaseUrl: string, options: OpenDatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 30_000,
    types: int8AsNumber,
  });
  pool.on('error', options.onPoolError ?? reportPoolError);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new StorageError(
      'ERR_DB_OPEN',
      `Could not connect to PostgreSQL at ${describeUrl(databaseUrl)}: ${messageOf(error)}.`,
      { cause: error },
    );
  }
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    pool,
    close: () => (closing ??= pool.end()),
  };
}

/** host:port/database, without user or password. */
function describeUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || '/'}`;
  } catch {
    return 'the server named in the database URL';
  }
}

// ---------------------------------------------------------------------------------------------
// PGlite behind pglite-socket

async function openPglite(dataDir: string, options: OpenDatabaseOptions): Promise<Database> {
  if (options.poolMax !== undefined && options.poolMax !== 1) {
    throw new StorageError(
      'ERR_DB_OPEN',
      `PGlite is served to exactly one pool connection (poolMax ${options.poolMax} was asked): more would ` +
        `interleave queries. Use PostgreSQL (databaseUrl) for a larger pool.`,
    );
  }
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new StorageError('ERR_DB_OPEN', `Could not create the PGlite data folder ${dataDir}: ${messageOf(error)}.`, {
      cause: error,
    });
  }
  const releaseLock = lockDataDir(dataDir);
  const cleanups: (() => Promise<void> | void)[] = [releaseLock];
  const cleanUp = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve().then(fn).catch(() => {});
    cleanups.length = 0;
  };

  try {
    // Loaded lazily: a server on PostgreSQL never pays for the WebAssembly module.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');

    let db: InstanceType<typeof PGlite>;
    try {
      db = await PGlite.create({ dataDir });
    } catch (error) {
      throw new StorageError(
        'ERR_DB_OPEN',
        `PGlite could not open the data folder ${dataDir} (${messageOf(error)}). If another program ` +
          `wrote to it, or an older PGlite created it, move it aside and start again.`,
        { cause: error },
      );
    }
    cleanups.push(() => db.close());

    // One for the pool, one of headroom: a dropped connection is counted until its socket closes.
    const maxConnections = 2;
    let server: InstanceType<typeof PGLiteSocketServer>;
    let clientConfig: { host: string; port: number };
    if (process.platform === 'win32') {
      server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
      await server.start();
      const [, port] = server.getServerConn().split(':');
      clientConfig = { host: '127.0.0.1', port: Number(port) };
    } else {
      // pg reaches a Unix socket as host = folder, port = N, file = `.s.PGSQL.N`.
      const socketDir = mkdtempSync(join(tmpdir(), 'zfb-pglite-'));
      socketDirs.add(socketDir);
      installExitHook();
      cleanups.push(() => {
        socketDirs.delete(socketDir);
        rmSync(socketDir, { recursive: true, force: true });
      });
      server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432'), maxConnections });
      await server.start();
      clientConfig = { host: socketDir, port: 5432 };
    }
    cleanups.push(() => server.stop());

    const pool = new pg.Pool({
      ...clientConfig,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 30_000,
      types: int8AsNumber,
    });
    pool.on('error', options.onPoolError ?? reportPoolError);
    cleanups.push(() => pool.end());
    await pool.query('SELECT 1');

    let closing: Promise<void> | undefined;
    return {
      kind: 'pglite',
      pool,
      dataDir,
      close: () => (closing ??= cleanUp()),
    };
  } catch (error) {
    await cleanUp();
    if (error instanceof StorageError) throw error;
    throw new StorageError('ERR_DB_OPEN', `Could not start PGlite on ${dataDir}: ${messageOf(error)}.`, {
      cause: error,
    });
  }
}

/** Socket folders of open databases: removed on close, or at the latest when the process exits. */
const socketDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of socketDirs) rmSync(dir, { recursive: true, force: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Shared bits

const INT8_OID = 20;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`bigint value ${text} is beyond JavaScript's safe integers; cast it to text in SQL`);
  }
  return value;
}

/** pg's type parsers, except int8 → number (checked). Per pool: the global parsers stay untouched. */
const int8AsNumber: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function reportPoolError(error: Error): void {
  console.error(`zfb: an idle database connection failed: ${error.message}`);
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e) => messageOf(e)).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
