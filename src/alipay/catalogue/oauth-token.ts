/**
 * alipay.system.oauth.token (换取授权访问令牌): an auth_code or a refresh token in, an access token
 * out. Its parameters are top-level, not biz_content, and a success carries no code/msg.
 */
import { z } from 'zod';
import type { MethodDef, ResultFields } from './method.js';
import { expecting, opaqueToken } from './fields.js';

const grantType = (value: string) => z.literal(value, expecting('grant_type "authorization_code" or "refresh_token"'));

/** A discriminated union, so a code sent with grant_type refresh_token (or the reverse) is refused. */
export const oauthTokenInput = z.discriminatedUnion('grant_type', [
  z.strictObject({
    grant_type: grantType('authorization_code'),
    /** The auth_code from the OAuth redirect: single use, valid at most 24 hours. */
    code: opaqueToken('the auth_code from the OAuth redirect'),
  }),
  z.strictObject({
    grant_type: grantType('refresh_token'),
    refresh_token: opaqueToken('the refresh_token from an earlier alipay.system.oauth.token'),
  }),
]);

export type OAuthTokenInput = z.input<typeof oauthTokenInput>;

export interface OAuthTokenResult extends ResultFields {
  /** 2088… user id, for apps in user-id mode. */
  user_id?: string;
  /** Per-app user id, for apps in openid mode. */
  open_id?: string;
  union_id?: string;
  access_token?: string;
  /** Seconds; Alipay sends a JSON number here (a string is accepted too). */
  expires_in?: number | string;
  refresh_token?: string;
  /** Seconds the refresh token stays valid. */
  re_expires_in?: number | string;
  /** yyyy-MM-dd HH:mm:ss, Asia/Shanghai. */
  auth_start?: string;
  auth_token_type?: string;
  /** Deprecated by Alipay; kept for old apps. */
  alipay_user_id?: string;
}

export const oauthToken: MethodDef<typeof oauthTokenInput> = {
  method: 'alipay.system.oauth.token',
  kind: 'call',
  inputAt: 'top-level',
  input: oauthTokenInput,
  urls: [],
  toRequest: (input) => ({ params: { ...input } }),
};
