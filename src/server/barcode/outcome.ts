/**
 * What the barcode part shares between the HTTP call and its jobs: job names and payloads, how an
 * alipay.trade.pay error is classed (payments-reliability.md §0 rule 6, §3.3; alipay-protocol.md
 * §2.3, §6.7, §6.15), recording a confirmed payment only when the amount matches (§2.1, §3.4 of
 * the protocol notes), and alerts for a person.
 *
 * A payment code (auth_code) is a bearer credential: it is never stored, logged or put in an
 * event; events keep its last 4 digits, and anything Alipay says back is scrubbed of it first.
 */
import {
  AlipayGatewayError, AlipaySignatureError, AlipayTransportError, AlipayValidationError, parseAlipayTime, yuanToFen,
} from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import type { Queryable } from '../db/jobs.js';
import { withTransaction } from '../db/tx.js';
import { appendEvent } from '../orders/repo.js';
import type { Attempt } from '../payments/model.js';
import { getAttempt, transitionAttempt } from '../payments/repo.js';
import { endAttempt, recordPaid } from '../payments/record.js';

export const SETTLE_JOB = 'barcode.settle';
export const VOID_JOB = 'barcode.void';
/** Per attempt: an order may take several barcode payments one after the other (a failed one, then another scan). */
export const settleKey = (attemptId: string) => `barcode:${attemptId}`;
export const voidKey = (attemptId: string) => `barcode-void:${attemptId}`;

/** A payment code as Alipay's model defines it: 16–24 digits starting 25–30 (alipay-protocol.md §6.7). */
export const PAYMENT_CODE = /^(2[5-9]|30)\d{14,22}$/;

export interface SettlePayload {
  orderId: string;
  /** Absent in jobs enqueued before payment attempts (migration 003): the order's barcode attempt. */
  attemptId?: string;
  /** ISO time after which the trade is cancelled (after one last query). */
  deadline: string;
  /** 'cancel' once the cancel has been decided: later runs only repeat the cancel. */
  phase?: 'poll' | 'cancel';
  /** What the last query showed, so that only changes become events. */
  lastSeen?: string;
  /** When the cancel phase began. */
  cancelSince?: string;
  cancelTries?: number;
}

export interface VoidPayload {
  orderId: string;
  attemptId?: string;
}

/** The job's attempt: by id, or for a job from before migration 003 the order's own (its id derived from the order's). */
export async function jobAttempt(ctx: ServerContext, p: { orderId: string; attemptId?: string }): Promise<Attempt | undefined> {
  return getAttempt(ctx.pool, p.attemptId ?? `pa_${p.orderId.slice(4)}`);
}

export const last4 = (authCode: string) => authCode.slice(-4);

/** Removes a payment code from text Alipay sent back (sub_msg of a signature error echoes the request). */
export function scrub(text: string | undefined, authCode?: string): string | undefined {
  if (text === undefined) return undefined;
  let out = authCode ? text.split(authCode).join('****') : text;
  // Any other 16–24 digit run that looks like a payment code, too.
  out = out.replace(/(?<!\d)(2[5-9]|30)\d{14,22}(?!\d)/g, (m) => `****${m.slice(-4)}`);
  return out.length > 500 ? `${out.slice(0, 500)}…` : out;
}

// ---------------------------------------------------------------------------------------------
// Classing a failed alipay.trade.pay

/**
 * Sub-codes of 40004 that mean a trade with this out_trade_no exists (or may): not a refusal of
 * this payment, so a query decides (§6.15: TRADE_HAS_SUCCESS is "paid", TRADE_HAS_CLOSE "closed",
 * CONTEXT_INCONSISTENT / TRADE_BUYER_NOT_MATCH "another trade holds this number").
 */
const TRADE_EXISTS = new Set(['ACQ.TRADE_HAS_SUCCESS', 'ACQ.TRADE_HAS_CLOSE', 'ACQ.CONTEXT_INCONSISTENT', 'ACQ.TRADE_BUYER_NOT_MATCH', 'ACQ.TRADE_STATUS_ERROR']);

/**
 * Definite refusals where Alipay cannot have opened a trade: the payment code named no buyer, or
 * the request itself was refused. No cancel follows. Every other definite refusal (the buyer was
 * identified: insufficient balance, limits, risk checks) is followed by a best-effort
 * alipay.trade.cancel job (`barcode.void`), so a trade record Alipay may keep for it can never
 * be paid later against an order we already called failed.
 */
const NO_TRADE = new Set([
  'ACQ.PAYMENT_AUTH_CODE_INVALID', 'ACQ.INVALID_PARAMETER', 'ACQ.ACCESS_FORBIDDEN', 'ACQ.PARTNER_ERROR',
  'ACQ.EXIST_FORBIDDEN_WORD', 'ACQ.TOTAL_FEE_EXCEED', 'ACQ.SELLER_BEEN_BLOCKED',
]);

/** Gateway codes that refuse the request before any business processing (§2.3). */
const REQUEST_REFUSED = new Set(['20001', '40001', '40002', '40003', '40006']);

export type PayFailure =
  | { kind: 'failed'; code: string; message: string; gatewayCode: string; voidTrade: boolean }
  | { kind: 'unknown'; reason: string; detail: Record<string, unknown> };

/** What a thrown error of alipay.trade.pay means for the order. Scrubs the payment code from anything kept. */
export function classifyPayError(err: unknown, authCode: string): PayFailure {
  if (err instanceof AlipayGatewayError) {
    const verified = (err as { verified?: boolean }).verified === true;
    const detail = { code: err.gatewayCode, sub_code: err.subCode ?? null, sub_msg: scrub(err.subMsg, authCode) ?? null, verified };
    if (!verified) return { kind: 'unknown', reason: 'unverified', detail };
    if (err.gatewayCode === '20000' || err.retryable) return { kind: 'unknown', reason: 'system-error', detail };
    if (err.gatewayCode === '40004') {
      if (err.subCode && TRADE_EXISTS.has(err.subCode)) return { kind: 'unknown', reason: 'trade-exists', detail };
      return {
        kind: 'failed',
        code: err.subCode ?? err.gatewayCode,
        message: scrub(err.subMsg, authCode) ?? err.gatewayMsg,
        gatewayCode: err.gatewayCode,
        voidTrade: !(err.subCode && NO_TRADE.has(err.subCode)),
      };
    }
    if (REQUEST_REFUSED.has(err.gatewayCode)) {
      // sub_msg of these may echo the signed request (isv.invalid-signature): keep only codes.
      return { kind: 'failed', code: err.subCode ?? err.gatewayCode, message: err.gatewayMsg || 'the request was refused by the Alipay gateway', gatewayCode: err.gatewayCode, voidTrade: false };
    }
    return { kind: 'unknown', reason: 'unexpected-code', detail };
  }
  if (err instanceof AlipayTransportError) return { kind: 'unknown', reason: err.outcome === 'not-sent' ? 'not-sent' : 'timeout', detail: { error: err.code, outcome: err.outcome } };
  if (err instanceof AlipaySignatureError) return { kind: 'unknown', reason: 'signature', detail: { error: err.code } };
  // Refused by our own client before signing: nothing left this process.
  if (err instanceof AlipayValidationError) return { kind: 'unknown', reason: 'not-sent', detail: { error: err.code, field: err.field } };
  return { kind: 'unknown', reason: 'error', detail: { error: err instanceof Error ? err.name : 'unknown' } };
}

// ---------------------------------------------------------------------------------------------
// Confirmed payments

/** What Alipay says about a paid trade (from a pay answer or a query). */
export interface PaidFacts {
  tradeNo?: string;
  totalAmount?: string;
  buyerUserId?: string;
  buyerOpenId?: string;
  /** gmt_payment / send_pay_date, Alipay time. */
  paidTime?: string;
}

export type ConfirmResult =
  | { kind: 'paid'; attempt: Attempt }
  /** Someone else moved the attempt first (a notify, a close), or the order was paid another way: nothing more to do here. */
  | { kind: 'moved'; attempt: Attempt }
  /** Alipay's total differs from the order's: not paid; an alert was raised. */
  | { kind: 'mismatch'; attempt: Attempt }
  /** The answer lacks trade_no or total_amount: cannot be checked, treat as unknown. */
  | { kind: 'incomplete'; attempt: Attempt };

/**
 * Records a paying barcode attempt paid if, and only if, Alipay's total_amount equals the order's
 * amount (payments/record.ts: the attempt and its order, event `barcode.paid`). A different amount
 * raises an `amount_mismatch` alert (once per order) and leaves the attempt paying.
 */
export async function confirmPaid(ctx: ServerContext, attempt: Attempt, facts: PaidFacts, via: string, extra: Record<string, unknown> = {}): Promise<ConfirmResult> {
  if (!facts.tradeNo || facts.totalAmount === undefined) return { kind: 'incomplete', attempt };
  let fen: number | undefined;
  try {
    fen = yuanToFen(String(facts.totalAmount));
  } catch {
    fen = undefined;
  }
  const now = ctx.now();
  if (fen !== attempt.amountFen) {
    await withTransaction(ctx.pool, async (c) => {
      const raised = await raiseAlert(c, 'amount_mismatch', attempt.orderId, { via, trade_no: facts.tradeNo, attempt_id: attempt.id, alipay_total_amount: String(facts.totalAmount), order_amount_fen: attempt.amountFen }, now);
      if (raised) await appendEvent(c, attempt.orderId, 'barcode.amount_mismatch', { via, trade_no: facts.tradeNo, total_amount: String(facts.totalAmount), expected_fen: attempt.amountFen }, now, attempt.id);
    });
    return { kind: 'mismatch', attempt };
  }
  const r = await recordPaid(ctx, attempt.id, { tradeNo: facts.tradeNo, buyerUserId: facts.buyerUserId, buyerOpenId: facts.buyerOpenId, paidTime: facts.paidTime }, 'barcode.paid', { via, total_amount: String(facts.totalAmount), ...extra });
  return { kind: r.kind === 'paid' ? 'paid' : 'moved', attempt: r.attempt };
}

/** Paying → cancelled (closed_at), event `barcode.cancelled`. Undefined if the attempt had moved. */
export async function markCancelled(ctx: ServerContext, attempt: Attempt, data: Record<string, unknown>): Promise<Attempt | undefined> {
  return endAttempt(ctx, attempt.id, 'cancelled', { type: 'barcode.cancelled', data });
}

/** Appends an event to an attempt that is still paying (nothing if it has moved on). */
export async function noteWhilePaying(ctx: ServerContext, attemptId: string, type: string, data: Record<string, unknown>, set?: Record<string, unknown>): Promise<boolean> {
  const now = ctx.now();
  const a = await withTransaction(ctx.pool, (c) => transitionAttempt(c, attemptId, { from: ['paying'], set, event: { type, data }, now }));
  return a !== undefined;
}

/**
 * Inserts an alert unless one of this kind is already open for the order. True if inserted.
 * kinds: amount_mismatch, barcode_cancel_stuck, barcode_cancel_refused, barcode_void_failed,
 * barcode_paid_after_failure.
 */
export async function raiseAlert(db: Queryable, kind: string, orderId: string, detail: Record<string, unknown>, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO alerts (kind, order_id, detail, created_at)
     SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE kind = $1 AND order_id = $2 AND resolved_at IS NULL)`,
    [kind, orderId, JSON.stringify(detail), now],
  );
  return rowCount === 1;
}
