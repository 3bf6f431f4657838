/**
 * Identifiers shaped like Alipay's: 28-digit trade numbers (yyyyMMdd + 22001 + 15 digits), 2088…
 * user ids, per-app open ids, notify ids, tokens, payment codes (18 digits starting 25–30).
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { formatAlipayTime } from '../alipay/time.js';

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/** yyyyMMdd in Asia/Shanghai. */
export const shanghaiDate = (d: Date) => formatAlipayTime(d).slice(0, 10).replace(/-/g, '');

export const newTradeNo = (now: Date) => `${shanghaiDate(now)}22001${digits(15)}`;
export const newUserId = () => `2088${digits(12)}`;
export const newNotifyId = (now: Date) => `${shanghaiDate(now)}00222${digits(22)}`;
export const newPaymentCode = () => `28${digits(16)}`;
export const newToken = (prefix: string) => `${prefix}${randomBytes(18).toString('hex')}`;
export const newAuthCode = () => randomBytes(16).toString('hex');
export const newQrToken = () => `bax0${randomBytes(10).toString('hex')}`;

/** An app-specific open id for a user: stable, different per app (openid mode). */
export function openIdFor(secret: string, appId: string, userId: string): string {
  return `0${createHmac('sha256', secret).update(`${appId}:${userId}`).digest('base64url').slice(0, 42)}`;
}

/** `159****5620` / `xud***@126.com`, as Alipay masks buyer_logon_id. */
export function maskLogon(logonId: string): string {
  const at = logonId.indexOf('@');
  if (at > 0) return `${logonId.slice(0, Math.min(3, at))}***${logonId.slice(at)}`;
  return logonId.length >= 11 ? `${logonId.slice(0, 3)}****${logonId.slice(-4)}` : `${logonId.slice(0, 1)}***`;
}
