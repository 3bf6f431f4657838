/**
 * Test support for the notify suites: a merchant's notify endpoint on 127.0.0.1 (real node:http)
 * that records what arrives, and a driver that steps a ManualClock through the retry schedule
 * (each attempt must have its answer before time moves on, as it would in real life).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { ManualClock, type Clock } from '../../src/sandbox/clock.js';
import type { Notifier } from '../../src/sandbox/notify/index.js';
import { createSandbox } from '../../src/sandbox/index.js';

export interface Received {
  /** Sandbox time when it arrived (ms). */
  at: number;
  raw: Buffer;
  /** The body as text (ASCII: every other byte is escaped). */
  text: string;
  headers: IncomingHttpHeaders;
  /** Form-decoded with URLSearchParams (UTF-8), as an Express/Koa merchant would. */
  params: Record<string, string>;
}

/** What to answer to the n-th request (0-based): a body (status 200) or a full answer, or 'destroy' to cut the connection. */
export type Answer = string | { status: number; body?: string; headers?: Record<string, string> } | 'destroy' | { hangMs: number };

export interface Receiver {
  url: string;
  received: Received[];
  /** Changes what later requests get. */
  answer: (n: number, req: Received) => Answer;
  /** Whose time stamps arrivals (switch it when a restarted sandbox has a new clock). */
  clock: Clock;
  close(): Promise<void>;
}

export async function startReceiver(clock: Clock, answer: (n: number, req: Received) => Answer = () => 'success'): Promise<Receiver> {
  const received: Received[] = [];
  const r: Receiver = { url: '', received, answer, clock, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString('latin1');
      const rec: Received = { at: r.clock.now().getTime(), raw, text, headers: req.headers, params: Object.fromEntries(new URLSearchParams(text)) };
      received.push(rec);
      reply(res, r.answer(received.length - 1, rec));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alipay/notify?src=zfb`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

function reply(res: ServerResponse, a: Answer): void {
  if (a === 'destroy') {
    res.socket?.destroy();
    return;
  }
  if (typeof a === 'string') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(a);
    return;
  }
  if ('hangMs' in a) {
    setTimeout(() => res.writeHead(200).end('success'), a.hangMs).unref();
    return;
  }
  res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
}

/** Runs due timers and waits until no notify is on the wire and none is due now. */
export async function settle(clock: ManualClock, notifier: Notifier): Promise<void> {
  for (let guard = 0; guard < 100; guard++) {
    await clock.advance(0);
    await notifier.whenIdle();
    const next = notifier.nextDue();
    if (!notifier.running || !next || next.getTime() > clock.now().getTime()) return;
  }
}

/**
 * Moves a ManualClock forward by `ms`, stopping at each planned attempt and letting it finish
 * (answer received, next attempt scheduled) before moving on.
 */
export async function runFor(clock: ManualClock, notifier: Notifier, ms: number): Promise<void> {
  const end = clock.now().getTime() + ms;
  for (let guard = 0; guard < 1000; guard++) {
    await settle(clock, notifier);
    const next = notifier.nextDue()?.getTime();
    const now = clock.now().getTime();
    if (next === undefined || next > end) break;
    if (next > now) await clock.advance(next - now);
  }
  await clock.advance(Math.max(0, end - clock.now().getTime()));
  await notifier.whenIdle();
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/**
 * A sandbox on a ManualClock (real time at start, no timestamp window: the clock jumps hours) with
 * a receiver for its notifies, both closed after the file's tests.
 */
export async function notifySandbox() {
  const clock = new ManualClock(new Date());
  const sandbox = await createSandbox({ clock, timestampToleranceMs: Infinity });
  const notifier = sandbox.ctx.notifier!;
  const receiver = await startReceiver(clock);
  after(async () => {
    notifier.stop();
    await receiver.close();
    await sandbox.close();
  });
  return { clock, sandbox, notifier, ledger: sandbox.ctx.ledger, receiver };
}
