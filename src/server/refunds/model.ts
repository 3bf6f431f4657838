/**
 * Refunds as the server keeps them, and as the API shows them. Amounts are integer fen.
 *
 * A refund's status moves only along the paths the database enforces (migrations/001_init.ts):
 *   pending    — the row (and its out_request_no) is committed and its amount reserved on the
 *                order; Alipay has not been asked yet;
 *   processing — alipay.trade.refund has been (or is being) called; the outcome is not known
 *                yet (a timeout, 20000, ACQ.SYSTEM_ERROR, fund_change N not yet confirmed by the
 *                refund query). The `refund.confirm` job resolves it;
 *   succeeded  — Alipay moved the money (fund_change Y, or the refund query shows it);
 *   failed     — Alipay definitely refused it (a verified 40004 that is not retryable); the
 *                reservation is released.
 * pending → processing | succeeded | failed; processing → succeeded | failed.
 */
export type RefundStatus = 'pending' | 'processing' | 'succeeded' | 'failed';

/** Why a refund failed, as Alipay said it (sub_code is what to switch on). */
export interface RefundFailure {
  /** Alipay's gateway code (40004), or 'invalid-request' when nothing could be sent. */
  code: string;
  msg: string;
  sub_code?: string;
  sub_msg?: string;
}

/** merchant: asked for through the API; duplicate: zfb gives back a second payment of a paid order (payments/record.ts). */
export type RefundKind = 'merchant' | 'duplicate';

export interface Refund {
  id: string;
  orderId: string;
  /** The payment attempt whose trade is refunded (for a merchant refund, the one that paid the order). */
  attemptId: string;
  kind: RefundKind;
  outRequestNo: string;
  amountFen: number;
  reason: string | null;
  status: RefundStatus;
  fundChange: 'Y' | 'N' | null;
  /** When Alipay refunded (gmt_refund_pay), or when we learnt it if Alipay did not say. */
  refundedAt: Date | null;
  /** Calls of alipay.trade.refund made for it so far. */
  attempts: number;
  /** JSON: a RefundFailure with kind 'failed', or { kind: 'unknown', reason } for the last unresolved attempt. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function rowToRefund(r: any): Refund {
  return {
    id: r.id,
    orderId: r.order_id,
    attemptId: r.attempt_id,
    kind: r.kind,
    outRequestNo: r.out_request_no,
    amountFen: Number(r.amount_fen),
    reason: r.reason,
    status: r.status,
    fundChange: r.fund_change,
    refundedAt: r.gmt_refund_pay,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function failureOf(r: Refund): RefundFailure | undefined {
  if (r.status !== 'failed' || !r.lastError) return undefined;
  try {
    const parsed = JSON.parse(r.lastError) as RefundFailure & { kind?: string };
    if (parsed.kind !== 'failed' || typeof parsed.code !== 'string') return undefined;
    return { code: parsed.code, msg: parsed.msg, sub_code: parsed.sub_code, sub_msg: parsed.sub_msg };
  } catch {
    return undefined;
  }
}

/** The refund as the HTTP API returns it (snake_case, fen integers, ISO times). */
export function refundView(r: Refund) {
  const failure = failureOf(r);
  return {
    id: r.id,
    object: 'refund' as const,
    order_id: r.orderId,
    attempt_id: r.attemptId,
    kind: r.kind,
    out_request_no: r.outRequestNo,
    amount: r.amountFen,
    reason: r.reason,
    status: r.status,
    fund_change: r.fundChange,
    refunded_at: r.refundedAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    ...(failure ? { failure: { code: failure.sub_code ?? failure.code, message: failure.sub_msg ?? failure.msg } } : {}),
  };
}
