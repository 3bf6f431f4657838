/**
 * The notify sender: turns ledger trade events into trade_status_sync notifies and delivers them
 * on Alipay's schedule (alipay-protocol.md §3.1) until the merchant answers `success`.
 *
 *  - Every notify is a task in the store (collection `notifies`), written before anything is sent,
 *    so a restart resumes it: start() reschedules pending tasks from their `nextAt` (at once when
 *    that has passed; an attempt cut off by the restart is sent again: at least once, like Alipay).
 *  - notify_id is fixed when the task is made; notify_time and sign are new at each send.
 *  - Attempt n+1 waits the schedule's gap (schedule.ts) after attempt n has its answer (sandbox
 *    time: exact offsets on a ManualClock; on realClock(scale) the merchant's real latency adds).
 *  - Faults (faults.ts), taken once per new notify with method 'notify' (a fault with no method
 *    matches too):
 *      notify-drop       never sent; the task is 'dropped'.
 *      notify-duplicate  every scheduled send goes out twice in a row, same body, same notify_id
 *                        (the second even when the first got `success`).
 *      notify-reorder    held back until a later notify of the same app is settled (delivered,
 *                        given up or dropped), then sent: a TRADE_SUCCESS can arrive after the
 *                        refund notify that followed it.
 *      notify-delay      the first attempt waits delaySeconds (sandbox time); the schedule follows.
 *  - Nothing thrown from a timer: sends never throw (deliver.ts); bookkeeping errors are logged.
 */
import { isUnscannedPrecreate } from '../methods/common.js';
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../context.js';
import { NOTIFY_FAULTS } from '../faults.js';
import { newNotifyId } from '../ids.js';
import type { TradeEvent } from '../state/ledger.js';
import { C, type FaultKind, type NotifyAttempt, type NotifyTask } from '../state/model.js';
import { signNotify } from './body.js';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, postNotify } from './deliver.js';
import { tradeStatusSyncParams } from './params.js';
import { MAX_ATTEMPTS, gapBefore } from './schedule.js';

/** One POST, as the admin API shows it. */
export interface NotifierAttempt extends NotifyAttempt {
  /** Which scheduled attempt (0-based) this belongs to; a resend carries the task's current index. */
  n: number;
  /** scheduled: on the retry schedule; duplicate: the second copy (notify-duplicate); resend: admin. */
  kind: 'scheduled' | 'duplicate' | 'resend';
  /** The notify_time that was sent (and signed). */
  notifyTime: string;
  /** Real milliseconds the POST took. */
  durationMs: number;
}

/** A notify task with the sender's own bookkeeping. */
export interface NotifierTask extends NotifyTask {
  /** Creation order (reorder releases earlier held tasks of the app when a later one settles). */
  seq: number;
  /** The ledger event behind it. */
  event: TradeEvent['kind'];
  /** Notify faults that fired on it. */
  faults: FaultKind[];
  duplicate?: boolean;
  /** notify-reorder: waiting for a later notify of the same app to settle. */
  held?: boolean;
  /** notify-delay: sandbox ms before the first attempt. */
  delayMs?: number;
  attempts: NotifierAttempt[];
}

export interface NotifierOptions {
  /** Real-time limit of one POST (default 15 s). */
  attemptTimeoutMs?: number;
}

export interface TaskFilter {
  appId?: string;
  tradeNo?: string;
  state?: NotifyTask['state'];
}

export class Notifier {
  readonly #ctx: SandboxContext;
  readonly #timers = new Map<string, () => void>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #running = false;
  #subscribed = false;
  #seq: number;
  /** Real-time limit of one POST; may be changed at any time (tests shorten it). */
  attemptTimeoutMs: number;

  constructor(ctx: SandboxContext, options: NotifierOptions = {}) {
    this.#ctx = ctx;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.#seq = this.#all().reduce((max, t) => Math.max(max, t.seq ?? 0), 0);
  }

  get running(): boolean {
    return this.#running;
  }

  /** Listens to the ledger and (re)schedules every pending task. Idempotent. */
  start(): this {
    if (!this.#subscribed) {
      this.#subscribed = true;
      this.#ctx.ledger.onTradeEvent((e) => this.#onEvent(e));
    }
    if (this.#running) return this;
    this.#running = true;
    for (const t of this.#all()) {
      if (t.state === 'pending' && !t.held) this.#schedule(t);
    }
    return this;
  }

  /**
   * Stops sending: timers are cancelled, sends under way finish and are recorded. Events that
   * arrive while stopped still become tasks, sent on the next start().
   */
  stop(): void {
    this.#running = false;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
  }

  /** Resolves once no POST is under way (tests step a ManualClock between attempts with it). */
  async whenIdle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Tasks, oldest first. */
  tasks(filter: TaskFilter = {}): NotifierTask[] {
    return this.#all()
      .filter((t) => (!filter.appId || t.appId === filter.appId) && (!filter.tradeNo || t.tradeNo === filter.tradeNo) && (!filter.state || t.state === filter.state))
      .sort((a, b) => a.seq - b.seq);
  }

  task(id: string): NotifierTask | undefined {
    return this.#ctx.store.get<NotifierTask>(C.notifies, id);
  }

  /** The earliest planned attempt of a pending task (sandbox time), if any. */
  nextDue(): Date | undefined {
    let next: number | undefined;
    for (const t of this.#all()) {
      if (t.state !== 'pending' || t.held || !t.nextAt) continue;
      const at = Date.parse(t.nextAt);
      if (next === undefined || at < next) next = at;
    }
    return next === undefined ? undefined : new Date(next);
  }

  /**
   * Admin: sends the notify once more, now, whatever its state (same notify_id, fresh
   * notify_time and sign). `success` marks it delivered and cancels its schedule; a failure leaves
   * the schedule as it was. Undefined for an unknown id.
   */
  async resend(id: string): Promise<NotifierAttempt | undefined> {
    const t = this.task(id);
    if (!t) return undefined;
    const work = (async () => {
      const [attempt] = await this.#post(t, t.attempt, ['resend']);
      const cur = this.task(id)!;
      cur.attempts.push(attempt!);
      if (attempt!.ok && cur.state !== 'delivered') {
        this.#cancel(id);
        const done = this.#put({ ...cur, state: 'delivered', held: false, nextAt: undefined });
        this.#settled(done);
      } else {
        this.#put(cur);
      }
      return attempt!;
    })();
    return this.#track(work);
  }

  // ── events → tasks ────────────────────────────────────────────────────

  #onEvent(e: TradeEvent): void {
    try {
      this.#create(e);
    } catch (err) {
      console.error(`zfb sandbox: could not make a notify for trade ${e.trade.tradeNo}:`, err);
    }
  }

  #create(e: TradeEvent): void {
    const url = e.trade.notifyUrl;
    if (!url) return;
    // A precreated trade nobody scanned does not exist for Alipay: closing it notifies nothing.
    if (isUnscannedPrecreate(e.trade)) return;
    const app = this.#ctx.ledger.app(e.trade.appId);
    if (!app) return;
    const now = this.#ctx.clock.now();
    const notifyId = newNotifyId(now);
    const faults = this.#ctx.faults.take(app.appId, 'notify', NOTIFY_FAULTS);
    const delay = faults.get('notify-delay');
    const delayMs = delay ? Math.max(0, (delay.delaySeconds ?? 0) * 1000) : undefined;
    const dropped = faults.get('notify-drop') !== undefined;
    const held = !dropped && faults.get('notify-reorder') !== undefined;
    const task: NotifierTask = {
      id: randomUUID(),
      appId: app.appId,
      notifyId,
      tradeNo: e.trade.tradeNo,
      url,
      params: tradeStatusSyncParams(this.#ctx, app, e, notifyId),
      charset: e.trade.charset,
      createdAt: now.toISOString(),
      attempt: 0,
      nextAt: dropped || held ? undefined : new Date(now.getTime() + (delayMs ?? 0)).toISOString(),
      state: dropped ? 'dropped' : 'pending',
      attempts: [],
      seq: ++this.#seq,
      event: e.kind,
      faults: faults.fired.map((f) => f.kind),
      ...(faults.get('notify-duplicate') ? { duplicate: true } : {}),
      ...(held ? { held: true } : {}),
      ...(delayMs !== undefined ? { delayMs } : {}),
    };
    this.#put(task);
    if (dropped) this.#settled(task);
    else if (!held) this.#schedule(task);
  }

  // ── sending ───────────────────────────────────────────────────────────

  #schedule(t: NotifierTask): void {
    if (!this.#running) return;
    this.#cancel(t.id);
    const at = t.nextAt ? Date.parse(t.nextAt) : this.#ctx.clock.now().getTime();
    const wait = Math.max(0, at - this.#ctx.clock.now().getTime());
    const cancel = this.#ctx.clock.setTimeout(() => {
      this.#timers.delete(t.id);
      this.#track(this.#attempt(t.id)).catch((err: unknown) => console.error(`zfb sandbox: notify ${t.id} failed unexpectedly:`, err));
    }, wait);
    this.#timers.set(t.id, cancel);
  }

  #cancel(id: string): void {
    this.#timers.get(id)?.();
    this.#timers.delete(id);
  }

  /** The scheduled attempt `task.attempt` of a pending task, then the next step of its schedule. */
  async #attempt(id: string): Promise<void> {
    const t = this.task(id);
    if (!t || t.state !== 'pending' || t.held || !this.#running) return;
    const n = t.attempt;
    const sent = await this.#post(t, n, t.duplicate ? ['scheduled', 'duplicate'] : ['scheduled']);
    const cur = this.task(id)!;
    cur.attempts.push(...sent);
    if (cur.state !== 'pending') {
      this.#put(cur); // settled meanwhile (an admin resend got `success`)
      return;
    }
    const next = n + 1;
    if (sent.some((a) => a.ok) || next >= MAX_ATTEMPTS) {
      const done = this.#put({ ...cur, attempt: next, nextAt: undefined, state: sent.some((a) => a.ok) ? 'delivered' : 'gave-up' });
      this.#settled(done);
      return;
    }
    // Measured from the end of this attempt: realClock(scale) scales waits but not now(), so
    // only a relative wait means the same on both clocks (on a ManualClock the attempt takes no
    // sandbox time, so the offsets are exact).
    const nextAt = this.#ctx.clock.now().getTime() + gapBefore(next)!;
    const scheduled = this.#put({ ...cur, attempt: next, nextAt: new Date(nextAt).toISOString() });
    this.#schedule(scheduled);
  }

  /** POSTs the notify once per kind given (same signed body for a duplicate), one after another. */
  async #post(t: NotifierTask, n: number, kinds: NotifierAttempt['kind'][]): Promise<NotifierAttempt[]> {
    const now = this.#ctx.clock.now();
    let body: string;
    let notifyTime: string;
    try {
      ({ body, notifyTime } = signNotify(t.params, { key: this.#ctx.identity.alipayPrivateKey, charset: t.charset, now }));
    } catch (err) {
      return [{ at: now.toISOString(), answer: `could not sign the notify: ${(err as Error).message}`, ok: false, n, kind: kinds[0]!, notifyTime: '', durationMs: 0 }];
    }
    const out: NotifierAttempt[] = [];
    for (const kind of kinds) {
      const at = this.#ctx.clock.now().toISOString();
      let r: Awaited<ReturnType<typeof postNotify>>;
      try {
        r = await postNotify(t.url, body, t.charset, this.attemptTimeoutMs);
      } catch (err) {
        r = { answer: `sandbox error while sending: ${(err as Error).message}`, ok: false, durationMs: 0 };
      }
      out.push({ at, ...(r.status !== undefined ? { status: r.status } : {}), answer: r.answer, ok: r.ok, n, kind, notifyTime, durationMs: r.durationMs });
    }
    return out;
  }

  /** A task reached an end state: release the earlier held (notify-reorder) tasks of its app. */
  #settled(t: NotifierTask): void {
    const now = this.#ctx.clock.now().getTime();
    for (const h of this.#all()) {
      if (!h.held || h.state !== 'pending' || h.appId !== t.appId || h.seq >= t.seq) continue;
      const released = this.#put({ ...h, held: false, nextAt: new Date(now + (h.delayMs ?? 0)).toISOString() });
      this.#schedule(released);
    }
  }

  // ── store ─────────────────────────────────────────────────────────────

  #all(): NotifierTask[] {
    return this.#ctx.store.all<NotifierTask>(C.notifies);
  }

  #put(t: NotifierTask): NotifierTask {
    if (t.nextAt === undefined) delete t.nextAt;
    return this.#ctx.store.put(C.notifies, t.id, t);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    const done = () => this.#inFlight.delete(p);
    p.then(done, done);
    return p;
  }
}

/** Makes the context's notifier (once) and starts it. */
export function startNotifier(ctx: SandboxContext, options: NotifierOptions = {}): Notifier {
  const notifier = ctx.notifier ?? new Notifier(ctx, options);
  ctx.notifier = notifier;
  return notifier.start();
}
