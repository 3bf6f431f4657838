/**
 * The expiry sweeper (payments-reliability.md §3.5 first two rows, §3.7 "query sweeper"; the
 * issue: "queries orders left waiting past their expiry and closes them on Alipay before marking
 * them closed").
 *
 * One durable job, kind `orders.sweep`, unique key `orders.sweep`: a single row that reschedules
 * itself every `sweepIntervalMs` (default 60 s). Any number of server processes share it: the job
 * table hands it to one worker at a time (FOR UPDATE SKIP LOCKED and a lease), so a sweep never
 * runs twice at once, survives restarts, and leaves one row in `jobs`, not one per minute. Each
 * process's start() enqueues it (a no-op when it exists) and revives it if it ever ended.
 *
 * Each run takes a batch of open orders past expiry, oldest deadline first, after a cursor kept
 * in the job's payload (so orders Alipay keeps failing on cannot starve the rest), and for each:
 *  - created: no attempt was ever started, so no Alipay trade can exist → CAS created → closed,
 *    event `sweep.closed`;
 *  - paying: each attempt still paying is closed on Alipay (payments/close.ts: query first, so a
 *    trade paid at the last moment is recorded paid, then alipay.trade.close; TRADE_CLOSED or
 *    ACQ.TRADE_NOT_EXIST → closed); when none is left open and none paid, the order closes
 *    (`sweep.closed`); an attempt Alipay could not settle (timeout, system error, bad signature)
 *    leaves the order for the next sweep.
 * `paying` orders wait PAYING_GRACE_MS past expiry first: the wap link carries time_expire, so
 * after it Alipay refuses to open a trade, and the grace covers clock skew between us and Alipay
 * (a TRADE_NOT_EXIST answered a moment before the buyer opens the link would close an attempt
 * that then gets paid). Orders with a barcode attempt in flight are not swept: the barcode part's
 * durable `barcode.settle` job owns that attempt until it ends paid or cancelled (it retries a
 * stuck cancel for ever and alerts); the order is swept once it has ended.
 */
import type { ServerContext } from '../context.js';
import { enqueue, type Job, type JobContext, type JobHandler, type RunAgain } from '../db/jobs.js';
import { withTransaction } from '../db/tx.js';
import { rowToOrder, type Order, type OrderStatus } from '../orders/model.js';
import { getOrder, transition } from '../orders/repo.js';
import { listAttempts } from '../payments/repo.js';
import { closeOnAlipay } from '../payments/close.js';

export const SWEEP_JOB = 'orders.sweep';
export const SWEEP_KEY = 'orders.sweep';
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
export const PAYING_GRACE_MS = 60_000;
const BATCH = 50;
const CONCURRENCY = 4;

interface Cursor {
  expiresAt: string;
  id: string;
}

export interface SweepPayload {
  after?: Cursor | null;
}

export const sweepIntervalOf = (ctx: ServerContext) => ctx.config.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;

/** Open orders due for a sweep at `now`, after the cursor, oldest deadline first. */
export async function dueOrders(ctx: ServerContext, now: Date, after: Cursor | null | undefined, limit = BATCH): Promise<Order[]> {
  const payingBefore = new Date(now.getTime() - PAYING_GRACE_MS);
  const { rows } = await ctx.pool.query(
    `SELECT * FROM orders
      WHERE status IN ('created', 'paying') AND expires_at < $1
        AND (status = 'created' OR expires_at < $2)
        AND NOT EXISTS (SELECT 1 FROM payment_attempts a WHERE a.order_id = orders.id AND a.method = 'barcode' AND a.status = 'paying')
        AND ($3::timestamptz IS NULL OR (expires_at, id) > ($3::timestamptz, $4::text))
      ORDER BY expires_at, id
      LIMIT $5`,
    [now, payingBefore, after?.expiresAt ?? null, after?.id ?? null, limit],
  );
  return rows.map(rowToOrder);
}

export type SweepResult = 'closed' | 'paid' | 'left' | 'moved';

/**
 * Closes the order here, from exactly `from`, only if no attempt is still paying (under the
 * order's row lock, which startAttempt also takes).
 */
async function closeIfNoOpenAttempt(ctx: ServerContext, order: Order, from: readonly OrderStatus[], data: Record<string, unknown>): Promise<Order> {
  const now = ctx.now();
  const closed = await withTransaction(ctx.pool, async (c) => {
    await c.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [order.id]);
    const { rows } = await c.query(`SELECT 1 FROM payment_attempts WHERE order_id = $1 AND status = 'paying' LIMIT 1`, [order.id]);
    if (rows.length > 0) return undefined;
    return transition(c, order.id, { from, to: 'closed', set: { closed_at: now }, event: { type: 'sweep.closed', data }, now });
  });
  return closed ?? (await getOrder(ctx.pool, order.id)) ?? order;
}

/** Settles one expired open order; never throws (a failure leaves it for the next sweep). */
export async function sweepOrder(ctx: ServerContext, order: Order): Promise<SweepResult> {
  try {
    if (order.status === 'created') {
      const o = await closeIfNoOpenAttempt(ctx, order, ['created'], { reason: 'expired', alipay: 'no trade (never offered)' });
      return o.status === 'closed' ? 'closed' : 'moved';
    }
    const open = (await listAttempts(ctx.pool, order.id)).filter((a) => a.status === 'paying');
    if (open.some((a) => a.method === 'barcode')) return 'left';
    const results = await Promise.all(open.map((a) => closeOnAlipay(ctx, a, 'expired', 'sweep.paid')));
    if (results.includes('paid')) return outcome((await getOrder(ctx.pool, order.id)) ?? order);
    if (results.includes('left')) return 'left';
    return outcome(await closeIfNoOpenAttempt(ctx, order, ['paying'], { reason: 'expired', attempts_closed: open.length }));
  } catch (err) {
    ctx.log.warn({ orderId: order.id, err: describe(err) }, 'sweep: could not settle an expired order; the next sweep tries again');
    return 'left';
  }
}

const outcome = (o: Order): SweepResult => (o.status === 'closed' ? 'closed' : o.status === 'paid' ? 'paid' : o.status === 'paying' || o.status === 'created' ? 'left' : 'moved');

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** One run: a batch after the cursor. Returns when to run again and the cursor to resume from. */
export async function sweepOnce(ctx: ServerContext, payload: SweepPayload, signal?: AbortSignal): Promise<{ swept: Record<SweepResult, number>; next: RunAgain }> {
  const now = ctx.now();
  const batch = await dueOrders(ctx, now, payload.after);
  const swept: Record<SweepResult, number> = { closed: 0, paid: 0, left: 0, moved: 0 };
  let i = 0;
  const worker = async () => {
    while (i < batch.length && !signal?.aborted) {
      const order = batch[i++]!;
      swept[await sweepOrder(ctx, order)]++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batch.length) }, worker));
  const last = batch[batch.length - 1];
  const full = batch.length === BATCH && last !== undefined && !signal?.aborted;
  const next: RunAgain = full
    ? { rescheduleAt: ctx.now(), payload: { after: { expiresAt: last.expiresAt.toISOString(), id: last.id } } satisfies SweepPayload }
    : { rescheduleAt: new Date(ctx.now().getTime() + sweepIntervalOf(ctx)), payload: { after: null } satisfies SweepPayload };
  if (batch.length > 0) ctx.log.info({ swept, batch: batch.length }, 'sweep: expired orders settled');
  return { swept, next };
}

/** The job handler: always reschedules itself (a failed run is tried again at the next interval). */
export function sweepJobs(ctx: ServerContext): Record<string, JobHandler> {
  return {
    [SWEEP_JOB]: async (job: Job, jc: JobContext): Promise<RunAgain> => {
      try {
        return (await sweepOnce(ctx, (job.payload ?? {}) as SweepPayload, jc.signal)).next;
      } catch (err) {
        ctx.log.error({ err: describe(err) }, 'sweep: run failed; trying again at the next interval');
        return { rescheduleAt: new Date(ctx.now().getTime() + sweepIntervalOf(ctx)), payload: { after: null } };
      }
    },
  };
}

/** Makes sure the sweep job exists and is alive (revives it if it ever completed or gave up). */
export async function ensureSweepJob(ctx: ServerContext): Promise<void> {
  const now = ctx.now();
  const { created } = await enqueue(ctx.pool, { kind: SWEEP_JOB, uniqueKey: SWEEP_KEY, runAt: now, payload: { after: null } });
  if (!created) {
    await ctx.pool.query(
      `UPDATE jobs SET failed_at = NULL, done_at = NULL, attempts = 0, locked_by = NULL, locked_until = NULL, run_at = $2
        WHERE unique_key = $1 AND (failed_at IS NOT NULL OR done_at IS NOT NULL)`,
      [SWEEP_KEY, now],
    );
  }
}

/** ServerPart.start: enqueue (or revive) the sweep job; the shared JobRunner runs it. */
export function startSweeper(ctx: ServerContext): () => Promise<void> {
  const ready = ensureSweepJob(ctx).catch((err: unknown) => ctx.log.error({ err: describe(err) }, 'sweep: could not enqueue the sweep job'));
  return async () => {
    await ready;
  };
}
