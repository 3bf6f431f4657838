/**
 * createSandbox(): an offline Alipay on loopback. It listens, registers a default app on first
 * start, and (with a state dir) writes `sandbox.json` describing how to reach it:
 * the gateway URL, the OAuth page, the admin API, the app id, key files, and the buyers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock, type Clock } from './clock.js';
import { Store } from './state/store.js';
import { Ledger } from './state/ledger.js';
import { Faults } from './faults.js';
import { Router } from './http/router.js';
import { handleGateway } from './gateway/handler.js';
import { loadIdentity, bareSpki, barePkcs8, type KeyFiles } from './identity.js';
import { newUserId, openIdFor } from './ids.js';
import type { SandboxContext } from './context.js';
import type { SandboxApp } from './state/model.js';
import { appCertFor, loadPki, pkiSns, writePublicCerts } from './cert-mode.js';
import { certSn } from '../alipay/cert/sn.js';

export interface CreateSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where state and keys live; omitted = in memory only. */
  stateDir?: string;
  clock?: Clock;
  /** Shorthand for clock: realClock(timeScale). */
  timeScale?: number;
  timestampToleranceMs?: number;
  /**
   * Certificate mode: make (or load) the sandbox PKI and register a second default app in
   * certificate mode. Default: on with a state dir (made once, ~1.5 s), off in memory.
   */
  certificates?: boolean;
}

export interface SandboxBuyerInfo {
  userId: string;
  /** The buyer's open id for the default app (what an openid-mode app sees). */
  openId: string;
  logonId: string;
  name: string;
  password: string;
  balanceFen: number;
}

export interface SandboxInfo {
  gateway: string;
  oauthAuthorizeUrl: string;
  adminUrl: string;
  baseUrl: string;
  appId: string;
  /** Key files (present when there is a state dir). */
  appPrivateKeyFile?: string;
  appPublicKeyFile?: string;
  alipayPublicKeyFile?: string;
  /** Certificate mode (when enabled): the second default app and the three certificates, as PEM. */
  certApp?: {
    appId: string;
    appCert: string;
    alipayPublicCert: string;
    alipayRootCert: string;
    appCertFile?: string;
    alipayPublicCertFile?: string;
    alipayRootCertFile?: string;
  };
  /** The same keys as bare base64 (always present). */
  appPrivateKey: string;
  appPublicKey: string;
  alipayPublicKey: string;
  buyers: SandboxBuyerInfo[];
}

export interface Sandbox extends SandboxInfo {
  ctx: SandboxContext;
  router: Router;
  close(): Promise<void>;
}

export const DEFAULT_APP_ID = '9021000100000001';
export const CERT_APP_ID = '9021000100000002';

export async function createSandbox(options: CreateSandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? realClock(options.timeScale ?? 1);
  const store = new Store(options.stateDir);
  const ledger = new Ledger(store, clock);
  const identity = loadIdentity(options.stateDir);
  const ctx: SandboxContext = {
    store,
    ledger,
    clock,
    faults: new Faults(store, clock),
    identity: { alipayPrivateKey: identity.alipayPrivateKey, alipayPublicKey: identity.alipayPublicKey, secret: identity.secret },
    options: { timestampToleranceMs: options.timestampToleranceMs ?? 24 * 3600_000 },
    baseUrl: '',
  };
  if (!ledger.app(DEFAULT_APP_ID)) {
    const app: SandboxApp = {
      appId: DEFAULT_APP_ID,
      name: 'zfb sandbox app',
      publicKey: bareSpki(identity.appPublicKey),
      signType: 'RSA2',
      redirectUris: [],
      sellerId: newUserId(),
      sellerEmail: 'merchant@sandbox.zfb',
      openIdMode: false,
      createdAt: clock.now().toISOString(),
    };
    ledger.putApp(app);
  }

  let certApp: SandboxInfo['certApp'];
  if (options.certificates ?? options.stateDir !== undefined) {
    const pki = loadPki(identity.alipayPrivateKey, options.stateDir);
    Object.assign(ctx.identity, pkiSns(pki), { pki });
    const appCert = appCertFor(pki, identity.appPublicKey, CERT_APP_ID, options.stateDir);
    if (!ledger.app(CERT_APP_ID)) {
      ledger.putApp({ ...ledger.app(DEFAULT_APP_ID)!, appId: CERT_APP_ID, name: 'zfb sandbox app (certificate mode)', publicKey: undefined, appCert: appCert.pem, appCertSn: certSn(appCert.pem), createdAt: clock.now().toISOString() });
    }
    const files = options.stateDir ? writePublicCerts(pki, options.stateDir) : undefined;
    certApp = {
      appId: CERT_APP_ID,
      appCert: appCert.pem,
      alipayPublicCert: pki.alipayCertChainPem,
      alipayRootCert: pki.rootBundlePem,
      appCertFile: appCert.file,
      alipayPublicCertFile: files?.alipayCertPublicKey,
      alipayRootCertFile: files?.alipayRootCert,
    };
  }

  const router = new Router();
  router.on('*', '/gateway.do', (req) => handleGateway(ctx, req));
  const { registerParts } = await import('./register.js');
  registerParts(router, ctx);

  const stopSweeper = sweepEveryMinute(ctx);
  const server: Server = createServer((req, res) => void router.handle(req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  ctx.baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  const info = describe(ctx, identity.files, {
    appPrivateKey: barePkcs8(identity.appPrivateKey),
    appPublicKey: bareSpki(identity.appPublicKey),
    alipayPublicKey: bareSpki(identity.alipayPublicKey),
  });
  info.certApp = certApp;
  if (options.stateDir) writeFileSync(join(options.stateDir, 'sandbox.json'), `${JSON.stringify(withoutSecrets(info), null, 2)}\n`);

  return {
    ...info,
    ctx,
    router,
    close: () =>
      new Promise<void>((resolve) => {
        stopSweeper();
        ctx.notifier?.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function describe(ctx: SandboxContext, files: KeyFiles | undefined, keys: { appPrivateKey: string; appPublicKey: string; alipayPublicKey: string }): SandboxInfo {
  return {
    gateway: `${ctx.baseUrl}/gateway.do`,
    oauthAuthorizeUrl: `${ctx.baseUrl}/oauth2/publicAppAuthorize.htm`,
    adminUrl: `${ctx.baseUrl}/admin`,
    baseUrl: ctx.baseUrl,
    appId: DEFAULT_APP_ID,
    appPrivateKeyFile: files?.appPrivateKey,
    appPublicKeyFile: files?.appPublicKey,
    alipayPublicKeyFile: files?.alipayPublicKey,
    ...keys,
    buyers: ctx.ledger.buyers().map((b) => ({ userId: b.userId, openId: openIdFor(ctx.identity.secret, DEFAULT_APP_ID, b.userId), logonId: b.logonId, name: b.name, password: b.password, balanceFen: b.balanceFen })),
  };
}

/** sandbox.json points at key files; it does not repeat the app's private key. */
function withoutSecrets(info: SandboxInfo): Omit<SandboxInfo, 'appPrivateKey'> {
  const { appPrivateKey: _hidden, ...rest } = info;
  return rest;
}

/**
 * Unpaid trades expire and 10003 trades pay themselves when someone reads them (Ledger is lazy);
 * this sweep reads every waiting trade once a minute of sandbox time, so their notifies go out
 * on time even when nobody asks.
 */
function sweepEveryMinute(ctx: SandboxContext): () => void {
  let cancel = () => {};
  const tick = () => {
    for (const t of ctx.store.all<{ tradeNo: string; status: string }>('trades')) if (t.status === 'WAIT_BUYER_PAY') ctx.ledger.trade(t.tradeNo);
    cancel = ctx.clock.setTimeout(tick, 60_000);
  };
  cancel = ctx.clock.setTimeout(tick, 60_000);
  return () => cancel();
}
