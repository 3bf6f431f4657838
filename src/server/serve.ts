/**
 * Starting the payment server (`zfb serve`, `npm start`): open the database (PGlite under
 * ./data by default, or DATABASE_URL), run the migrations, connect to Alipay (or, with no
 * credentials, start an in-process sandbox and register this server's app there), listen, and
 * run the durable jobs.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AlipayClient } from '../alipay/index.js';
import { openDatabase, type Database } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { buildApp, type AppOptions } from './http/app.js';
import type { ServerConfig } from './config.js';
import type { ServerContext } from './context.js';
import { SERVER_PARTS } from './parts.js';
import { JobRunner, type JobHandler } from './db/jobs.js';

export interface RunningServer {
  url: string;
  ctx: ServerContext;
  app: FastifyInstance;
  db: Database;
  /** Dev mode: the in-process sandbox's URLs. */
  sandbox?: { baseUrl: string; adminUrl: string; walletUrl: string; appId: string };
  close(): Promise<void>;
}

export interface StartOptions {
  now?: () => Date;
  logger?: AppOptions['logger'];
  /** Dev mode: where the sandbox keeps its state (default <dataDir>/sandbox). */
  sandboxStateDir?: string;
  /** An already open database (tests); closed with the server. */
  db?: Database;
  /** How often the job runner looks for due jobs (default 500 ms). */
  jobPollMs?: number;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const db = options.db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') }));
  const closers: (() => Promise<void>)[] = [() => db.close()];
  try {
    await migrate(db.pool);
    let alipay: AlipayClient;
    let sandboxInfo: RunningServer['sandbox'];
    let sellerId = config.alipay?.sellerId;
    if (config.alipay) {
      const a = config.alipay;
      alipay = new AlipayClient({ appId: a.appId, privateKey: a.privateKey, alipayPublicKey: a.alipayPublicKey, appCert: a.appCert, alipayRootCert: a.alipayRootCert, alipayPublicCert: a.alipayPublicCert, gateway: a.gateway, oauthAuthorizeUrl: a.oauthAuthorizeUrl, timeoutMs: config.alipayTimeoutMs });
    } else {
      // Dev bootstrap: the only place the server touches the sandbox.
      const { createSandbox } = await import('../sandbox/index.js');
      const sandbox = await createSandbox({ stateDir: options.sandboxStateDir ?? join(config.dataDir, 'sandbox'), certificates: false });
      closers.unshift(() => sandbox.close());
      alipay = new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, oauthAuthorizeUrl: sandbox.oauthAuthorizeUrl, timeoutMs: config.alipayTimeoutMs });
      sellerId = sandbox.ctx.ledger.app(sandbox.appId)?.sellerId;
      sandboxInfo = { baseUrl: sandbox.baseUrl, adminUrl: sandbox.adminUrl, walletUrl: `${sandbox.baseUrl}/wallet`, appId: sandbox.appId };
      // Outside the Alipay app the in-app checkout needs a stand-in for AlipayJSBridge: the sandbox's.
      config = { ...config, jsBridgeScriptUrl: config.jsBridgeScriptUrl ?? `${sandbox.baseUrl}/jsbridge.js`, merchantName: config.merchantName ?? 'zfb 演示商户 (sandbox)' };
    }

    const now = options.now ?? (() => new Date());
    const ctx: ServerContext = { pool: db.pool, alipay, config, sellerId, now, publicBaseUrl: config.publicBaseUrl ?? '', log: undefined as never };
    const app = await buildApp(ctx, {
      parts: SERVER_PARTS.flatMap((p) => (p.routes ? [p.routes] : [])),
      publicParts: SERVER_PARTS.flatMap((p) => (p.publicRoutes ? [p.publicRoutes] : [])),
      logger: options.logger,
    });
    ctx.log = app.log;
    const address = await app.listen({ port: config.port, host: config.host });
    const url = address.replace('[::1]', '127.0.0.1');
    if (!config.publicBaseUrl) ctx.publicBaseUrl = url;
    closers.unshift(() => app.close());
    const handlers = Object.assign({}, ...SERVER_PARTS.map((p) => p.jobs?.(ctx) ?? {})) as Record<string, JobHandler>;
    if (Object.keys(handlers).length > 0) {
      const runner = new JobRunner(db.pool, { handlers, pollMs: options.jobPollMs ?? 500, concurrency: 4, clock: { now }, onError: (err, job) => app.log.error({ err, job: job?.id }, 'job failed') });
      runner.start();
      closers.unshift(() => runner.stop());
    }
    for (const part of SERVER_PARTS) {
      const stop = part.start?.(ctx);
      if (stop) closers.unshift(stop);
    }
    return {
      url,
      ctx,
      app,
      db,
      sandbox: sandboxInfo,
      close: async () => {
        for (const c of closers) await c();
      },
    };
  } catch (err) {
    for (const c of closers) await c().catch(() => {});
    throw err;
  }
}
