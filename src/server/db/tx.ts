/**
 * Transactions. `withTransaction(pool, fn)` runs `fn` between BEGIN and COMMIT on one pooled
 * connection, rolls back if `fn` throws, and runs `fn` again (a few times, on a fresh
 * transaction) when PostgreSQL aborted it for a serialization failure (40001) or a deadlock
 * (40P01). So `fn` may run more than once: it must do nothing but database work through
 * `client` — no network calls (that is also the rule that keeps PGlite from stalling, see
 * connect.ts), no writes through `pool`, and no effects in memory that a retry would repeat.
 */
import type pg from 'pg';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default: the server's (read committed). */
  isolation?: IsolationLevel;
  /** How many times to run `fn` again after 40001/40P01. Default 3. */
  retries?: number;
}

/** SQLSTATEs after which the whole transaction may simply be tried again. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isRetryableTransactionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? 3;
  const begin = options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN';
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await fn(client);
      const commit = await client.query('COMMIT');
      // COMMIT of a transaction that already failed (fn caught a query error and went on) is
      // answered with ROLLBACK, not an error: nothing was written, so say so.
      if (commit.command === 'ROLLBACK') {
        throw new Error('the transaction was rolled back at COMMIT: a statement in it had failed');
      }
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable; drop it from the pool rather than hand it out again.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      if (attempt < retries && isRetryableTransactionError(error)) {
        await new Promise((r) => setTimeout(r, (attempt + 1) * (5 + Math.random() * 20)));
        continue;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
