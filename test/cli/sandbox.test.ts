/**
 * `zfb sandbox` as a real child process: it prints its URLs, writes sandbox.json, answers the
 * official alipay-sdk, stops cleanly on SIGTERM and SIGINT (exit 0), and a second start on the
 * same state dir has the same app id, keys, buyers and trades.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { ROOT, hasKeyText, oneSentence, scratchDir, zfb } from './run-cli.js';

// An absolute loader URL, so the child can run from any working directory.
const TSX = import.meta.resolve('tsx');

interface Running {
  child: ChildProcess;
  gateway: string;
  adminUrl: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `zfb sandbox ARGS` and resolves once it has printed its gateway and admin URLs. */
function start(args: string[], cwd = ROOT): Promise<Running> {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/main.ts'), 'sandbox', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zfb sandbox did not start in time.\nstdout:\n${out}\nstderr:\n${err}`)), 60_000);
    const check = () => {
      const gateway = /^\s*gateway\s+(http:\/\/\S+)$/m.exec(out)?.[1];
      const adminUrl = /^\s*admin API\s+(http:\/\/\S+)$/m.exec(out)?.[1];
      if (gateway && adminUrl && out.includes('Stop with Ctrl-C')) {
        clearTimeout(timer);
        resolve({ child, gateway, adminUrl, stdout: () => out, stderr: () => err, exit });
      }
    };
    child.stdout!.on('data', check);
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`zfb sandbox exited (${code ?? signal}) before it was ready.\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

interface Info {
  gateway: string;
  adminUrl: string;
  oauthAuthorizeUrl: string;
  appId: string;
  appPrivateKeyFile: string;
  appPublicKeyFile: string;
  alipayPublicKeyFile: string;
  buyers: { userId: string; openId: string; logonId: string; balanceFen: number }[];
}

const sdkFor = (info: Info) =>
  new AlipaySdk({
    appId: info.appId,
    privateKey: readFileSync(info.appPrivateKeyFile, 'utf8').trim(),
    keyType: 'PKCS8',
    alipayPublicKey: readFileSync(info.alipayPublicKeyFile, 'utf8').trim(),
    gateway: info.gateway,
    camelcase: false,
  });

test('zfb sandbox: prints its URLs, answers the official SDK, stops on SIGTERM, and a restart keeps app, keys and trades', async () => {
  const dir = join(scratchDir(), 'state');
  const first = await start(['--port', '0', '--state', dir]);
  const info = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as Info;
  assert.equal(info.gateway, first.gateway);
  assert.equal(info.adminUrl, first.adminUrl);
  assert.ok(first.stdout().includes(join(dir, 'sandbox.json')), 'it says where sandbox.json is');
  assert.ok(first.stdout().includes(info.oauthAuthorizeUrl));
  assert.ok(!hasKeyText(first.stdout()), 'no key text on stdout');
  assert.match(first.stdout(), /never expose/);
  for (const k of ['appPrivateKeyFile', 'appPublicKeyFile', 'alipayPublicKeyFile'] as const) assert.ok(existsSync(info[k]), k);
  assert.ok(info.buyers.length >= 1 && info.buyers.every((b) => /^2088\d{12}$/.test(b.userId) && b.openId && Number.isSafeInteger(b.balanceFen)));

  const sdk = sdkFor(info);
  const code = await (await fetch(`${info.adminUrl}/buyers/${info.buyers[0]!.userId}/payment-code`, { method: 'POST' })).json() as { authCode: string };
  const paid = await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'CLI-1', scene: 'bar_code', auth_code: code.authCode, subject: 'cli', total_amount: '6.66' } }, { validateSign: true });
  assert.equal(paid.code, '10000', JSON.stringify(paid));

  first.child.kill('SIGTERM');
  const stopped = await first.exit;
  assert.deepEqual(stopped, { code: 0, signal: null }, first.stderr());
  assert.match(first.stdout(), /stopped/);
  assert.equal(first.stderr(), '');

  const keysBefore = [info.appPrivateKeyFile, info.appPublicKeyFile, info.alipayPublicKeyFile].map((f) => readFileSync(f, 'utf8'));
  const second = await start(['--port', '0', '--state', dir]);
  const again = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')) as Info;
  assert.equal(again.gateway, second.gateway);
  assert.equal(again.appId, info.appId);
  assert.deepEqual([again.appPrivateKeyFile, again.appPublicKeyFile, again.alipayPublicKeyFile].map((f) => readFileSync(f, 'utf8')), keysBefore);
  assert.deepEqual(again.buyers.map((b) => [b.userId, b.openId]), info.buyers.map((b) => [b.userId, b.openId]));
  const q = await sdkFor(again).exec('alipay.trade.query', { bizContent: { out_trade_no: 'CLI-1' } }, { validateSign: true });
  assert.equal(q.trade_status, 'TRADE_SUCCESS');
  assert.equal(q.trade_no, paid.trade_no);

  second.child.kill('SIGINT');
  assert.deepEqual(await second.exit, { code: 0, signal: null }, second.stderr());
});

test('zfb sandbox with no --state keeps its state in .zfb/sandbox under the working directory', async () => {
  const cwd = scratchDir();
  const running = await start(['--port', '0'], cwd);
  try {
    const file = join(cwd, '.zfb', 'sandbox', 'sandbox.json');
    assert.ok(existsSync(file));
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as Info).gateway, running.gateway);
    assert.ok(running.stdout().includes(file));
  } finally {
    running.child.kill('SIGTERM');
    assert.equal((await running.exit).code, 0);
  }
});

test('zfb sandbox --time-scale is taken and shown', async () => {
  const running = await start(['--port', '0', '--state', join(scratchDir(), 's'), '--time-scale', '60']);
  try {
    assert.match(running.stdout(), /time scale\s+60x/);
  } finally {
    running.child.kill('SIGTERM');
    assert.deepEqual(await running.exit, { code: 0, signal: null }, `${running.stdout()}\n${running.stderr()}`);
  }
});

test('zfb sandbox: bad options are usage errors (exit 2)', () => {
  for (const [args, message] of [
    [['--port', 'abc'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be a whole number/],
    [['--port', '-1'], /--port/],
    [['--time-scale', '0'], /--time-scale must be a positive number/],
    [['--time-scale', 'fast'], /--time-scale must be a positive number/],
    [['--state', ''], /--state needs a directory/],
    [['--host', '::1'], /--host/],
    [['--colour'], /Unknown option '--colour'/],
  ] as const) {
    const r = zfb(['sandbox', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /zfb help sandbox/);
    assert.equal(r.stdout, '');
  }
});

test('zfb sandbox on a port in use fails in one sentence (exit 1)', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  try {
    const port = (blocker.address() as { port: number }).port;
    const r = await new Promise<ReturnType<typeof zfb>>((resolve) => setImmediate(() => resolve(zfb(['sandbox', '--port', String(port), '--state', join(scratchDir(), 's')]))));
    assert.equal(r.status, 1);
    assert.match(oneSentence(r.stderr), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
  } finally {
    blocker.close();
  }
});

test('zfb sandbox --help and zfb help sandbox', () => {
  for (const args of [['sandbox', '--help'], ['help', 'sandbox']]) {
    const r = zfb(args);
    assert.equal(r.status, 0);
    assert.ok(r.stdout.startsWith('Usage: zfb sandbox'));
    assert.match(r.stdout, /--port N/);
    assert.match(r.stdout, /--state DIR/);
    assert.match(r.stdout, /--time-scale X/);
  }
  assert.ok(zfb(['--help']).stdout.includes('  sandbox '));
});
