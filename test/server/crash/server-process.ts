/**
 * A payment server in its own process, for the crash and multi-instance tests: real mode against
 * the sandbox whose gateway and keys come from the environment, on the database in DATABASE_URL
 * or the PGlite data dir in ZFB_DATA_DIR. Prints `READY <url>` once listening.
 */
import { startServer } from '../../../src/server/serve.js';
import type { ServerConfig } from '../../../src/server/config.js';

const env = process.env;
const config: ServerConfig = {
  mode: 'real',
  host: '127.0.0.1',
  port: Number(env.PORT ?? 0),
  publicBaseUrl: env.PUBLIC_BASE_URL || undefined,
  databaseUrl: env.DATABASE_URL || undefined,
  dataDir: env.ZFB_DATA_DIR ?? './data',
  apiKey: env.ZFB_API_KEY!,
  apiKeyGenerated: false,
  alipay: { appId: env.ALIPAY_APP_ID!, privateKey: env.ALIPAY_PRIVATE_KEY!, alipayPublicKey: env.ALIPAY_PUBLIC_KEY!, gateway: env.ALIPAY_GATEWAY!, sellerId: env.ALIPAY_SELLER_ID },
  barcode: { pollIntervalMs: 200, deadlineMs: 3000 },
  orderTtlMs: 30 * 60_000,
  refundConfirmDelayMs: 500,
  alipayTimeoutMs: 5000,
};
const server = await startServer(config, { jobPollMs: 100 });
process.stdout.write(`READY ${server.url}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
