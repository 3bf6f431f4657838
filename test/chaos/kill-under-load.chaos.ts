/**
 * Chaos: the payment server killed with SIGKILL at random moments under a mixed load, with Alipay
 * (the sandbox, `zfb sandbox`) in a process of its own and the server (`zfb serve`, compiled, as a
 * merchant runs it) in another, on real PostgreSQL. Afterwards, once the sandbox's notifies are
 * resent and the jobs and the sweeper have run, every local payment attempt, order and refund must
 * equal the sandbox ledger: nothing lost (money at Alipay that zfb does not know), nothing doubled
 * (an order whose buyer paid twice and kept paying twice, or a refund made twice), nothing stuck
 * (work left unfinished). Run by `npm run test:chaos` (not part of `npm test`; .ci/run runs it
 * after). Size: CHAOS_PAYMENTS (default 1000), CHAOS_KILLS (default 10).
 *
 * The load, per order, one of: wap (the link opened at the gateway, then paid at the sandbox),
 * JSAPI, QR (precreate, then "scanned" and paid), barcode (paid at once, or waiting for the
 * password and then paid, or never confirmed and cancelled), a buyer who pays both the QR code and
 * in the app (a duplicate, refunded automatically), and partial refunds of paid orders. Every
 * client call is retried while the server is down, as a merchant's backend would (refunds with the
 * same Idempotency-Key).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, freshStorage } from '../server/crash/process.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/src/cli/main.js');
const PAYMENTS = Number(process.env.CHAOS_PAYMENTS ?? 1000);
const KILLS = Number(process.env.CHAOS_KILLS ?? 10);
const CONCURRENCY = 12;
const API_KEY = `chaos_${randomBytes(12).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── the two processes ────────────────────────────────────────────────────────

function run(args: string[], env: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<unknown> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise((r) => child.on('exit', (code, signal) => r(signal ?? code)));
  return { child, out: () => out, exited };
}

assert.ok(existsSync(CLI), `${CLI} is missing: npm run build first (npm run test:chaos does)`);
const stateDir = mkdtempSync(join(tmpdir(), 'zfb-chaos-sandbox-'));
const sandboxProc = run(['sandbox', '--port', '0', '--state', stateDir], {});
after(async () => {
  sandboxProc.child.kill('SIGTERM');
  await sandboxProc.exited;
});
const info = await (async () => {
  for (let i = 0; i < 300; i++) {
    const f = join(stateDir, 'sandbox.json');
    if (existsSync(f) && /http:\/\/127\.0\.0\.1:\d+/.test(sandboxProc.out())) {
      try {
        return JSON.parse(readFileSync(f, 'utf8'));
      } catch {
        // being written
      }
    }
    await sleep(100);
  }
  throw new Error(`zfb sandbox did not start:\n${sandboxProc.out()}`);
})();
const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${info.adminUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};
const app = (await admin('GET', `/apps/${info.appId}`)).body;
const buyer = info.buyers[0];
await admin('PATCH', `/buyers/${buyer.userId}`, { balanceFen: 100_000_000_00 });

const storage = await freshStorage('postgres');
after(() => storage.drop());
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serverEnv = {
  ...storage.env,
  PORT: String(port),
  PUBLIC_BASE_URL: base,
  ZFB_API_KEY: API_KEY,
  ALIPAY_APP_ID: info.appId,
  ALIPAY_PRIVATE_KEY_FILE: info.appPrivateKeyFile,
  ALIPAY_PUBLIC_KEY_FILE: info.alipayPublicKeyFile,
  ALIPAY_GATEWAY: info.gateway,
  ALIPAY_OAUTH_URL: info.oauthAuthorizeUrl,
  ALIPAY_SELLER_ID: app.sellerId,
  ZFB_BARCODE_POLL_MS: '300',
  ZFB_BARCODE_DEADLINE_MS: '4000',
  ZFB_REFUND_CONFIRM_DELAY_MS: '500',
  ZFB_SWEEP_INTERVAL_MS: '1000',
  ZFB_ALIPAY_TIMEOUT_MS: '3000',
  LOG_LEVEL: 'warn',
};
let server: ReturnType<typeof run> | undefined;
let logs = '';
async function startServer(): Promise<void> {
  server = run(['serve'], serverEnv);
  for (let i = 0; i < 600; i++) {
    if (server.out().includes('zfb payment server')) return;
    if (server.child.exitCode !== null) throw new Error(`zfb serve exited:\n${server.out()}`);
    await sleep(50);
  }
  throw new Error(`zfb serve did not start:\n${server.out()}`);
}
async function kill(): Promise<void> {
  const s = server!;
  s.child.kill('SIGKILL');
  await s.exited;
  logs += s.out();
}
after(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
    logs += server.out();
  }
});

// ── the merchant's backend: retries while the server is down ────────────────────

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; location: string | null }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${base}${path}`, { method, redirect: 'manual', signal: AbortSignal.timeout(20_000), headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      // 5xx while the server restarts or Alipay is slow, or an Idempotency-Key still held by a
      // request the kill cut short (409 idempotency-key-in-use, "retry in a moment"): try again,
      // like a merchant's backend.
      // (The key's lock outlives its request by at most a minute: src/server/http/idempotency.ts.)
      if ((res.status >= 500 || (res.status === 409 && text.includes('idempotency-key-in-use'))) && i < 250) {
        await sleep(res.status === 409 ? 500 : 300);
        continue;
      }
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // a redirect or a page
      }
      return { status: res.status, body: parsed as any, location: res.headers.get('location') }; // eslint-disable-line @typescript-eslint/no-explicit-any
    } catch (err) {
      if (i > 200) throw err;
      await sleep(250);
    }
  }
}
const listOf = (body: any): any[] => (Array.isArray(body) ? body : body?.data ?? []); // eslint-disable-line @typescript-eslint/no-explicit-any
const tradeOf = async (outTradeNo: string) => listOf((await admin('GET', `/trades?appId=${info.appId}&outTradeNo=${outTradeNo}`)).body)[0];
const payAtSandbox = (tradeNo: string) => admin('POST', `/trades/${tradeNo}/pay`, { buyerId: buyer.userId });

type Kind = 'wap' | 'jsapi' | 'qr' | 'barcode' | 'barcode-password' | 'barcode-never' | 'duplicate';
const KINDS: Kind[] = ['wap', 'jsapi', 'qr', 'barcode', 'barcode-password', 'barcode-never', 'duplicate'];
const counts: Record<string, number> = {};
/** Names the run in Idempotency-Keys, so that the second run's orders are its own. */
let runLabel = '';

async function onePayment(i: number): Promise<void> {
  const kind = KINDS[i % KINDS.length]!;
  counts[kind] = (counts[kind] ?? 0) + 1;
  const created = await api('POST', '/v1/orders', { amount: 100 + (i % 900), subject: `chaos ${kind} ${i}` }, { 'idempotency-key': `${runLabel}-order-${i}` });
  if (created.status !== 201) throw new Error(`order ${i}: ${created.status} ${JSON.stringify(created.body)}`);
  const o = created.body;
  switch (kind) {
    case 'wap': {
      const co = await api('GET', `/checkout/${o.id}/wap`);
      if (co.status !== 302 || !co.location) return;
      await fetch(co.location, { redirect: 'manual' }); // the buyer's browser at the gateway opens the trade
      const t = await tradeOf(o.out_trade_no);
      if (t && i % 5 !== 0) await payAtSandbox(t.tradeNo);
      break;
    }
    case 'jsapi': {
      const js = await api('POST', `/v1/orders/${o.id}/jsapi-payments`, { buyer_id: buyer.userId });
      if (js.status === 201 && i % 5 !== 1) await payAtSandbox(js.body.trade_no);
      break;
    }
    case 'qr': {
      const qr = await api('POST', `/v1/orders/${o.id}/qr-payments`);
      if (qr.status === 201 && i % 5 !== 2) {
        const t = await tradeOf(qr.body.out_trade_no);
        if (t) await payAtSandbox(t.tradeNo);
      }
      break;
    }
    case 'duplicate': {
      const qr = await api('POST', `/v1/orders/${o.id}/qr-payments`);
      const js = await api('POST', `/v1/orders/${o.id}/jsapi-payments`, { buyer_id: buyer.userId });
      if (qr.status === 201 && js.status === 201) {
        const t = await tradeOf(qr.body.out_trade_no);
        await Promise.all([payAtSandbox(js.body.trade_no), t ? payAtSandbox(t.tradeNo) : undefined]);
      }
      break;
    }
    default: {
      if (kind !== 'barcode') await admin('POST', '/faults', { appId: info.appId, kind: 'need-password', method: 'alipay.trade.pay', count: 1, ...(kind === 'barcode-password' ? { payAfterSeconds: 1 } : {}) });
      const code = (await admin('POST', `/buyers/${buyer.userId}/payment-code`)).body.authCode;
      await api('POST', `/v1/orders/${o.id}/barcode-payments`, { auth_code: code });
    }
  }
  // A partial refund of some paid orders.
  if (i % 4 === 0) {
    for (let wait = 0; wait < 20; wait++) {
      const shown = await api('GET', `/v1/orders/${o.id}`);
      if (shown.body?.status === 'paid') {
        await api('POST', `/v1/orders/${o.id}/refunds`, { amount: 50 }, { 'idempotency-key': `${runLabel}-refund-${i}` });
        break;
      }
      await sleep(250);
    }
  }
}

const FAULTS = [
  { kind: 'hang', applied: false }, { kind: 'hang', applied: true },
  { kind: 'system-error', applied: false }, { kind: 'system-error', applied: true },
  { kind: 'corrupt-signature' }, { kind: 'notify-drop' }, { kind: 'notify-duplicate' }, { kind: 'notify-reorder' }, { kind: 'notify-delay', delaySeconds: 2 },
];

const db = new pg.Pool({ connectionString: storage.env.DATABASE_URL, max: 2 });
after(() => db.end());

/** One run: the load with kills (and, with `faults`, a sandbox fault on roughly every fifth call), then the settle and the books. */
async function chaosRun(label: string, faults: boolean): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) await startServer();
  for (const k of Object.keys(counts)) delete counts[k];
  runLabel = label;
  let done = 0;
  let next = 0;
  let failures = 0;
  let kills = 0;
  let loading = true;
  const killer = (async () => {
    while (loading || kills < KILLS) {
      await sleep(1500 + Math.random() * 3500);
      await kill();
      kills++;
      await sleep(Math.random() * 500);
      await startServer();
    }
  })();
  // Faults at 10–30 % of the sandbox's calls: one at a time, each for the next call that meets it.
  let injected = 0;
  const injector = (async () => {
    while (faults && loading) {
      const f = FAULTS[Math.floor(Math.random() * FAULTS.length)]!;
      if ((await admin('POST', '/faults', { appId: info.appId, count: 1, ...f })).status === 201) injected++;
      await sleep(100 + Math.random() * 150);
    }
    // Nothing left over for the settle phase.
    for (const f of listOf((await admin('GET', `/faults?appId=${info.appId}`)).body) as { id: string; kind: string }[]) if (f.kind !== 'need-password') await admin('DELETE', `/faults/${f.id}`);
  })();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < PAYMENTS) {
        const i = next++;
        try {
          await onePayment(i);
        } catch (err) {
          failures++;
          if (failures < 5) process.stderr.write(`payment ${i}: ${(err as Error).message}\n`);
        }
        done++;
      }
    }),
  );
  loading = false;
  await killer;
  await injector;
  assert.ok(kills >= KILLS, `killed ${kills} times`);

  // Settle: every notify the sandbox still owes (or dropped: Alipay would send it again) is sent
  // again; the jobs and the sweeper run.
  const settleUntil = Date.now() + 180_000;
  for (;;) {
    for (const state of ['pending', 'dropped']) {
      const owed = (await admin('GET', `/notifies?appId=${info.appId}&state=${state}`)).body;
      for (const t of listOf(owed) as { id: string }[]) await admin('POST', `/notifies/${t.id}/resend`);
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM jobs WHERE done_at IS NULL AND failed_at IS NULL AND kind <> 'orders.sweep'`);
    const { rows: busy } = await db.query(`SELECT count(*)::int AS n FROM refunds WHERE status IN ('pending', 'processing')`);
    if (rows[0].n === 0 && busy[0].n === 0) break;
    if (Date.now() > settleUntil) break;
    await sleep(1000);
  }

  // The books against the ledger.
  const trades = new Map<string, any>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  const all = (await admin('GET', `/trades?appId=${info.appId}`)).body;
  for (const t of listOf(all)) trades.set(t.outTradeNo, t);
  const sandboxRefunds = (await admin('GET', `/refunds?appId=${info.appId}`)).body;
  const refundsAt = new Map<string, any[]>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const r of listOf(sandboxRefunds)) refundsAt.set(r.tradeNo, [...(refundsAt.get(r.tradeNo) ?? []), r]);
  const { rows: attempts } = await db.query(`SELECT a.*, o.status AS order_status, o.paid_attempt_id FROM payment_attempts a JOIN orders o ON o.id = a.order_id`);
  const { rows: localRefunds } = await db.query(`SELECT r.*, a.trade_no FROM refunds r JOIN payment_attempts a ON a.id = r.attempt_id`);
  const lost: string[] = [];
  const doubled: string[] = [];
  const stuck: string[] = [];
  for (const a of attempts) {
    const t = trades.get(a.out_trade_no);
    const paidThere = t && (t.status === 'TRADE_SUCCESS' || t.status === 'TRADE_FINISHED' || (t.status === 'TRADE_CLOSED' && t.refundedFen > 0));
    if (paidThere && a.status !== 'paid' && a.status !== 'cancelled') lost.push(`${a.out_trade_no}: ${t.status} at Alipay, ${a.status} here`);
    if (!paidThere && a.status === 'paid') lost.push(`${a.out_trade_no}: paid here, ${t?.status ?? 'unknown'} at Alipay`);
    if (a.status === 'paying' && t && t.status !== 'WAIT_BUYER_PAY') stuck.push(`${a.out_trade_no}: paying here, ${t.status} at Alipay`);
    // A paid attempt that is not the order's payment must have been given back in full.
    if (a.status === 'paid' && a.paid_attempt_id !== a.id && t && t.refundedFen !== Number(a.amount_fen)) doubled.push(`${a.out_trade_no}: a second payment of order ${a.order_id}, ${t.refundedFen} of ${a.amount_fen} fen refunded`);
  }
  for (const r of localRefunds) {
    const there = (refundsAt.get(r.trade_no) ?? []).filter((x) => x.outRequestNo === r.out_request_no);
    if (there.length > 1) doubled.push(`refund ${r.out_request_no} made ${there.length} times`);
    if (r.status === 'succeeded' && there.length !== 1) lost.push(`refund ${r.out_request_no}: succeeded here, ${there.length} at Alipay`);
    if (r.status === 'failed' && there.length > 0) lost.push(`refund ${r.out_request_no}: failed here, made at Alipay`);
    if (r.status === 'pending' || r.status === 'processing') stuck.push(`refund ${r.out_request_no}: ${r.status}`);
  }
  for (const [tradeNo, list] of refundsAt) {
    for (const x of list) {
      if (String(x.outRequestNo).startsWith('cancel-')) continue; // a barcode cancel's own refund
      if (!localRefunds.some((r) => r.trade_no === tradeNo && r.out_request_no === x.outRequestNo)) doubled.push(`refund ${x.outRequestNo} of ${tradeNo} at Alipay, unknown here`);
    }
  }
  const { rows: orders } = await db.query(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`);
  const summary = { run: label, faults_injected: injected, payments: PAYMENTS, done, client_failures: failures, kills, kinds: counts, attempts: attempts.length, refunds: localRefunds.length, orders: Object.fromEntries(orders.map((r) => [r.status, r.n])), lost: lost.length, doubled: doubled.length, stuck: stuck.length };
  process.stdout.write(`chaos summary ${JSON.stringify(summary)}\n`);
  for (const line of [...lost, ...doubled, ...stuck].slice(0, 20)) process.stdout.write(`  ${line}\n`);
  // No key material in any log line the server wrote.
  const all_logs = logs + (server?.out() ?? '');
  for (const secret of [readFileSync(info.appPrivateKeyFile, 'utf8').trim().slice(20, 80), API_KEY]) assert.ok(!all_logs.includes(secret), 'a secret reached the logs');
  assert.deepEqual({ lost, doubled, stuck }, { lost: [], doubled: [], stuck: [] });
  assert.ok(attempts.length >= PAYMENTS, `${attempts.length} attempts for ${PAYMENTS} payments`);
}

test(`chaos: ${PAYMENTS} payments and refunds while the server is SIGKILLed ${KILLS}+ times; the books equal the sandbox ledger`, { timeout: 10 * 60_000 }, () => chaosRun('kills', false));
test(`chaos with sandbox faults (hang, system-error with and without applied, corrupt-signature, notify drop, duplicate, reorder, delay) on 10–30 % of calls, and the kills`, { timeout: 10 * 60_000 }, () => chaosRun('kills+faults', true));
