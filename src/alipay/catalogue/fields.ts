/**
 * Field schemas shared by the catalogue, each with the rule Alipay states for it
 * (alipay-protocol.md §6) and an `expected` text that says that rule in words. Every message
 * comes from `expecting()`, so a missing field reads "required: …" and a wrong one "…, got X".
 */
import { z } from 'zod';
import { yuanToFen } from '../money.js';
import { parseAlipayTime } from '../time.js';
import { shown } from './validate.js';

/** An error option for zod: the same wording for "missing" and "wrong", with what was passed. */
export function expecting(text: string) {
  return { error: (iss: { input?: unknown }) => (iss.input === undefined ? `required: ${text}` : `${text}, got ${shown(iss.input)}`) };
}

/** A string checked by one predicate, described by one sentence. */
function rule(text: string, ok: (value: string) => boolean) {
  return z.string(expecting(text)).refine(ok, expecting(text));
}

const YUAN_TEXT = 'a yuan amount string like "88.88" (at most two decimals) from 0.01 to 100000000.00';
const YUAN = /^(0|[1-9]\d{0,8})(\.\d{1,2})?$/;

/** Yuan as a decimal string, never a number: a float cannot carry 0.1 exactly. Range via money.ts. */
export const yuanAmount = rule(YUAN_TEXT, (v) => {
  if (!YUAN.test(v)) return false;
  try {
    yuanToFen(v);
    return true;
  } catch {
    return false;
  }
});

/** Alipay documents letters, digits and underscore; '-' is accepted by the gateway and common in ids. */
const MERCHANT_NO = /^[A-Za-z0-9_-]{1,64}$/;

export const outTradeNo = rule('the merchant order number: 1 to 64 letters, digits, "_" or "-"', (v) => MERCHANT_NO.test(v));

export const outRequestNo = rule('the refund request number: 1 to 64 letters, digits, "_" or "-"', (v) => MERCHANT_NO.test(v));

/** Alipay's own trade number (28 digits today); kept loose so sandbox numbers pass too. */
export const tradeNo = rule('the Alipay trade number: 1 to 64 letters or digits', (v) => /^[A-Za-z0-9]{1,64}$/.test(v));

/** A 2088… user id: 16 digits. */
export const userId = rule('an Alipay user id: 16 digits starting with 2088', (v) => /^2088\d{12}$/.test(v));

/** An openid: opaque, per app. */
export const openId = rule('an Alipay open_id (1 to 128 characters, no spaces)', (v) => /^\S{1,128}$/.test(v));

/** Free text with a length limit, not blank. */
export function text(max: number, what: string) {
  return rule(`${what}: 1 to ${max} characters, not blank`, (v) => v.trim() !== '' && v.length <= max);
}

export const subject = text(256, 'the order title');

/** `timeout_express`: whole minutes, hours or days from 1m to 15d, or "1c" (end of today). */
const TIMEOUT_LIMIT: Record<string, number> = { m: 15 * 24 * 60, h: 15 * 24, d: 15 };
export const timeoutExpress = rule('a relative timeout like "30m", "2h" or "3d" (1m to 15d), or "1c" for the end of today', (v) => {
  if (v === '1c') return true;
  const m = /^(\d+)([mhd])$/.exec(v);
  if (!m) return false;
  const n = Number(m[1]);
  return n >= 1 && n <= (TIMEOUT_LIMIT[m[2]!] ?? 0);
});

/** `time_expire`: an absolute Asia/Shanghai time; parseAlipayTime rejects impossible dates. */
export const timeExpire = rule('an absolute time "yyyy-MM-dd HH:mm:ss" (Asia/Shanghai)', (v) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v) && parseAlipayTime(v) !== undefined);

/** An absolute http(s) URL (quit_url, notify_url, return_url). */
export const httpUrl = rule('an absolute http(s) URL of at most 256 characters', (v) => isHttpUrl(v, 256));

export function isHttpUrl(v: unknown, maxLength = Infinity): boolean {
  if (typeof v !== 'string' || v.length > maxLength) return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A product code (contract), e.g. FACE_TO_FACE_PAYMENT. */
export const productCode = rule('an Alipay product code in capitals, like "FACE_TO_FACE_PAYMENT"', (v) => /^[A-Z][A-Z0-9_]{0,63}$/.test(v));

/** Exactly this product code, sent by default: the method only works with that contract. */
export function fixedProductCode<const C extends string>(code: C) {
  return z.literal(code, expecting(`"${code}" (the only product code of this method)`)).default(code);
}

/** A short identifier chosen by the merchant (store_id, terminal_id, operator_id). */
export function merchantId(what: string) {
  return rule(`${what}: 1 to 32 characters, no spaces`, (v) => /^\S{1,32}$/.test(v));
}

/** One line of goods_detail. Alipay adds optional fields over time; unknown ones pass through. */
export const goodsDetail = z.array(
  z.looseObject({
    goods_id: text(64, 'the goods id'),
    goods_name: text(256, 'the goods name'),
    quantity: z.number(expecting('a whole number of items, at least 1')).int(expecting('a whole number of items, at least 1')).min(1, expecting('a whole number of items, at least 1')),
    price: yuanAmount,
    goods_category: z.string().max(24).optional(),
    categories_tree: z.string().max(128).optional(),
    show_url: z.string().max(400).optional(),
  }),
);

/** Extra result blocks to ask for, e.g. ["fund_bill_list"]. */
export const queryOptions = z.array(z.string().min(1).max(64)).max(32);

/** A JSON object Alipay takes as-is (extend_params, business_params, ...). */
export const jsonObject = z.record(z.string(), z.unknown());

/**
 * For methods that find a trade by `out_trade_no` or `trade_no`: at least one is needed; when both
 * are given Alipay uses trade_no (alipay-protocol.md §6), so both are accepted.
 */
export function requireTradeId(value: { out_trade_no?: unknown; trade_no?: unknown }, ctx: z.core.$RefinementCtx): void {
  if (value.out_trade_no === undefined && value.trade_no === undefined) {
    ctx.addIssue({ code: 'custom', path: ['out_trade_no'], message: 'required: out_trade_no or trade_no (at least one; trade_no wins when both are given)', input: undefined });
  }
}

/**
 * An OAuth code or token. The docs give 40 characters, but these are opaque values Alipay may
 * lengthen, so only what cannot be a token (empty, whitespace, absurd length) is refused.
 */
export function opaqueToken(what: string) {
  return rule(`${what}: 1 to 128 characters, no spaces`, (v) => /^\S{1,128}$/.test(v));
}

/** An Alipay app id: digits. */
export const appId = rule('an Alipay app id (digits, like "2021000123456789")', (v) => /^\d{1,32}$/.test(v));

/** How query, cancel, close, refund and refund query find a trade; used with requireTradeId. */
export const tradeIdFields = {
  out_trade_no: outTradeNo.optional(),
  trade_no: tradeNo.optional(),
};
