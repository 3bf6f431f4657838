/**
 * `zfb serve` (= `npm start`): the payment server. With no Alipay credentials in the environment
 * it runs against an in-process sandbox on embedded PGlite under ./data, and prints the URLs and
 * a generated API key. See README "The payment server" for the variables of real mode.
 */
import { parseCommandArgs } from '../args.js';
import { untilSignal } from '../until-signal.js';
import { CliError } from '../errors.js';
import { loadConfig, ServerConfigError } from '../../server/config.js';
import { startServer, type RunningServer } from '../../server/serve.js';
import { serverLogger } from '../../server/log.js';

export const help = `Usage: zfb serve [--port N]

Starts the zfb payment server.
  Dev mode (no ALIPAY_APP_ID): an in-process sandbox stands in for Alipay, data in ./data
  (embedded PostgreSQL), and a generated API key is printed.
  Real mode: ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY_FILE, ALIPAY_PUBLIC_KEY_FILE (or the three
  certificate files), ALIPAY_GATEWAY, PUBLIC_BASE_URL, DATABASE_URL, ZFB_API_KEY.

Options:
  --port N    the port (default: PORT, or 3000)
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('serve', args, { help: { type: 'boolean', short: 'h' }, port: { type: 'string' } });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  let config;
  try {
    config = loadConfig(values.port !== undefined ? { ...process.env, PORT: values.port } : process.env);
  } catch (err) {
    if (err instanceof ServerConfigError) throw new CliError(`${err.message} (see \`zfb serve --help\`)`);
    throw err;
  }
  let server: RunningServer;
  try {
    // JSON log lines (pino, through fastify); the API key never reaches them.
    server = await startServer(config, { logger: serverLogger(process.env.LOG_LEVEL || 'info') });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${config.port} is in use: set PORT or --port (0 picks a free one)`);
    throw err;
  }
  const stopped = untilSignal('serve', 'server', () => server.close());
  const lines = [
    `zfb payment server (${config.mode === 'dev' ? 'dev mode: the sandbox stands in for Alipay' : `Alipay app ${config.alipay!.appId}`})`,
    `  API            ${server.url}/v1   (Authorization: Bearer <API key>)`,
    `  API docs       ${server.url}/docs`,
    `  checkout       ${server.ctx.publicBaseUrl}/checkout/<order id>`,
    `  health         ${server.url}/healthz  ${server.url}/readyz  ${server.url}/metrics`,
    `  storage        ${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}/pglite`}`,
  ];
  if (server.sandbox) {
    lines.push(`  sandbox        ${server.sandbox.baseUrl}  (dashboard), admin API ${server.sandbox.adminUrl}, wallet ${server.sandbox.walletUrl}`);
  }
  if (config.apiKeyGenerated) lines.push(`  API key        ${config.apiKey}   (generated for this run; set ZFB_API_KEY to keep one)`);
  lines.push('', `Try: curl -s -X POST ${server.url}/v1/orders -H "Authorization: Bearer ${config.apiKeyGenerated ? config.apiKey : '$ZFB_API_KEY'}" -H 'content-type: application/json' -d '{"amount":1,"subject":"test"}'`, '');
  process.stdout.write(`${lines.join('\n')}\n`);
  return stopped;
}
