/**
 * The sandbox's async notify sender (alipay-protocol.md §3): trade_status_sync notifies for
 * ledger trade events, signed like Alipay signs them, delivered on Alipay's retry schedule, with
 * the notify faults applied. Started by register.ts; reachable as `ctx.notifier`.
 */
export { Notifier, startNotifier, type NotifierAttempt, type NotifierOptions, type NotifierTask, type TaskFilter } from './notifier.js';
export { ATTEMPT_OFFSETS_MS, MAX_ATTEMPTS, RETRY_GAPS_MS } from './schedule.js';
export { DEFAULT_ATTEMPT_TIMEOUT_MS, isAcknowledged } from './deliver.js';
export { tradeStatusSyncParams } from './params.js';
export { signNotify } from './body.js';
