/**
 * The durable job `refund.confirm` (payload { refundId, tries? }, unique key `refund:<id>`),
 * enqueued with the refund itself and first run refundConfirmDelayMs later (payments-reliability.md
 * §3.4: query no sooner than about 10 s after the refund; §3.5: "refund sent, response lost →
 * refund query ≥ 10 s later; retry with the same out_request_no").
 *
 * One run:
 *  - succeeded or failed already: nothing to do;
 *  - pending (the request died before calling Alipay): mark processing, send the refund;
 *  - processing: refund query first; shown → succeeded; shown as not refunded → send the refund
 *    again with the SAME out_request_no and amount (Alipay refunds once per request number), which
 *    confirms or fails it; no usable answer → nothing sent this time.
 * Still processing → run again after confirmDelay × 2^tries (at most an hour); after
 * REFUND_CONFIRM_MAX_TRIES runs (about a day with the default delay, Stripe's "reconcile after
 * about a day", §3.5) it gives up: an `alerts` row (kind refund_unresolved) and the event
 * refund.unresolved; the refund stays processing, its amount reserved, for a person to settle.
 *
 * At least once: every step is idempotent (same out_request_no, compare-and-set, the alert only
 * if none is open), so a run repeated after a crash does no harm.
 */
import type { ServerContext } from '../context.js';
import { PermanentJobError, type JobHandler } from '../db/jobs.js';
import { withTransaction } from '../db/tx.js';
import { appendEvent } from '../orders/repo.js';
import { getAttempt } from '../payments/repo.js';
import { getRefund, openRefundAlert, transitionRefund } from './repo.js';
import type { Refund } from './model.js';
import { queryRefund, recordOutcome, sendRefund } from './attempt.js';
import { confirmDelayMs } from './create.js';
import type { Outcome } from './outcome.js';

/** Runs that may end still processing before the job gives up into an alert. */
export const REFUND_CONFIRM_MAX_TRIES = 30;

const HOUR_MS = 3_600_000;

/** The wait before the next run after `tries` unresolved runs: delay × 2^tries, at most an hour (or the delay, if longer). */
export function confirmBackoffMs(delayMs: number, tries: number): number {
  return Math.min(Math.max(delayMs, HOUR_MS), delayMs * 2 ** Math.min(tries, 20));
}

interface ConfirmPayload {
  refundId: string;
  /** Runs so far that ended with the refund still unresolved. */
  tries?: number;
}

export function refundConfirmJob(ctx: ServerContext): JobHandler {
  return async (job) => {
    const payload = job.payload as ConfirmPayload;
    if (typeof payload?.refundId !== 'string') throw new PermanentJobError('refund.confirm without a refundId');
    let refund = await getRefund(ctx.pool, payload.refundId);
    if (!refund) throw new PermanentJobError(`no refund ${payload.refundId}`);
    if (refund.status === 'succeeded' || refund.status === 'failed') return;
    const attempt = await getAttempt(ctx.pool, refund.attemptId);
    if (!attempt) throw new PermanentJobError(`no payment attempt ${refund.attemptId} for refund ${refund.id}`);
    const outTradeNo = attempt.outTradeNo;

    let outcome: Outcome | undefined;
    if (refund.status === 'pending') {
      const sending = await withTransaction(ctx.pool, (c) =>
        transitionRefund(c, refund!.id, { from: ['pending'], to: 'processing', countAttempt: true, event: { type: 'refund.processing', data: { attempt: 1, by: 'job' } }, now: ctx.now() }),
      );
      if (sending) outcome = await sendRefund(ctx, outTradeNo, (refund = sending));
      else refund = (await getRefund(ctx.pool, refund.id))!;
    }
    if (!outcome && refund.status === 'processing') {
      outcome = await queryRefund(ctx, outTradeNo, refund);
      if (outcome.kind === 'unknown' && outcome.notRefunded) {
        const again = await withTransaction(ctx.pool, (c) =>
          transitionRefund(c, refund!.id, { from: ['processing'], countAttempt: true, event: { type: 'refund.retried', data: { attempt: refund!.attempts + 1, by: 'job', after: outcome!.kind === 'unknown' ? outcome!.reason : undefined } }, now: ctx.now() }),
        );
        if (again) outcome = await sendRefund(ctx, outTradeNo, (refund = again));
      }
    }
    if (outcome) refund = await recordOutcome(ctx, refund, outcome, 'job');
    if (refund.status === 'succeeded' || refund.status === 'failed') return;

    const tries = (payload.tries ?? 0) + 1;
    if (tries >= REFUND_CONFIRM_MAX_TRIES) {
      await giveUp(ctx, refund, tries);
      return;
    }
    return { rescheduleAt: new Date(ctx.now().getTime() + confirmBackoffMs(confirmDelayMs(ctx), tries)), payload: { ...payload, tries } };
  };
}

async function giveUp(ctx: ServerContext, refund: Refund, tries: number): Promise<void> {
  const now = ctx.now();
  let lastError: unknown = refund.lastError;
  try {
    lastError = refund.lastError ? JSON.parse(refund.lastError) : null;
  } catch {
    // keep the text
  }
  const detail = { out_request_no: refund.outRequestNo, amount: refund.amountFen, attempts: refund.attempts, tries, last_error: lastError };
  await withTransaction(ctx.pool, async (c) => {
    if (await openRefundAlert(c, refund, 'refund_unresolved', detail, now)) {
      await appendEvent(c, refund.orderId, 'refund.unresolved', { refund_id: refund.id, ...detail }, now);
    }
  });
  ctx.log.error({ order_id: refund.orderId, refund_id: refund.id, out_request_no: refund.outRequestNo, tries }, 'refund unresolved: left processing for a person (alert raised)');
}
