/**
 * alipay.user.info.share (支付宝会员授权信息查询): the buyer's profile, with an access token from
 * an auth_user grant. The token travels as the top-level auth_token; there is no biz_content.
 */
import { z } from 'zod';
import type { MethodDef, ResultFields } from './method.js';
import { opaqueToken } from './fields.js';

export const userInfoShareInput = z.strictObject({
  auth_token: opaqueToken('the access_token from alipay.system.oauth.token'),
});

export type UserInfoShareInput = z.input<typeof userInfoShareInput>;

/** Which fields arrive depends on the scopes the user granted; treat all as optional. */
export interface UserInfoShareResult extends ResultFields {
  user_id?: string;
  open_id?: string;
  union_id?: string;
  avatar?: string;
  nick_name?: string;
  city?: string;
  province?: string;
  /** "m" or "f". */
  gender?: 'm' | 'f' | (string & {});
  country_code?: string;
  /** "T" or "F". */
  is_certified?: string;
  user_type?: string;
  user_status?: string;
  is_student_certified?: string;
  mobile?: string;
  email?: string;
  cert_no?: string;
  cert_type?: string;
  person_birthday?: string;
  deliver_addresses?: Record<string, unknown>[];
}

export const userInfoShare: MethodDef<typeof userInfoShareInput> = {
  method: 'alipay.user.info.share',
  kind: 'call',
  inputAt: 'top-level',
  input: userInfoShareInput,
  urls: [],
  toRequest: (input) => ({ params: { auth_token: input.auth_token } }),
};
