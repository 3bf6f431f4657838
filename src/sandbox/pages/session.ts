/**
 * Who the buyer is on the sandbox's pages. Logging in on the cashier, the OAuth page or the QR
 * page sets the `zfb_buyer` cookie (an HMAC-tagged user id: the sandbox's secret signs it, so a
 * page cannot be talked into another buyer by editing the cookie). A later OAuth auth_base visit
 * with the cookie is silent, as in the Alipay app where the user is always logged in. Forms that
 * continue a login (the auth_user consent screen) carry the same token in a hidden `session`
 * field, so a plain HTTP client without a cookie jar can drive every page.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxContext } from '../context.js';
import type { SandboxRequest } from '../http/router.js';
import type { Buyer } from '../state/model.js';

export const BUYER_COOKIE = 'zfb_buyer';

const tag = (ctx: SandboxContext, userId: string) => createHmac('sha256', ctx.identity.secret).update(`zfb-buyer:${userId}`).digest('base64url').slice(0, 22);

/** A token naming a buyer: `<userId>.<tag>`. */
export function buyerToken(ctx: SandboxContext, userId: string): string {
  return `${userId}.${tag(ctx, userId)}`;
}

/** The buyer a token names, if the token is genuine and the buyer exists. */
export function buyerOfToken(ctx: SandboxContext, token: string | undefined): Buyer | undefined {
  if (!token) return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const userId = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(tag(ctx, userId));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return ctx.ledger.buyer(userId);
}

export function cookies(req: SandboxRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const header = req.headers.cookie;
  for (const part of (Array.isArray(header) ? header.join(';') : (header ?? '')).split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      out[name] = part.slice(eq + 1).trim();
    }
  }
  return out;
}

/** The buyer logged in on this browser (the zfb_buyer cookie), if any. */
export function loggedInBuyer(ctx: SandboxContext, req: SandboxRequest): Buyer | undefined {
  return buyerOfToken(ctx, cookies(req)[BUYER_COOKIE]);
}

/** The Set-Cookie header value that logs this buyer in (a session cookie, Lax, HttpOnly). */
export function loginCookie(ctx: SandboxContext, userId: string): string {
  return `${BUYER_COOKIE}=${encodeURIComponent(buyerToken(ctx, userId))}; Path=/; HttpOnly; SameSite=Lax`;
}

export const logoutCookie = () => `${BUYER_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`;

/** A urlencoded form body (the pages are UTF-8, so browsers post UTF-8). */
export function formBody(req: SandboxRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) if (!(k in out)) out[k] = v;
  return out;
}

export type LoginResult = { buyer: Buyer } | { error: string };

/** Checks a logon id and password against the sandbox buyers. */
export function checkLogin(ctx: SandboxContext, logonId: string | undefined, password: string | undefined): LoginResult {
  const id = (logonId ?? '').trim();
  if (!id || !password) return { error: '请输入账户名和密码 (enter the account and the password)' };
  const buyer = ctx.ledger.buyerByLogon(id) ?? ctx.ledger.buyer(id);
  if (!buyer || buyer.password !== password) return { error: '账户名或密码错误 (wrong account or password)' };
  return { buyer };
}
