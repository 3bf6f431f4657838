/**
 * OAuth for Alipay users (alipay-protocol.md §7): the authorize URL to send the browser to, the
 * auth_code exchange and refresh (both alipay.system.oauth.token), and the profile query
 * (alipay.user.info.share). Token answers are normalised: camelCase, seconds as numbers, and
 * whichever id the app's mode gives (user_id in user-id mode, open_id in openid mode).
 */
import type { AlipayClient, CallOptions } from './client.js';
import { PRODUCTION_OAUTH } from './config.js';
import { AlipaySignatureError, AlipayValidationError } from './errors.js';
import { parseAlipayTime } from './time.js';
import type { OAuthTokenResult } from './catalogue/oauth-token.js';
import type { UserInfoShareResult } from './catalogue/user-info-share.js';
import { isHttpUrl } from './catalogue/fields.js';

/** auth_base: silent, ids only. auth_user: a consent screen, and alipay.user.info.share works. */
export type OAuthScope = 'auth_base' | 'auth_user';

export interface AuthorizeUrlOptions {
  scope: OAuthScope;
  /** Must match the callback address configured for the app in the Alipay console. */
  redirectUri: string;
  /** Echoed back on the redirect: bind it to the browser session to stop CSRF. */
  state?: string;
}

/** What authorizeUrl needs when there is no client: the app id, and the OAuth page if not production. */
export interface AuthorizeTarget {
  appId: string;
  oauthAuthorizeUrl?: string;
}

export interface OAuthToken {
  /** 2088… user id (apps in user-id mode). */
  userId?: string;
  /** Per-app user id (apps in openid mode). */
  openId?: string;
  unionId?: string;
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token is valid from authStart. */
  expiresIn: number;
  /** Seconds the refresh token is valid from authStart. */
  reExpiresIn: number;
  /** When the grant started (auth_start, read as Asia/Shanghai time); undefined if Alipay sent none. */
  authStart?: Date;
  /** The verified response node as Alipay sent it. */
  raw: OAuthTokenResult;
}

const SCOPES: readonly string[] = ['auth_base', 'auth_user'];

/**
 * The URL to send the buyer's browser to. Every value is percent-encoded exactly once
 * (encodeURIComponent), so a redirect_uri with its own query string or Chinese characters
 * survives the round trip.
 */
export function authorizeUrl(target: AlipayClient | AuthorizeTarget, options: AuthorizeUrlOptions): string {
  const base = 'config' in target ? target.config.oauthAuthorizeUrl : (target.oauthAuthorizeUrl ?? PRODUCTION_OAUTH);
  if (typeof target.appId !== 'string' || !/^\d{1,32}$/.test(target.appId)) {
    throw new AlipayValidationError('appId', `the digits of your Alipay app id, got ${JSON.stringify(target.appId)}`);
  }
  if (!SCOPES.includes(options.scope)) {
    throw new AlipayValidationError('scope', `"auth_base" or "auth_user", got ${JSON.stringify(options.scope)}`);
  }
  if (!isHttpUrl(options.redirectUri)) {
    throw new AlipayValidationError('redirectUri', `an absolute http(s) URL (the callback configured in the Alipay console), got ${JSON.stringify(options.redirectUri)}`);
  }
  const query = [`app_id=${target.appId}`, `scope=${options.scope}`, `redirect_uri=${encodeURIComponent(options.redirectUri)}`];
  if (options.state !== undefined) {
    if (typeof options.state !== 'string' || options.state === '' || options.state.length > 100) {
      throw new AlipayValidationError('state', `1 to 100 characters, got ${JSON.stringify(options.state)}`);
    }
    query.push(`state=${encodeURIComponent(options.state)}`);
  }
  return `${base}${base.includes('?') ? '&' : '?'}${query.join('&')}`;
}

/** Exchanges the auth_code from the redirect (single use, valid at most 24 h) for tokens. */
export async function exchangeCode(client: AlipayClient, code: string, options: CallOptions = {}): Promise<OAuthToken> {
  return normalise(await client.api.system.oauthToken({ grant_type: 'authorization_code', code }, options));
}

/** Gets a fresh access token with the refresh token of an earlier grant. */
export async function refreshToken(client: AlipayClient, token: string, options: CallOptions = {}): Promise<OAuthToken> {
  return normalise(await client.api.system.oauthToken({ grant_type: 'refresh_token', refresh_token: token }, options));
}

/** The user's profile (alipay.user.info.share); needs a token from an auth_user grant. */
export function userInfo(client: AlipayClient, accessToken: string, options: CallOptions = {}): Promise<UserInfoShareResult> {
  return client.api.user.infoShare(accessToken, options);
}

/** The same helpers bound to one client: `client.oauth`. */
export class AlipayOAuth {
  readonly #client: AlipayClient;

  constructor(client: AlipayClient) {
    this.#client = client;
  }

  authorizeUrl(options: AuthorizeUrlOptions): string {
    return authorizeUrl(this.#client, options);
  }

  exchangeCode(code: string, options?: CallOptions): Promise<OAuthToken> {
    return exchangeCode(this.#client, code, options);
  }

  refreshToken(token: string, options?: CallOptions): Promise<OAuthToken> {
    return refreshToken(this.#client, token, options);
  }

  userInfo(accessToken: string, options?: CallOptions): Promise<UserInfoShareResult> {
    return userInfo(this.#client, accessToken, options);
  }
}

function normalise(raw: OAuthTokenResult): OAuthToken {
  const accessToken = requiredString(raw, 'access_token');
  const token: OAuthToken = {
    accessToken,
    refreshToken: requiredString(raw, 'refresh_token'),
    expiresIn: seconds(raw, 'expires_in'),
    reExpiresIn: seconds(raw, 're_expires_in'),
    raw,
  };
  if (typeof raw.user_id === 'string' && raw.user_id !== '') token.userId = raw.user_id;
  if (typeof raw.open_id === 'string' && raw.open_id !== '') token.openId = raw.open_id;
  if (typeof raw.union_id === 'string' && raw.union_id !== '') token.unionId = raw.union_id;
  if (typeof raw.auth_start === 'string') token.authStart = parseAlipayTime(raw.auth_start);
  return token;
}

function requiredString(raw: OAuthTokenResult, field: 'access_token' | 'refresh_token'): string {
  const value = raw[field];
  if (typeof value !== 'string' || value === '') throw malformed(`no ${field}`);
  return value;
}

/** Alipay sends these as JSON numbers; a digit string is accepted too. */
function seconds(raw: OAuthTokenResult, field: 'expires_in' | 're_expires_in'): number {
  const value = raw[field];
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw malformed(`${field} is not a number of seconds (${JSON.stringify(value)})`);
  return n;
}

function malformed(what: string): AlipaySignatureError {
  return new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `alipay.system.oauth.token answered success with ${what}`);
}
