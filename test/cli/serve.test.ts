/**
 * `zfb serve` (what `npm start` runs) as a real process: dev mode on a fresh data dir starts the
 * sandbox and PGlite, prints the URLs and an API key that works, and stops cleanly on SIGTERM;
 * a wrong environment variable stops start-up with a sentence naming it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, scratchDir, zfb } from './run-cli.js';

function startServe(env: Record<string, string>): Promise<{ out: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--port', '0'], { cwd: ROOT, env: { ...process.env, NODE_TEST_CONTEXT: '', NODE_OPTIONS: '', ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`zfb serve did not start in time:\n${out}`)), 90_000);
    const check = setInterval(() => {
      if (/API key\s+\S+/.test(out)) {
        clearInterval(check);
        clearTimeout(t);
        resolve({ out: () => out, stop: async () => (child.kill('SIGTERM'), exited) });
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(check);
      clearTimeout(t);
      reject(new Error(`zfb serve exited (${code}) before it was ready:\n${out}`));
    });
  });
}

test('dev mode: starts on a fresh data dir, prints URLs and a working API key, stops on SIGTERM', async () => {
  const dir = scratchDir();
  const s = await startServe({ ZFB_DATA_DIR: dir, ALIPAY_APP_ID: '', DATABASE_URL: '', ZFB_API_KEY: '' });
  const out = s.out();
  const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(out)![1]!;
  const key = /API key\s+(\S+)/.exec(out)![1]!;
  assert.match(out, /sandbox\s+http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /API docs\s+http/);
  const res = await fetch(`${api}/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: 1, subject: 'hello' }) });
  assert.equal(res.status, 201);
  assert.equal(await s.stop(), 0);
});

test('real mode: a missing or wrong variable stops start-up with a sentence naming it', () => {
  const dir = scratchDir();
  const cases: [Record<string, string>, RegExp][] = [
    [{ ALIPAY_APP_ID: '123' }, /ALIPAY_APP_ID: must be your 16-digit Alipay app id/],
    [{ ALIPAY_APP_ID: '2021000123456789' }, /ALIPAY_PRIVATE_KEY_FILE: is required/],
    [{ ALIPAY_APP_ID: '2021000123456789', ALIPAY_PRIVATE_KEY_FILE: join(dir, 'nope.txt') }, /ALIPAY_PRIVATE_KEY_FILE: cannot read/],
    [{ PORT: 'eighty' }, /PORT: must be a whole number/],
  ];
  for (const [env, message] of cases) {
    const saved = { ...process.env };
    Object.assign(process.env, { ZFB_DATA_DIR: dir, ALIPAY_APP_ID: '', ...env });
    try {
      const r = zfb(['serve']);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
    } finally {
      process.env = saved;
    }
  }
});
