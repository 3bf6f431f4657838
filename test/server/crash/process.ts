/**
 * Runs test/server/crash/server-process.ts as a child process against a sandbox of the test
 * process, on a PostgreSQL schema or a PGlite data dir, with or without a crash point.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Sandbox } from '../../../src/sandbox/index.js';
import { pgliteTemplate, TEST_DATABASE_URL, urlWithSchema } from '../../../src/server/db/testing.js';
import type { DatabaseKind } from '../../../src/server/db/connect.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const API_KEY = 'crash_test_api_key_0123456789';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Where the server processes keep their data: a fresh PostgreSQL schema or PGlite dir. */
export interface Storage {
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function freshStorage(kind: DatabaseKind): Promise<Storage> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'zfb-crash-'));
    cpSync(await pgliteTemplate(), join(dir, 'pglite'), { recursive: true });
    return { env: { ZFB_DATA_DIR: dir, DATABASE_URL: '' }, drop: async () => {} };
  }
  const schema = `zfb_crash_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    env: { DATABASE_URL: urlWithSchema(TEST_DATABASE_URL, schema) },
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit signal or code. */
  exited: Promise<NodeJS.Signals | number | null>;
  output(): string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): Promise<void>;
}

export async function startServerProcess(sandbox: Sandbox, storage: Storage, port: number, crashAt?: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/server/crash/server-process.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_TEST_CONTEXT: '',
      NODE_OPTIONS: '',
      ...storage.env,
      PORT: String(port),
      ZFB_API_KEY: API_KEY,
      ALIPAY_APP_ID: sandbox.appId,
      ALIPAY_PRIVATE_KEY: sandbox.appPrivateKey,
      ALIPAY_PUBLIC_KEY: sandbox.alipayPublicKey,
      ALIPAY_GATEWAY: sandbox.gateway,
      ALIPAY_SELLER_ID: sandbox.ctx.ledger.app(sandbox.appId)!.sellerId,
      ZFB_CRASH_AT: crashAt ?? '',
    },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, signal) => r(signal ?? code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server process not ready in 60 s:\n${out}`)), 60_000);
    const poll = setInterval(() => {
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m[1]!);
      }
    }, 50);
    void exited.then((why) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server process exited (${why}) before it was ready:\n${out}`));
    });
  });
  const api: ServerProcess['api'] = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(30_000), method, headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    url,
    child,
    exited,
    output: () => out,
    api,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => {
          process.stderr.write(`server process did not stop on SIGTERM in 15 s; killing it:\n${out.slice(-2000)}\n`);
          child.kill('SIGKILL');
        }, 15_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Polls `probe` until it returns a value, or fails after `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 30_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
