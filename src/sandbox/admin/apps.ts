/**
 * /admin/apps: the merchant apps the gateway accepts. An app is registered with its public key
 * (public-key mode) or its app certificate (certificate mode); the key is parsed at once so a
 * wrong paste is a 400 naming the field, never a mysterious isv.invalid-signature later.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { parsePublicKey } from '../../alipay/keys/parse.js';
import { certSn } from '../../alipay/cert/sn.js';
import { issueAppCert } from '../certs/issue.js';
import { aesEncrypt } from '../../alipay/aes.js';
import { ZfbError } from '../../alipay/errors.js';
import { newUserId } from '../ids.js';
import type { SandboxContext } from '../context.js';
import type { SandboxApp } from '../state/model.js';
import { check, httpUrl, jsonBody } from './input.js';
import { conflict, invalid } from './problem.js';
import { mustApp } from './lookup.js';
import { appView } from './views.js';
import { created, ok, type AdminRoute } from './route.js';

const name = z.string().trim().min(1).max(64);
const publicKey = z.string().min(1);
const appCert = z.string().min(1);
const signType = z.enum(['RSA2', 'RSA']);
const redirectUris = z.array(httpUrl).max(20);
const openIdMode = z.boolean();
const aesKey = z.string().min(1);

const createSchema = z.strictObject({
  appId: z.string().regex(/^\d{16}$/, { message: 'must be 16 digits, like 2021004100000000' }).optional(),
  name: name.optional(),
  publicKey: publicKey.optional(),
  appCert: appCert.optional(),
  signType: signType.optional(),
  notifyUrl: httpUrl.optional(),
  redirectUris: redirectUris.optional(),
  openIdMode: openIdMode.optional(),
  aesKey: aesKey.optional(),
  issueAppCert: z.boolean().optional(),
});

/** The same fields but appId; null clears notifyUrl and aesKey. */
const patchSchema = z.strictObject({
  name: name.optional(),
  publicKey: publicKey.optional(),
  appCert: appCert.optional(),
  signType: signType.optional(),
  notifyUrl: httpUrl.nullable().optional(),
  redirectUris: redirectUris.optional(),
  openIdMode: openIdMode.optional(),
  aesKey: aesKey.nullable().optional(),
  issueAppCert: z.boolean().optional(),
});

type KeyInput = { publicKey?: string; appCert?: string; issueAppCert?: boolean };

/**
 * The key fields of an app from `publicKey` or `appCert` (checked), or undefined if neither.
 * `issueAppCert` with a publicKey: the sandbox's CA issues the app certificate (certificate mode),
 * as the Alipay console does from the key's CSR.
 */
function keyFields(ctx: SandboxContext, appId: string, input: KeyInput): Pick<SandboxApp, 'publicKey' | 'appCert' | 'appCertSn'> | undefined {
  if (input.publicKey !== undefined && input.appCert !== undefined) throw invalid('appCert', 'give either publicKey (public-key mode) or appCert (certificate mode), not both');
  if (input.issueAppCert && input.publicKey === undefined) throw invalid('publicKey', 'is required with issueAppCert: the key to certify');
  try {
    if (input.publicKey !== undefined) {
      const parsed = parsePublicKey(input.publicKey, 'publicKey');
      if (parsed.format === 'x509') throw invalid('publicKey', 'is a certificate: register it as appCert (certificate mode)');
      if (input.issueAppCert) {
        const pki = ctx.identity.pki;
        if (!pki) throw invalid('issueAppCert', 'certificate mode is off in this sandbox (start it with a state dir or certificates: true)');
        const pem = issueAppCert(pki, parsed.key, appId);
        return { appCert: pem, appCertSn: certSn(pem), publicKey: undefined };
      }
      return { publicKey: parsed.key.export({ format: 'der', type: 'spki' }).toString('base64'), appCert: undefined, appCertSn: undefined };
    }
    if (input.appCert !== undefined) {
      const parsed = parsePublicKey(input.appCert, 'appCert');
      if (parsed.format !== 'x509' || parsed.armour !== 'pem') throw invalid('appCert', 'must be the app certificate as PEM (-----BEGIN CERTIFICATE-----)');
      const text = input.appCert.trim();
      return { appCert: `${text}\n`, appCertSn: certSn(text, 'appCert'), publicKey: undefined };
    }
  } catch (err) {
    if (err instanceof ZfbError && 'field' in err) throw invalid(String(err.field), err.message.replace(/^[^:]+: /, ''));
    throw err;
  }
  return undefined;
}

function checkAesKey(key: string): void {
  try {
    aesEncrypt('', key);
  } catch {
    throw invalid('aesKey', 'must be the base64 of a 16-, 24- or 32-byte AES key (the console\'s 接口内容加密密钥)');
  }
}

function newAppId(ctx: SandboxContext): string {
  for (;;) {
    const id = `2021${String(randomInt(1e6)).padStart(6, '0')}${String(randomInt(1e6)).padStart(6, '0')}`;
    if (!ctx.ledger.app(id)) return id;
  }
}

export const appRoutes: AdminRoute[] = [
  {
    method: 'GET',
    path: '/apps',
    summary: 'list the apps',
    handle: ({ ctx }) => ok(ctx.ledger.apps().sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(appView)),
  },
  {
    method: 'POST',
    path: '/apps',
    summary: 'register an app: { appId?, name?, publicKey | appCert, issueAppCert?, signType?, notifyUrl?, redirectUris?, openIdMode?, aesKey? }',
    handle: ({ ctx, req }) => {
      const input = check(createSchema, jsonBody(req));
      if (input.appId !== undefined && ctx.ledger.app(input.appId)) throw conflict(`app ${input.appId} is already registered (PATCH /admin/apps/${input.appId} changes it)`, { field: 'appId' });
      const appId = input.appId ?? newAppId(ctx);
      const keys = keyFields(ctx, appId, input);
      if (!keys) throw invalid('publicKey', 'is required: give the app public key (public-key mode) or appCert (certificate mode)');
      if (input.aesKey !== undefined) checkAesKey(input.aesKey);
      const app: SandboxApp = {
        appId,
        name: input.name ?? `Sandbox app ${appId}`,
        ...keys,
        signType: input.signType ?? 'RSA2',
        notifyUrl: input.notifyUrl,
        redirectUris: input.redirectUris ?? [],
        sellerId: newUserId(),
        sellerEmail: `merchant-${appId}@sandbox.zfb`,
        aesKey: input.aesKey,
        openIdMode: input.openIdMode ?? false,
        createdAt: ctx.clock.now().toISOString(),
      };
      return created(appView(ctx.ledger.putApp(withoutUndefined(app))));
    },
  },
  {
    method: 'GET',
    path: '/apps/:appId',
    summary: 'one app',
    handle: ({ ctx, params }) => ok(appView(mustApp(ctx, params.appId!))),
  },
  {
    method: 'PATCH',
    path: '/apps/:appId',
    summary: 'change an app: any of the POST fields but appId; notifyUrl and aesKey null to clear',
    handle: ({ ctx, req, params }) => {
      const app = mustApp(ctx, params.appId!);
      const input = check(patchSchema, jsonBody(req));
      const keys = keyFields(ctx, app.appId, input);
      if (typeof input.aesKey === 'string') checkAesKey(input.aesKey);
      const next: SandboxApp = { ...app, ...(keys ?? {}) };
      if (input.name !== undefined) next.name = input.name;
      if (input.signType !== undefined) next.signType = input.signType;
      if (input.redirectUris !== undefined) next.redirectUris = input.redirectUris;
      if (input.openIdMode !== undefined) next.openIdMode = input.openIdMode;
      if (input.notifyUrl !== undefined) next.notifyUrl = input.notifyUrl ?? undefined;
      if (input.aesKey !== undefined) next.aesKey = input.aesKey ?? undefined;
      return ok(appView(ctx.ledger.putApp(withoutUndefined(next))));
    },
  },
];

/** JSON drops undefined anyway; the journal should not carry them either. */
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
