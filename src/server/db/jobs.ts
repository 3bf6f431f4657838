/**
 * A small durable job queue on the `jobs` table: barcode polling and cancel, refund confirmation,
 * sweeping stale orders, reconciliation, merchant webhooks (the jobs table is also our outbox:
 * enqueue inside the transaction that changes the state, and the job exists if and only if the
 * change committed).
 *
 * Guarantee: AT LEAST ONCE. A job is handed to one worker at a time (claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease, `locked_until`). If that worker dies, or its handler
 * outlives the lease, the lease expires and another worker runs the job again — possibly after
 * the first one already did its side effect. So every handler must be idempotent: reuse the same
 * out_trade_no / out_request_no, re-read state and compare-and-set, dedupe webhook deliveries by
 * event id. A handler must also finish well inside `lockMs` (the runner renews the lease while a
 * handler runs, but a process that stalls cannot renew it).
 *
 * Time: every function takes an optional `now`. Without it the database clock decides (one time
 * source for every instance); with an injected clock (tests running Alipay's schedules in
 * seconds) pass `now` everywhere, and `runAt` to enqueue, so that both sides use the same clock.
 *
 * Lifecycle of a row: due (run_at ≤ now, no live lease) → claimed (attempts + 1, leased) →
 *   complete → done_at set;
 *   reschedule → run_at later, attempts back to 0, payload optionally replaced (polling);
 *   fail → run_at later by backoff, or failed_at set once attempts reach max_attempts (or the
 *          error is permanent);
 *   lease expired → due again; if that was its last attempt, claim marks it failed instead.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { StorageError } from './errors.js';

/** A pool, or a client inside the caller's transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface Job<P = unknown> {
  id: number;
  kind: string;
  payload: P;
  runAt: Date;
  /** Claims so far, this one included (reset to 0 by reschedule). */
  attempts: number;
  maxAttempts: number;
  lockedBy: string | null;
  lockedUntil: Date | null;
  lastError: string | null;
  doneAt: Date | null;
  failedAt: Date | null;
  uniqueKey: string | null;
  createdAt: Date;
}

export interface EnqueueOptions {
  kind: string;
  /** JSON; stored as jsonb. Default `{}`. */
  payload?: unknown;
  /** Not before this time. Default: now (database clock). */
  runAt?: Date;
  /** At most one job ever exists per key: a second enqueue returns the first job's id. */
  uniqueKey?: string;
  /** Default 25. */
  maxAttempts?: number;
}

const JOB_COLUMNS = `id, kind, payload, run_at, attempts, max_attempts, locked_by, locked_until,
  last_error, done_at, failed_at, unique_key, created_at`;

/**
 * Adds a job. Pass the client of an open transaction to make the job part of it (it then exists
 * only if that transaction commits). With a `uniqueKey` that is already taken nothing is added and
 * the existing job's id comes back with `created: false`.
 */
export async function enqueue(db: Queryable, options: EnqueueOptions): Promise<{ id: number; created: boolean }> {
  if (!options.kind) throw new StorageError('ERR_JOB', 'A job needs a kind.');
  if (options.maxAttempts !== undefined && !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) {
    throw new StorageError('ERR_JOB', `maxAttempts must be a whole number ≥ 1, got ${options.maxAttempts}.`);
  }
  const inserted = await db.query<{ id: string | number }>(
    `INSERT INTO jobs (kind, payload, run_at, unique_key, max_attempts)
     VALUES ($1, $2::jsonb, coalesce($3::timestamptz, now()), $4, coalesce($5::integer, 25))
     ON CONFLICT (unique_key) DO NOTHING
     RETURNING id`,
    [options.kind, JSON.stringify(options.payload ?? {}), options.runAt ?? null, options.uniqueKey ?? null, options.maxAttempts ?? null],
  );
  const row = inserted.rows[0];
  if (row) return { id: Number(row.id), created: true };
  const existing = await db.query<{ id: string | number }>('SELECT id FROM jobs WHERE unique_key = $1', [options.uniqueKey]);
  const found = existing.rows[0];
  if (!found) throw new StorageError('ERR_JOB', `The job with unique key ${options.uniqueKey} was not found after a conflict.`);
  return { id: Number(found.id), created: false };
}

export interface ClaimOptions {
  workerId: string;
  /** Only these kinds. Default: any kind. */
  kinds?: readonly string[];
  /** Length of the lease. */
  lockMs: number;
  /** At most this many jobs. Default 1. */
  limit?: number;
  now?: Date;
}

/**
 * Claims due jobs: not done, not failed, run_at ≤ now, no live lease, attempts left. Each claimed
 * row gets `locked_by = workerId`, `locked_until = now + lockMs` and `attempts + 1`. Rows another
 * worker is claiming at this moment are skipped, not waited for. Oldest run_at first.
 *
 * It also gives up on jobs whose last attempt's lease ran out (the worker died on its last
 * attempt): those get failed_at instead of running once more than allowed.
 */
export async function claim(db: Queryable, options: ClaimOptions): Promise<Job[]> {
  const limit = options.limit ?? 1;
  if (!(Number.isInteger(limit) && limit >= 1)) throw new StorageError('ERR_JOB', `limit must be a whole number ≥ 1, got ${limit}.`);
  if (!(options.lockMs > 0)) throw new StorageError('ERR_JOB', `lockMs must be positive, got ${options.lockMs}.`);
  const result = await db.query<JobRow>(
    `WITH clock AS (SELECT coalesce($4::timestamptz, now()) AS t),
     abandoned AS (
       UPDATE jobs
          SET failed_at = (SELECT t FROM clock), locked_by = NULL, locked_until = NULL,
              last_error = coalesce(last_error || E'\n', '') ||
                'gave up: the lease of its last attempt expired (the worker stopped or stalled)'
        WHERE done_at IS NULL AND failed_at IS NULL
          AND attempts >= max_attempts
          AND locked_until <= (SELECT t FROM clock)
          AND ($2::text[] IS NULL OR kind = ANY ($2::text[]))
     ),
     due AS (
       SELECT id FROM jobs
        WHERE done_at IS NULL AND failed_at IS NULL
          AND run_at <= (SELECT t FROM clock)
          AND (locked_until IS NULL OR locked_until <= (SELECT t FROM clock))
          AND attempts < max_attempts
          AND ($2::text[] IS NULL OR kind = ANY ($2::text[]))
        ORDER BY run_at, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs
        SET locked_by = $1,
            locked_until = (SELECT t FROM clock) + $5::double precision * interval '1 millisecond',
            attempts = jobs.attempts + 1
       FROM due
      WHERE jobs.id = due.id
     RETURNING ${JOB_COLUMNS.split(',').map((c) => `jobs.${c.trim()}`).join(', ')}`,
    [options.workerId, options.kinds ? [...options.kinds] : null, limit, options.now ?? null, options.lockMs],
  );
  return result.rows.map(toJob).sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || a.id - b.id);
}

/** Marks the job done. False if this worker no longer holds it (its lease expired and another took it). */
export async function complete(db: Queryable, id: number, workerId: string, options: { now?: Date } = {}): Promise<boolean> {
  const result = await db.query(
    `UPDATE jobs SET done_at = coalesce($3::timestamptz, now()), locked_by = NULL, locked_until = NULL
      WHERE id = $1 AND locked_by = $2 AND done_at IS NULL AND failed_at IS NULL`,
    [id, workerId, options.now ?? null],
  );
  return result.rowCount === 1;
}

export interface FailOptions {
  /** Give up now whatever attempts are left (a permanent error). */
  giveUp?: boolean;
  /** When no retryAt: retry this long after now. Default: backoff(attempts). */
  retryAfterMs?: number;
  now?: Date;
}

/** 2 s, 4 s, 8 s … doubling per attempt, at most an hour. */
export function defaultBackoffMs(attempts: number): number {
  return Math.min(3_600_000, 1000 * 2 ** Math.max(1, Math.min(attempts, 12)));
}

/**
 * Records a failed run and releases the job: it runs again at `retryAt` (default: now + backoff),
 * or is marked failed if it has used all its attempts or `giveUp` is set.
 * Returns 'retrying', 'failed', or 'lost' when this worker no longer held the job.
 */
export async function fail(
  db: Queryable,
  id: number,
  workerId: string,
  error: unknown,
  retryAt?: Date,
  options: FailOptions = {},
): Promise<'retrying' | 'failed' | 'lost'> {
  const result = await db.query<{ gave_up: boolean }>(
    `WITH clock AS (SELECT coalesce($5::timestamptz, now()) AS t)
     UPDATE jobs
        SET locked_by = NULL, locked_until = NULL, last_error = $3,
            failed_at = CASE WHEN $6::boolean OR attempts >= max_attempts THEN (SELECT t FROM clock) END,
            run_at = CASE WHEN $6::boolean OR attempts >= max_attempts THEN run_at
                          ELSE coalesce($4::timestamptz, (SELECT t FROM clock) +
                               coalesce($7::double precision,
                                        least(3600000, 1000 * power(2, greatest(1, least(attempts, 12)))))
                               * interval '1 millisecond') END
      WHERE id = $1 AND locked_by = $2 AND done_at IS NULL AND failed_at IS NULL
     RETURNING failed_at IS NOT NULL AS gave_up`,
    [id, workerId, describeError(error), retryAt ?? null, options.now ?? null, options.giveUp ?? false, options.retryAfterMs ?? null],
  );
  const row = result.rows[0];
  if (!row) return 'lost';
  return row.gave_up ? 'failed' : 'retrying';
}

/**
 * The run went well and the job wants to run again at `runAt` (polling: query Alipay again in
 * 5 s). Releases the lease, resets attempts to 0 and optionally replaces the payload (a poll
 * count, a deadline). False if this worker no longer held the job.
 */
export async function reschedule(
  db: Queryable,
  id: number,
  workerId: string,
  runAt: Date,
  options: { payload?: unknown } = {},
): Promise<boolean> {
  const result = await db.query(
    `UPDATE jobs SET run_at = $3, attempts = 0, locked_by = NULL, locked_until = NULL,
            payload = coalesce($4::jsonb, payload)
      WHERE id = $1 AND locked_by = $2 AND done_at IS NULL AND failed_at IS NULL`,
    [id, workerId, runAt, options.payload === undefined ? null : JSON.stringify(options.payload)],
  );
  return result.rowCount === 1;
}

/** Renews the leases of jobs this worker holds. Returns the ids it still holds. */
export async function extendLocks(
  db: Queryable,
  ids: readonly number[],
  workerId: string,
  lockMs: number,
  options: { now?: Date } = {},
): Promise<number[]> {
  if (ids.length === 0) return [];
  const result = await db.query<{ id: string | number }>(
    `UPDATE jobs SET locked_until = coalesce($4::timestamptz, now()) + $3::double precision * interval '1 millisecond'
      WHERE id = ANY ($1::bigint[]) AND locked_by = $2 AND done_at IS NULL AND failed_at IS NULL
     RETURNING id`,
    [[...ids], workerId, lockMs, options.now ?? null],
  );
  return result.rows.map((r) => Number(r.id));
}

// ---------------------------------------------------------------------------------------------
// The runner

/** Throw this from a handler to fail the job at once, without using the attempts left. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export interface JobContext {
  workerId: string;
  /** Aborted when the runner is stopping: finish or give up soon (the job may run again). */
  signal: AbortSignal;
  /** The runner's clock. */
  now(): Date;
}

/** Return this from a handler to run the same job again later instead of completing it. */
export interface RunAgain {
  rescheduleAt: Date;
  /** Replaces the payload for the next run. */
  payload?: unknown;
}

export type JobHandler = (job: Job, ctx: JobContext) => Promise<void | RunAgain>;

export interface JobRunnerOptions {
  /** Names this worker in `locked_by`. Default: host:pid:random. */
  workerId?: string;
  handlers: Record<string, JobHandler>;
  /** How often to look for due jobs when there were none. Default 1000 ms. */
  pollMs?: number;
  /** Lease length; renewed every lockMs/3 while a handler runs. Default 60 000 ms. */
  lockMs?: number;
  /** Handlers running at once. Default 1. */
  concurrency?: number;
  /** When given, every time the runner uses comes from it; otherwise the database's clock. */
  clock?: { now(): Date };
  /** Delay before retrying after the n-th failed attempt. Default defaultBackoffMs. */
  backoffMs?: (attempts: number) => number;
  /** Errors of handlers and of the queue itself. Default: one line on stderr. */
  onError?: (error: unknown, job?: Job) => void;
}

/**
 * Runs handlers for due jobs of the kinds it has handlers for, until stopped. Several runners
 * (in one process or many) share the table safely. A handler's job is completed when the handler
 * resolves, rescheduled when it returns `{ rescheduleAt }`, failed (and retried with backoff)
 * when it throws. Handlers may run again after a crash: see the top of this file.
 */
export class JobRunner {
  readonly workerId: string;
  readonly #pool: Queryable;
  readonly #handlers: Record<string, JobHandler>;
  readonly #kinds: string[];
  readonly #pollMs: number;
  readonly #lockMs: number;
  readonly #concurrency: number;
  readonly #clock: { now(): Date } | undefined;
  readonly #backoffMs: (attempts: number) => number;
  readonly #onError: (error: unknown, job?: Job) => void;
  readonly #inFlight = new Map<number, Promise<void>>();
  #running = false;
  #loop: Promise<void> | undefined;
  #abort = new AbortController();
  #wake: (() => void) | undefined;
  #wakePending = false;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(pool: Queryable, options: JobRunnerOptions) {
    this.#pool = pool;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#handlers = { ...options.handlers };
    this.#kinds = Object.keys(this.#handlers);
    this.#pollMs = options.pollMs ?? 1000;
    this.#lockMs = options.lockMs ?? 60_000;
    this.#concurrency = options.concurrency ?? 1;
    this.#clock = options.clock;
    this.#backoffMs = options.backoffMs ?? defaultBackoffMs;
    this.#onError =
      options.onError ??
      ((error, job) =>
        console.error(`zfb jobs: ${job ? `job ${job.id} (${job.kind}): ` : ''}${describeError(error)}`));
    if (!(this.#concurrency >= 1)) throw new StorageError('ERR_JOB', 'concurrency must be at least 1.');
    if (this.#kinds.length === 0) throw new StorageError('ERR_JOB', 'A JobRunner needs at least one handler.');
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#heartbeat = setInterval(() => void this.#renewLeases(), Math.max(10, this.#lockMs / 3));
    this.#heartbeat.unref();
    this.#loop = this.#runLoop();
  }

  /** Stops claiming, and resolves when the handlers in flight have finished. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#abort.abort();
    this.#signalWake();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight.values()]);
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  /** Look for due jobs now instead of at the next poll (e.g. right after enqueueing one). */
  wake(): void {
    this.#signalWake();
  }

  #signalWake(): void {
    if (this.#wake) this.#wake();
    else this.#wakePending = true;
  }

  /** Claims one batch (up to `concurrency`) and runs it to the end. For tests and scripts. */
  async runOnce(): Promise<number> {
    const jobs = await claim(this.#pool, this.#claimOptions(this.#concurrency));
    await Promise.all(jobs.map((job) => this.#run(job)));
    return jobs.length;
  }

  #claimOptions(limit: number): ClaimOptions {
    return { workerId: this.workerId, kinds: this.#kinds, lockMs: this.#lockMs, limit, ...this.#nowOption() };
  }

  #nowOption(): { now?: Date } {
    return this.#clock ? { now: this.#clock.now() } : {};
  }

  async #runLoop(): Promise<void> {
    while (this.#running) {
      this.#wakePending = false;
      const free = this.#concurrency - this.#inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const jobs = await claim(this.#pool, this.#claimOptions(free));
          claimed = jobs.length;
          for (const job of jobs) {
            const run = this.#run(job).finally(() => {
              this.#inFlight.delete(job.id);
              this.#signalWake();
            });
            this.#inFlight.set(job.id, run);
          }
        } catch (error) {
          this.#onError(error);
        }
      }
      if (!this.#running) break;
      // A full batch: there may be more, go again at once. Otherwise wait for the poll interval,
      // a finished handler, wake() or stop().
      if (free > 0 && claimed === free) continue;
      if (this.#wakePending) {
        this.#wakePending = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }

  async #run(job: Job): Promise<void> {
    const handler = this.#handlers[job.kind];
    const ctx: JobContext = {
      workerId: this.workerId,
      signal: this.#abort.signal,
      now: () => this.#clock?.now() ?? new Date(),
    };
    let outcome: void | RunAgain;
    try {
      if (!handler) throw new PermanentJobError(`no handler for job kind ${job.kind}`);
      outcome = await handler(job, ctx);
    } catch (error) {
      this.#onError(error, job);
      try {
        const permanent = error instanceof PermanentJobError;
        const delay = this.#backoffMs(job.attempts);
        const now = this.#clock?.now();
        const retryAt = now ? new Date(now.getTime() + delay) : undefined;
        const result = await fail(this.#pool, job.id, this.workerId, error, retryAt, {
          giveUp: permanent,
          retryAfterMs: delay,
          ...(now ? { now } : {}),
        });
        if (result === 'lost') this.#onError(new Error('its lease had expired and another worker took it over'), job);
      } catch (recordError) {
        // The job stays leased; it runs again once the lease expires.
        this.#onError(recordError, job);
      }
      return;
    }
    try {
      const held = outcome
        ? await reschedule(this.#pool, job.id, this.workerId, outcome.rescheduleAt, { payload: outcome.payload })
        : await complete(this.#pool, job.id, this.workerId, this.#nowOption());
      if (!held) this.#onError(new Error('finished after its lease had expired and another worker took it over'), job);
    } catch (error) {
      // Not recorded: the job runs again once the lease expires (handlers are idempotent).
      this.#onError(error, job);
    }
  }

  async #renewLeases(): Promise<void> {
    const ids = [...this.#inFlight.keys()];
    if (ids.length === 0) return;
    try {
      await extendLocks(this.#pool, ids, this.workerId, this.#lockMs, this.#nowOption());
    } catch (error) {
      this.#onError(error);
    }
  }
}

// ---------------------------------------------------------------------------------------------

interface JobRow {
  id: string | number;
  kind: string;
  payload: unknown;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  done_at: Date | null;
  failed_at: Date | null;
  unique_key: string | null;
  created_at: Date;
}

function toJob(row: JobRow): Job {
  return {
    id: Number(row.id),
    kind: row.kind,
    payload: row.payload,
    runAt: row.run_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
    lastError: row.last_error,
    doneAt: row.done_at,
    failedAt: row.failed_at,
    uniqueKey: row.unique_key,
    createdAt: row.created_at,
  };
}

/** Reads a job by id (for tests, admin pages). */
export async function getJob(db: Queryable, id: number): Promise<Job | undefined> {
  const result = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id]);
  const row = result.rows[0];
  return row ? toJob(row) : undefined;
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
}
