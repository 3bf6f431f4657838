/**
 * Named crash points for the crash-safety tests (payments-reliability.md §4.1): when
 * ZFB_CRASH_AT names a point, the process kills itself with SIGKILL the moment it reaches it —
 * no cleanup, no flushing, exactly like a power cut. Unset (always, in production) it does nothing.
 *
 * The points sit between "persisted intent" and "persisted outcome" on every path that moves
 * money, which is where a crash can leave work half done.
 */
export type CrashPoint =
  | 'barcode.after_paying_commit'
  | 'barcode.after_alipay_pay'
  | 'checkout.after_paying_commit'
  | 'notify.after_store'
  | 'notify.after_commit'
  | 'refund.after_row_commit'
  | 'refund.after_alipay_refund';

const target = process.env.ZFB_CRASH_AT;

export function crashPoint(point: CrashPoint): void {
  if (target === point) process.kill(process.pid, 'SIGKILL');
}
