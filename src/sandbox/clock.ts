/**
 * Time for the sandbox. Everything that waits (notify retries, a buyer who pays after N seconds,
 * code and token expiry) goes through a Clock, so tests run Alipay's 25-hour retry schedule in
 * seconds: `realClock(scale)` divides every delay by `scale`; `ManualClock` moves only when told.
 */
export interface Clock {
  now(): Date;
  /** Runs `fn` after `ms` of sandbox time. Returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

/**
 * Real time, optionally sped up: with `timeScale` 60 a minute of sandbox time passes every real
 * second, for timers and for `now()` alike (so a buyer who pays "after 60 s" pays after 1 s, and
 * trade times, notify_time and expiry move 60 times faster than the wall clock).
 */
export function realClock(timeScale = 1): Clock {
  if (!(timeScale > 0)) throw new Error(`time scale must be a positive number, got ${timeScale}`);
  const start = Date.now();
  return {
    now: () => (timeScale === 1 ? new Date() : new Date(start + (Date.now() - start) * timeScale)),
    setTimeout(fn, ms) {
      const t = setTimeout(fn, Math.max(0, ms / timeScale));
      t.unref?.();
      return () => clearTimeout(t);
    },
  };
}

/** A clock for tests: `advance(ms)` moves time and runs what fell due, in order. */
export class ManualClock implements Clock {
  #now: number;
  #timers: { at: number; seq: number; fn: () => void }[] = [];
  #seq = 0;

  constructor(start: Date = new Date()) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, running every timer that falls due (including ones they set). */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > until) break;
      this.#timers.shift();
      this.#now = next.at;
      next.fn();
      await new Promise((r) => setImmediate(r)); // let the work it started make progress
    }
    this.#now = until;
  }

  get pending(): number {
    return this.#timers.length;
  }
}
