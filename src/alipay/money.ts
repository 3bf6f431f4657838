/**
 * Money: integer fen inside, decimal strings in yuan with two places at the Alipay boundary.
 * Alipay's range for a trade amount is 0.01 to 100000000.00 yuan (alipay-protocol.md §6).
 * No floats: parsing and formatting work on digits.
 */
import { AlipayValidationError } from './errors.js';

export const MIN_FEN = 1;
export const MAX_FEN = 10_000_000_000; // 100000000.00 yuan

const YUAN = /^(0|[1-9]\d{0,8})(?:\.(\d{1,2}))?$/;

/** Integer fen → "12.34". Throws for anything that is not a whole number of fen in range. */
export function fenToYuan(fen: number, field = 'amount'): string {
  if (!Number.isSafeInteger(fen) || fen < MIN_FEN || fen > MAX_FEN) {
    throw new AlipayValidationError(field, `an integer number of fen from ${MIN_FEN} to ${MAX_FEN}, got ${String(fen)}`);
  }
  const s = String(fen).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** "12.34" (also "12", "12.3") → 1234 fen. Throws for signs, exponents, >2 decimals, out of range. */
export function yuanToFen(yuan: string, field = 'amount'): number {
  const m = typeof yuan === 'string' ? YUAN.exec(yuan) : null;
  if (!m) {
    throw new AlipayValidationError(field, `a yuan amount like "12.34" (digits, at most two decimals), got ${JSON.stringify(yuan)}`);
  }
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (fen < MIN_FEN || fen > MAX_FEN) {
    throw new AlipayValidationError(field, `a yuan amount from 0.01 to 100000000.00, got "${yuan}"`);
  }
  return fen;
}

/** Like yuanToFen but accepts 0.00 too: refund_fee, point_amount and friends may be zero. */
export function yuanToFenAllowZero(yuan: string, field = 'amount'): number {
  if (typeof yuan === 'string' && /^0(?:\.0{1,2})?$/.test(yuan)) return 0;
  return yuanToFen(yuan, field);
}
