/**
 * A payment server for tests: real mode pointed at an in-process sandbox (so the server talks to
 * "Alipay" over real HTTP exactly as in production), on PGlite or real PostgreSQL (a fresh schema),
 * plus small helpers to call the API.
 */
import { createSandbox, type Sandbox, type CreateSandboxOptions } from '../../src/sandbox/index.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/server/serve.js';
import type { ServerConfig } from '../../src/server/config.js';
import { openTestDatabase, type TestDatabase } from '../../src/server/db/testing.js';
import type { DatabaseKind } from '../../src/server/db/connect.js';

export const API_KEY = 'test_api_key_0123456789abcdef';

export interface Harness {
  server: RunningServer;
  sandbox: Sandbox;
  db: TestDatabase;
  /** Calls the API with the key; returns status, headers and the parsed JSON body. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export interface HarnessOptions {
  backend?: DatabaseKind;
  sandbox?: CreateSandboxOptions;
  /** Reuse a sandbox (e.g. across a server restart). */
  existingSandbox?: Sandbox;
  config?: Partial<ServerConfig>;
  /** Log options for the server (default: no logging). */
  logger?: StartOptions['logger'];
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const sandbox = o.existingSandbox ?? (await createSandbox(o.sandbox));
  const db = await openTestDatabase(o.backend ?? 'pglite');
  const config: ServerConfig = {
    mode: 'real',
    host: '127.0.0.1',
    port: 0,
    dataDir: '/nonexistent',
    apiKey: API_KEY,
    apiKeyGenerated: false,
    alipay: { appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, oauthAuthorizeUrl: sandbox.oauthAuthorizeUrl, sellerId: sandbox.ctx.ledger.app(sandbox.appId)!.sellerId },
    merchantName: '测试商户',
    jsBridgeScriptUrl: `${sandbox.baseUrl}/jsbridge.js`,
    barcode: { pollIntervalMs: 200, deadlineMs: 3000 },
    sweepIntervalMs: 60_000,
    orderTtlMs: 30 * 60_000,
    refundConfirmDelayMs: 200,
    ...o.config,
  };
  const server = await startServer(config, { db, ...(o.logger ? { logger: o.logger } : {}) });
  const api: Harness['api'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (metrics, HTML): leave as text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  return {
    server,
    sandbox,
    db,
    api,
    close: async () => {
      await server.close();
      if (!o.existingSandbox) await sandbox.close();
    },
  };
}
