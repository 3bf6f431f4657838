/**
 * alipay.system.oauth.token (换取授权访问令牌), alipay-protocol.md §6.1 and §7: an auth_code from
 * the OAuth page (pages/oauth.ts) or from the JS bridge's getAuthCode, or a refresh token, in;
 * an access token out. Parameters are top-level (`grant_type`, `code`, `refresh_token`), never
 * biz_content.
 *
 * Success: no code/msg in the node (the sandbox sample in §6.1), `expires_in` / `re_expires_in`
 * as JSON numbers (15 and 30 days), `auth_start`, and the user as `user_id` or, for an app in
 * openid mode, `open_id` (§7).
 *
 * Failures come as a signed `error_response` (§2.1: seen for this method), 40002 with:
 *  - isv.grant-type-invalid: grant_type missing or not one of the two;
 *  - isv.code-invalid (授权码code无效): unknown, already used, expired, or issued to another app
 *    (Alipay's support article lists exactly these causes);
 *  - isv.refresh-token-invalid: unknown, already used (a refresh token works once), or another
 *    app's; isv.refresh-token-time-out: past re_expires_in.
 *
 * Decisions:
 *  - An auth_code lives AUTH_CODE_TTL_MS: 24 hours, the most Alipay allows ("一天未被使用自动过期",
 *    seed 000 and §7). Single use.
 *  - A refresh gives a new access token and a new refresh token, both with fresh lifetimes, and
 *    revokes the old pair (the old access token stops working at once).
 */
import { formatAlipayTime } from '../../alipay/time.js';
import type { SandboxContext } from '../context.js';
import { newAuthCode, newToken, openIdFor } from '../ids.js';
import { C, type OAuthCode, type SandboxApp, type Token } from '../state/model.js';
import type { Node } from '../gateway/respond.js';
import { MethodError, type MethodHandler } from './types.js';

/** How long an auth_code can wait to be exchanged (Alipay: at most one day). */
export const AUTH_CODE_TTL_MS = 24 * 3600_000;
/** expires_in of an access token, seconds (15 days, the sandbox sample of §6.1). */
export const ACCESS_TOKEN_TTL_S = 1_296_000;
/** re_expires_in of a refresh token, seconds (30 days). */
export const REFRESH_TOKEN_TTL_S = 2_592_000;

/** Refresh token → access token, so a refresh finds its grant without a scan. */
export const REFRESH_INDEX = 'oauth_refresh_index';

export type OAuthScope = OAuthCode['scope'];

/** A new single-use auth_code for this app and buyer (the OAuth page and getAuthCode call this). */
export function issueAuthCode(ctx: SandboxContext, appId: string, userId: string, scope: OAuthScope): OAuthCode {
  const now = ctx.clock.now();
  const code: OAuthCode = { code: newAuthCode(), appId, userId, scope, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + AUTH_CODE_TTL_MS).toISOString() };
  return ctx.store.put(C.oauthCodes, code.code, code);
}

/** The token behind an access token, if any (revoked and expired ones included: callers decide). */
export function tokenOf(ctx: SandboxContext, accessToken: string): Token | undefined {
  return ctx.store.get<Token>(C.tokens, accessToken);
}

/** user_id, or open_id for an app in openid mode (§7). */
export function userIdField(ctx: SandboxContext, app: SandboxApp, userId: string): Node {
  return app.openIdMode ? { open_id: openIdFor(ctx.identity.secret, app.appId, userId) } : { user_id: userId };
}

const fail = (subCode: string, subMsg: string) => new MethodError('40002', subCode, subMsg, {}, { errorResponse: true });

export const oauthToken: MethodHandler = ({ ctx, app, params }) => {
  const grantType = params.grant_type;
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  let grant: { userId: string; scope: OAuthScope };

  if (grantType === 'authorization_code') {
    const code = params.code ? ctx.store.get<OAuthCode>(C.oauthCodes, params.code) : undefined;
    if (!code || code.usedAt || code.expiresAt <= nowIso || code.appId !== app.appId) throw fail('isv.code-invalid', '授权码code无效');
    ctx.store.put(C.oauthCodes, code.code, { ...code, usedAt: nowIso });
    grant = { userId: code.userId, scope: code.scope };
  } else if (grantType === 'refresh_token') {
    const idx = params.refresh_token ? ctx.store.get<{ accessToken: string }>(REFRESH_INDEX, params.refresh_token) : undefined;
    const old = idx ? tokenOf(ctx, idx.accessToken) : undefined;
    if (!old || old.revoked || old.appId !== app.appId) throw fail('isv.refresh-token-invalid', '刷新令牌refresh_token无效');
    if (old.refreshExpiresAt <= nowIso) throw fail('isv.refresh-token-time-out', '刷新令牌refresh_token过期');
    ctx.store.put(C.tokens, old.accessToken, { ...old, revoked: true });
    grant = { userId: old.userId, scope: old.scope };
  } else {
    throw fail('isv.grant-type-invalid', 'grant_type参数值无效，应为 authorization_code 或 refresh_token');
  }

  const token: Token = {
    accessToken: newToken('authusrB'),
    refreshToken: newToken('authusrB'),
    appId: app.appId,
    userId: grant.userId,
    scope: grant.scope,
    createdAt: nowIso,
    expiresAt: new Date(now.getTime() + ACCESS_TOKEN_TTL_S * 1000).toISOString(),
    refreshExpiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_S * 1000).toISOString(),
  };
  ctx.store.put(C.tokens, token.accessToken, token);
  ctx.store.put(REFRESH_INDEX, token.refreshToken, { accessToken: token.accessToken });
  return {
    node: {
      ...userIdField(ctx, app, grant.userId),
      access_token: token.accessToken,
      expires_in: ACCESS_TOKEN_TTL_S,
      refresh_token: token.refreshToken,
      re_expires_in: REFRESH_TOKEN_TTL_S,
      auth_start: formatAlipayTime(now),
    },
  };
};
