/**
 * Reading biz_content the way Alipay's trade APIs do, and writing the fields their answers share.
 * Bad input → 40004 ACQ.INVALID_PARAMETER naming the field (a missing one → 40002
 * isv.missing-parameter... Alipay answers both ways depending on the API; the sandbox uses
 * ACQ.INVALID_PARAMETER for trade APIs, which is what merchants are told to handle).
 */
import { fenToYuan, yuanToFen } from '../../alipay/money.js';
import { formatAlipayTime } from '../../alipay/time.js';
import { AlipayValidationError } from '../../alipay/errors.js';
import { maskLogon, openIdFor } from '../ids.js';
import type { SandboxContext } from '../context.js';
import type { SandboxApp, Trade } from '../state/model.js';
import { LedgerError } from '../state/ledger.js';
import type { Node } from '../gateway/respond.js';

export function invalid(field: string, expected: string): LedgerError {
  return new LedgerError('ACQ.INVALID_PARAMETER', `参数 ${field} 无效: ${expected}`);
}

export function str(biz: Record<string, unknown>, field: string, opts: { required?: boolean; max?: number; pattern?: RegExp } = {}): string | undefined {
  const v = biz[field];
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw invalid(field, '必填');
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw invalid(field, '应为字符串');
  const s = String(v);
  if (opts.max !== undefined && s.length > opts.max) throw invalid(field, `长度不能超过 ${opts.max}`);
  if (opts.pattern && !opts.pattern.test(s)) throw invalid(field, `格式不正确: ${s}`);
  return s;
}

/** A yuan amount (string or number in the JSON) → fen. Alipay's range: 0.01 to 100000000.00. */
export function amount(biz: Record<string, unknown>, field: string, required = true): number | undefined {
  const s = str(biz, field, { required });
  if (s === undefined) return undefined;
  try {
    return yuanToFen(s, field);
  } catch (err) {
    if (err instanceof AlipayValidationError) throw new LedgerError('ACQ.INVALID_PARAMETER', `参数 ${field} 无效: 金额应在 0.01 到 100000000.00 之间，最多两位小数`);
    throw err;
  }
}

export const OUT_NO = /^[A-Za-z0-9_\-]{1,64}$/;

/** out_trade_no | trade_no (one required; trade_no wins). */
export function tradeIds(biz: Record<string, unknown>): { tradeNo?: string; outTradeNo?: string } {
  const tradeNo = str(biz, 'trade_no', { max: 64 });
  const outTradeNo = str(biz, 'out_trade_no', { max: 64 });
  if (!tradeNo && !outTradeNo) throw invalid('out_trade_no', 'out_trade_no 和 trade_no 不能同时为空');
  return { tradeNo, outTradeNo };
}

/** timeout_express (1m–15d, 1c) or time_expire → when an unpaid trade closes. */
export function expiry(biz: Record<string, unknown>, now: Date, fallbackMinutes: number): string {
  const te = str(biz, 'time_expire');
  if (te) {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(te);
    if (!m) throw invalid('time_expire', 'yyyy-MM-dd HH:mm:ss');
    return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)) - 8 * 3600_000).toISOString();
  }
  const tx = str(biz, 'timeout_express');
  let minutes = fallbackMinutes;
  if (tx) {
    const m = /^(\d+)([mhd])$/.exec(tx);
    if (tx === '1c') {
      const endOfDay = new Date(Date.parse(`${formatAlipayTime(now).slice(0, 10)}T23:59:59+08:00`));
      return endOfDay.toISOString();
    }
    if (!m) throw invalid('timeout_express', '取值范围 1m～15d，如 90m、2h、1c');
    minutes = Number(m[1]) * (m[2] === 'm' ? 1 : m[2] === 'h' ? 60 : 1440);
    if (minutes < 1 || minutes > 15 * 1440) throw invalid('timeout_express', '取值范围 1m～15d');
  }
  return new Date(now.getTime() + minutes * 60_000).toISOString();
}

/** A stable text of the parameters that define a trade (to refuse a reused out_trade_no). */
export function fingerprint(fields: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(fields).sort().map((k) => [k, fields[k]]));
}

export const alipayTime = (iso: string | undefined) => (iso ? formatAlipayTime(new Date(iso)) : undefined);

/** The buyer fields of an answer or notify: buyer_user_id / buyer_open_id and the masked logon id. */
export function buyerFields(ctx: SandboxContext, app: SandboxApp, userId: string | undefined, names: { id: string; openId: string }): Node {
  if (!userId) return {};
  const buyer = ctx.ledger.buyer(userId);
  const out: Node = {};
  if (buyer) out.buyer_logon_id = maskLogon(buyer.logonId);
  if (app.openIdMode) out[names.openId] = openIdFor(ctx.identity.secret, app.appId, userId);
  else out[names.id] = userId;
  return out;
}

/** What a paid trade's money fields look like (the sandbox has no discounts: all paid from balance). */
export function paidAmounts(t: Trade): Node {
  const total = fenToYuan(t.totalFen);
  return { total_amount: total, receipt_amount: total, buyer_pay_amount: total, point_amount: '0.00', invoice_amount: total };
}

export function zeroAmounts(): Node {
  return { receipt_amount: '0.00', buyer_pay_amount: '0.00', point_amount: '0.00', invoice_amount: '0.00' };
}

/** Resolves a buyer given as buyer_id (2088…) or buyer_open_id, for this app. */
export function resolveBuyer(ctx: SandboxContext, app: SandboxApp, biz: Record<string, unknown>): string | undefined {
  const buyerId = str(biz, 'buyer_id', { max: 28 });
  const openId = str(biz, 'buyer_open_id', { max: 128 });
  if (buyerId && openId) throw invalid('buyer_id', 'buyer_id 与 buyer_open_id 不能同时传入');
  if (buyerId) {
    if (!ctx.ledger.buyer(buyerId)) throw new LedgerError('ACQ.INVALID_PARAMETER', `买家不存在: ${buyerId}`);
    return buyerId;
  }
  if (openId) {
    const buyer = ctx.ledger.buyers().find((b) => openIdFor(ctx.identity.secret, app.appId, b.userId) === openId);
    if (!buyer) throw new LedgerError('ACQ.INVALID_PARAMETER', `买家不存在: ${openId}`);
    return buyer.userId;
  }
  return undefined;
}

/**
 * A precreated trade (扫码支付) the buyer has not scanned yet does not exist for Alipay: query,
 * close, refund and cancel see ACQ.TRADE_NOT_EXIST (alipay-protocol.md §6.8, §6.15).
 */
export function isUnscannedPrecreate(t: Trade): boolean {
  return t.method === 'alipay.trade.precreate' && !t.buyerUserId;
}

/** The trade named by out_trade_no | trade_no as the merchant can see it (undefined when Alipay would say it does not exist). */
export function visibleTrade(ctx: SandboxContext, app: SandboxApp, biz: Record<string, unknown>): Trade | undefined {
  const t = ctx.ledger.findTrade(app.appId, tradeIds(biz));
  return t && !isUnscannedPrecreate(t) ? t : undefined;
}

export const tradeNotExist = () => new LedgerError('ACQ.TRADE_NOT_EXIST', '交易不存在');

/**
 * The trade fields every trade-creating method reads the same way: who sells, where to notify,
 * and the optional descriptive fields of biz_content.
 */
export function commonTradeFields(app: SandboxApp, params: Record<string, string>, biz: Record<string, unknown>, charset: 'utf-8' | 'gbk') {
  return {
    appId: app.appId,
    sellerId: app.sellerId,
    notifyUrl: params.notify_url || app.notifyUrl,
    charset,
    body: str(biz, 'body', { max: 128 }),
    passbackParams: str(biz, 'passback_params', { max: 512 }),
    storeId: str(biz, 'store_id', { max: 32 }),
    terminalId: str(biz, 'terminal_id', { max: 32 }),
    operatorId: str(biz, 'operator_id', { max: 28 }),
  };
}
