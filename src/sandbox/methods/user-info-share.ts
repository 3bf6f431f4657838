/**
 * alipay.user.info.share (支付宝会员授权信息查询), alipay-protocol.md §6.2: the buyer's profile
 * for an access token, passed as the top-level `auth_token` (no biz_content).
 *
 *  - No token, an unknown, revoked (refreshed) or other app's token → 20001 aop.invalid-auth-token;
 *    an expired one → 20001 aop.auth-token-time-out (gateway code table, §2.3).
 *  - A token from an auth_base grant → 40006 isv.insufficient-user-permissions: auth_base yields
 *    only the user id; the profile needs the user's consent (auth_user, §7).
 *  - Success (10000): user_id (or open_id in openid mode), avatar, nick_name, city, province,
 *    gender, is_certified T, user_type 2 (individual), user_status T.
 */
import type { Buyer } from '../state/model.js';
import { success } from '../gateway/respond.js';
import { MethodError, type MethodHandler } from './types.js';
import { tokenOf, userIdField } from './oauth-token.js';

/** Where a buyer without an avatar URL gets one: a small SVG served by the pages (pages/avatar.ts). */
export const avatarPath = (userId: string) => `/avatar/${userId}.svg`;

export const userInfoShare: MethodHandler = ({ ctx, app, params }) => {
  const token = params.auth_token ? tokenOf(ctx, params.auth_token) : undefined;
  if (!token || token.revoked || token.appId !== app.appId) throw new MethodError('20001', 'aop.invalid-auth-token', '无效的访问令牌');
  if (token.expiresAt <= ctx.clock.now().toISOString()) throw new MethodError('20001', 'aop.auth-token-time-out', '访问令牌已过期');
  if (token.scope !== 'auth_user') throw new MethodError('40006', 'isv.insufficient-user-permissions', '用户权限不足，需要用户授权 auth_user');
  const buyer: Buyer | undefined = ctx.ledger.buyer(token.userId);
  if (!buyer) throw new MethodError('20001', 'aop.invalid-auth-token', '无效的访问令牌');
  return {
    node: success({
      ...userIdField(ctx, app, buyer.userId),
      avatar: buyer.avatar || `${ctx.baseUrl}${avatarPath(buyer.userId)}`,
      nick_name: buyer.name,
      city: buyer.city,
      province: buyer.province,
      gender: buyer.gender,
      is_certified: 'T',
      user_type: '2',
      user_status: 'T',
    }),
  };
};
