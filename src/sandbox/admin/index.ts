/**
 * The admin API: JSON over HTTP under /admin, for tests, the demo and people. It registers apps,
 * lists and funds buyers, issues payment codes, shows trades, refunds and notifies, plays the
 * buyer on waiting trades, and injects faults. Amounts are integer fen. Errors are
 * `application/problem+json` with the field at fault (problem.ts).
 *
 * No authentication: the sandbox listens on 127.0.0.1 and must never be exposed.
 *
 * One router entry takes every /admin path so that unknown paths and methods get problem+json
 * answers (404, 405 with Allow) like the rest of the API.
 */
import type { Router, SandboxRequest, SandboxResponse } from '../http/router.js';
import type { SandboxContext } from '../context.js';
import { AdminProblem } from './problem.js';
import { ok, type AdminRoute } from './route.js';
import { appRoutes } from './apps.js';
import { buyerRoutes } from './buyers.js';
import { tradeRoutes } from './trades.js';
import { notifyRoutes } from './notifies.js';
import { faultRoutes } from './faults.js';

export const ADMIN_PREFIX = '/admin';

interface Compiled {
  route: AdminRoute;
  pattern: RegExp;
  names: string[];
}

function compile(route: AdminRoute): Compiled {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(seg.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

/** Every admin route, in the order the README documents them (the index is built from this). */
export function adminRoutes(): AdminRoute[] {
  const index: AdminRoute = {
    method: 'GET',
    path: '',
    summary: 'this index: the sandbox URLs and every admin route',
    handle: ({ ctx }) =>
      ok({
        gateway: `${ctx.baseUrl}/gateway.do`,
        adminUrl: `${ctx.baseUrl}${ADMIN_PREFIX}`,
        // Certificate mode: what a merchant configures as alipayPublicCert and alipayRootCert.
        certificates: ctx.identity.pki ? { alipayPublicCert: ctx.identity.pki.alipayCertChainPem, alipayRootCert: ctx.identity.pki.rootBundlePem } : undefined,
        routes: all.map((r) => ({ method: r.method, path: `${ADMIN_PREFIX}${r.path}`, summary: r.summary })),
      }),
  };
  const all = [index, ...appRoutes, ...buyerRoutes, ...tradeRoutes, ...notifyRoutes, ...faultRoutes];
  return all;
}

export function registerAdmin(router: Router, ctx: SandboxContext): void {
  const compiled = adminRoutes().map(compile);
  router.on('*', new RegExp(`^${ADMIN_PREFIX}(?:/.*)?$`), (req) => handleAdmin(ctx, compiled, req));
}

async function handleAdmin(ctx: SandboxContext, routes: Compiled[], req: SandboxRequest): Promise<SandboxResponse> {
  try {
    const sub = req.url.pathname.slice(ADMIN_PREFIX.length);
    const allow = new Set<string>();
    for (const c of routes) {
      const m = c.pattern.exec(sub);
      if (!m) continue;
      if (c.route.method !== req.method) {
        allow.add(c.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      c.names.forEach((name, i) => {
        const raw = m[i + 1]!;
        try {
          params[name] = decodeURIComponent(raw);
        } catch {
          throw new AdminProblem('invalid-input', `${name}: bad percent-encoding in the path`, { field: name });
        }
      });
      return await c.route.handle({ ctx, req, params });
    }
    if (allow.size > 0) {
      throw new AdminProblem('method-not-allowed', `${req.method} is not allowed on ${req.url.pathname}; it takes ${[...allow].join(', ')}`, { allow: [...allow] });
    }
    throw new AdminProblem('not-found', `no admin route ${req.url.pathname} (GET ${ADMIN_PREFIX} lists them)`);
  } catch (err) {
    if (err instanceof AdminProblem) return err.toResponse();
    return new AdminProblem('internal', `the sandbox failed on this request: ${(err as Error).message}`).toResponse();
  }
}
