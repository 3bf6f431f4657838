/**
 * alipay.trade.precreate (扫码支付 — 预下单), alipay-protocol.md §6.8: a trade whose buyer is not
 * known yet, and a QR code for the buyer to scan. Answers out_trade_no and qr_code.
 *
 * The QR code is `${baseUrl}/qr/<token>` (the token shaped like Alipay's `bax0…`); the pages
 * part serves that URL: it looks the token up with `qrCodeOf`, lets a buyer log in and pay, and
 * binds the buyer on scan (Ledger.updateWaiting { buyerUserId }). Until a buyer has scanned, the
 * trade does not exist for Alipay: query, close, refund and the refund query answer
 * ACQ.TRADE_NOT_EXIST (§6.8, §6.15); cancel closes it quietly (see trade-cancel.ts).
 *
 * The same out_trade_no again with the same parameters answers the same QR code (the trade is
 * still waiting); with other parameters ACQ.CONTEXT_INCONSISTENT (Ledger.openTrade). Expiry:
 * timeout_express / time_expire for the trade (default 2 h here — an assumption, Alipay does not
 * state the face-to-face default in what we read), qr_code_timeout_express for the code (never
 * later than the trade's expiry).
 */
import { fenToYuan } from '../../alipay/money.js';
import { success } from '../gateway/respond.js';
import { newQrToken } from '../ids.js';
import type { SandboxContext } from '../context.js';
import type { MethodHandler } from './types.js';
import { amount, commonTradeFields, expiry, fingerprint, OUT_NO, str } from './common.js';

/** Store collections: QR codes by token, and the token of each precreated trade. */
export const QR_CODES = 'qr_codes';
const QR_BY_TRADE = 'qr_index';

export interface QrCode {
  token: string;
  appId: string;
  tradeNo: string;
  outTradeNo: string;
  createdAt: string;
  /** After this the code no longer pays (the trade may still be waiting). */
  expiresAt: string;
}

/** The QR code behind `/qr/<token>`, or undefined. Callers check expiresAt against ctx.clock. */
export function qrCodeOf(ctx: SandboxContext, token: string): QrCode | undefined {
  return ctx.store.get<QrCode>(QR_CODES, token);
}

export const qrCodeUrl = (ctx: SandboxContext, token: string) => `${ctx.baseUrl}/qr/${token}`;

export const DEFAULT_PRECREATE_TIMEOUT_MINUTES = 120;

export const tradePrecreate: MethodHandler = ({ ctx, app, params, biz, charset }) => {
  const outTradeNo = str(biz, 'out_trade_no', { required: true, pattern: OUT_NO })!;
  const totalFen = amount(biz, 'total_amount')!;
  const subject = str(biz, 'subject', { required: true, max: 256 })!;
  const productCode = str(biz, 'product_code', { max: 64 }) ?? 'FACE_TO_FACE_PAYMENT';
  const now = ctx.clock.now();
  const expiresAt = expiry(biz, now, DEFAULT_PRECREATE_TIMEOUT_MINUTES);
  const qrTimeout = str(biz, 'qr_code_timeout_express');
  const qrExpiresAt = qrTimeout ? minIso(expiry({ timeout_express: qrTimeout }, now, DEFAULT_PRECREATE_TIMEOUT_MINUTES), expiresAt) : expiresAt;

  const defining = { method: 'precreate', out_trade_no: outTradeNo, total_amount: fenToYuan(totalFen), subject, product_code: productCode };
  const { trade, existed } = ctx.ledger.openTrade({
    ...commonTradeFields(app, params, biz, charset),
    outTradeNo,
    method: 'alipay.trade.precreate',
    totalFen,
    subject,
    productCode,
    fingerprint: fingerprint(defining),
    expiresAt,
  });

  let token = existed ? ctx.store.get<{ token: string }>(QR_BY_TRADE, trade.tradeNo)?.token : undefined;
  if (!token) {
    token = newQrToken();
    const qr: QrCode = { token, appId: app.appId, tradeNo: trade.tradeNo, outTradeNo, createdAt: now.toISOString(), expiresAt: qrExpiresAt };
    ctx.store.put(QR_CODES, token, qr);
    ctx.store.put(QR_BY_TRADE, trade.tradeNo, { token });
  }
  return { node: success({ out_trade_no: outTradeNo, qr_code: qrCodeUrl(ctx, token) }) };
};

const minIso = (a: string, b: string) => (a < b ? a : b);
