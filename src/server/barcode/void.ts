/**
 * The `barcode.void` job: after a definite refusal of a barcode payment in which Alipay had
 * identified the buyer (insufficient balance, limits, risk checks), alipay.trade.cancel the
 * out_trade_no once, so that no trade record Alipay may keep for it can be paid later against an
 * attempt we already reported failed. Cancel of a trade Alipay does not know is a harmless success
 * without `action` (alipay-protocol.md §6.10). The order stays failed; the outcome is an event
 * (`barcode.voided` with Alipay's action). If the cancel had to refund (`action: refund`: the
 * trade was paid after all) a person is alerted (`barcode_paid_after_failure`): the money went
 * back to the buyer, but the clerk was told the payment failed.
 */
import { AlipayGatewayError } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { appendEvent } from '../orders/repo.js';
import type { Job, JobHandler, RunAgain } from '../db/jobs.js';
import { withTransaction } from '../db/tx.js';
import { jobAttempt, raiseAlert, type VoidPayload } from './outcome.js';

export function voidHandler(ctx: ServerContext): JobHandler {
  return async (job: Job): Promise<void | RunAgain> => {
    const p = job.payload as VoidPayload;
    const attempt = await jobAttempt(ctx, p);
    if (!attempt || attempt.status !== 'failed') return;
    // At least once: a run that already recorded its outcome is not repeated.
    const done = await ctx.pool.query(`SELECT 1 FROM order_events WHERE attempt_id = $1 AND type IN ('barcode.voided', 'barcode.void_failed') LIMIT 1`, [attempt.id]);
    if (done.rows.length > 0) return;
    let action: string | null;
    try {
      const r = await ctx.alipay.api.trade.cancel({ out_trade_no: attempt.outTradeNo });
      if (r.retry_flag === 'Y') return { rescheduleAt: new Date(ctx.now().getTime() + 2000) };
      action = r.action ?? null;
    } catch (err) {
      const verified = err instanceof AlipayGatewayError && (err as { verified?: boolean }).verified === true;
      const definite = verified && !(err as AlipayGatewayError).retryable;
      if (!definite && job.attempts < job.maxAttempts) throw err; // retried with the runner's backoff
      const now = ctx.now();
      const detail = err instanceof AlipayGatewayError ? { sub_code: err.subCode ?? err.gatewayCode, sub_msg: err.subMsg ?? null } : { error: (err as { code?: string }).code ?? String(err) };
      await withTransaction(ctx.pool, async (c) => {
        await appendEvent(c, attempt.orderId, 'barcode.void_failed', detail, now, attempt.id);
        await raiseAlert(c, 'barcode_void_failed', attempt.orderId, { out_trade_no: attempt.outTradeNo, ...detail }, now);
      });
      return;
    }
    const now = ctx.now();
    await withTransaction(ctx.pool, async (c) => {
      await appendEvent(c, attempt.orderId, 'barcode.voided', { action }, now, attempt.id);
      if (action === 'refund') await raiseAlert(c, 'barcode_paid_after_failure', attempt.orderId, { out_trade_no: attempt.outTradeNo, action }, now);
    });
  };
}
