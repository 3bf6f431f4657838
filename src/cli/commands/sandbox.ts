/**
 * `zfb sandbox`: runs the offline Alipay (src/sandbox) in the foreground until SIGINT or SIGTERM,
 * then closes it cleanly (exit 0). State and keys live in the state directory (default
 * `.zfb/sandbox` under the current directory), so a restart keeps the app id, keys, buyers and
 * trades; `sandbox.json` there says how to reach it. Prints URLs and file paths, never key text.
 */
import { resolve } from 'node:path';
import { createSandbox, type Sandbox } from '../../sandbox/index.js';
import { parseCommandArgs } from '../args.js';
import { untilSignal } from '../until-signal.js';
import { CliError, UsageError } from '../errors.js';

const COMMAND = 'sandbox';
export const DEFAULT_PORT = 8900;
export const DEFAULT_STATE_DIR = '.zfb/sandbox';

export const help = `Usage: zfb sandbox [--port N] [--state DIR] [--time-scale X] [--host ADDR]

Runs the zfb sandbox, an offline Alipay: the gateway (gateway.do), the cashier and OAuth pages,
async notifies, and an admin API (JSON, under /admin) to register apps, fund buyers, issue
payment codes, pay or fail waiting trades and inject faults. Runs until Ctrl-C (SIGINT) or
SIGTERM.

Options:
  --port N          the port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --state DIR       where state and keys are kept (default ${DEFAULT_STATE_DIR} under the current
                    directory). Keys are made on the first start and kept; a restart loses
                    nothing. DIR/sandbox.json says how to reach the sandbox: gateway, admin URL,
                    app id, key files, buyers.
  --time-scale X    run sandbox time X times faster (notify retries, a buyer who pays
                    after N seconds, trade expiry), so Alipay's 25-hour notify schedule
                    can be watched; request timestamps are still checked against real time
  --host ADDR       the address to listen on (default 127.0.0.1). The sandbox has no
                    authentication: never expose it beyond your machine.
`;

function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`, COMMAND);
  return Number(value);
}

function parseTimeScale(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--time-scale must be a positive number, got ${JSON.stringify(value)}`, COMMAND);
  return n;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

/** "1000000.00": integer fen as yuan, without floats (balances may be 0). */
function yuan(fen: number): string {
  const s = String(Math.abs(fen)).padStart(3, '0');
  return `${fen < 0 ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

function describe(sb: Sandbox, stateDir: string, timeScale: number, host: string): string {
  const lines = [
    `zfb sandbox: an offline Alipay on ${sb.baseUrl}`,
    `  gateway        ${sb.gateway}`,
    `  OAuth page     ${sb.oauthAuthorizeUrl}`,
    `  admin API      ${sb.adminUrl}`,
    `  app id         ${sb.appId}${sb.certApp ? ` (certificate mode: ${sb.certApp.appId})` : ''}`,
    `  app keys       ${sb.appPrivateKeyFile ?? '-'} (private), ${sb.appPublicKeyFile ?? '-'} (public)`,
    `  Alipay key     ${sb.alipayPublicKeyFile ?? '-'} (支付宝公钥)`,
    `  sandbox.json   ${resolve(stateDir, 'sandbox.json')}`,
  ];
  if (timeScale !== 1) lines.push(`  time scale     ${timeScale}x (sandbox time runs faster)`);
  lines.push('Buyers:');
  for (const b of sb.buyers) lines.push(`  ${b.logonId.padEnd(22)} ${b.userId}  password ${b.password}  balance ${yuan(b.balanceFen)} yuan`);
  lines.push(
    LOOPBACK.has(host)
      ? `No authentication: it listens on ${host} only; never expose it.`
      : `WARNING: listening on ${host} with no authentication. Anyone who can reach this port can register apps and move sandbox money.`,
  );
  lines.push('Stop with Ctrl-C.');
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(COMMAND, args, {
    port: { type: 'string' },
    state: { type: 'string' },
    'time-scale': { type: 'string' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const port = parsePort(values.port);
  const timeScale = parseTimeScale(values['time-scale']);
  if (values.state === '') throw new UsageError('--state needs a directory', COMMAND);
  if (values.host === '') throw new UsageError('--host needs an address', COMMAND);
  // The sandbox builds its URLs as http://HOST:PORT, which an IPv6 literal would break.
  if (values.host?.includes(':')) throw new UsageError('--host takes an IPv4 address or a host name (IPv6 literals are not supported)', COMMAND);
  const stateDir = resolve(values.state ?? DEFAULT_STATE_DIR);
  const host = values.host ?? '127.0.0.1';

  let sandbox: Sandbox;
  try {
    sandbox = await createSandbox({ port, host, stateDir, timeScale });
  } catch (err) {
    throw startError(err, port, host, stateDir);
  }
  const stopped = untilSignal('sandbox', 'sandbox', () => sandbox.close());
  // Only once the handlers are in place: whoever waits for this text may signal at once.
  process.stdout.write(describe(sandbox, stateDir, timeScale, host));
  return stopped;
}

function startError(err: unknown, port: number, host: string, stateDir: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new CliError(`port ${port} on ${host} is in use: choose another with --port (0 picks a free one)`);
  if (code === 'EADDRNOTAVAIL') return new CliError(`cannot listen on ${host}: it is not an address of this machine`);
  if (code === 'EACCES' && (err as NodeJS.ErrnoException).syscall === 'listen') return new CliError(`not allowed to listen on port ${port} (ports below 1024 need privileges)`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'EEXIST') {
    return new CliError(`cannot use the state directory ${stateDir}: ${code === 'ENOTDIR' || code === 'EEXIST' ? 'it is not a directory' : 'permission denied'}`);
  }
  if (err instanceof Error && /damaged/.test(err.message)) return new CliError(err.message);
  return err instanceof Error ? err : new Error(String(err));
}
