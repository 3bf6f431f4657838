/**
 * Payment attempts: one Alipay trade offered for an order (migrations/003_payment_attempts.ts).
 * The order is paid by the first attempt Alipay confirms; the others are closed or cancelled on
 * Alipay, and money that arrives on one of them all the same is refunded in full automatically.
 *
 * Status: paying → paid | closed | cancelled | failed, and closed → paid (late money on a trade
 * we had closed because Alipay knew none: it is recorded, never lost).
 */
export type AttemptStatus = 'paying' | 'paid' | 'closed' | 'cancelled' | 'failed';
/** How the buyer pays: the Alipay product behind the attempt. */
export type PayMethod = 'wap' | 'page' | 'precreate' | 'jsapi' | 'barcode' | 'app';

export const PAY_METHODS: readonly PayMethod[] = ['wap', 'page', 'precreate', 'jsapi', 'barcode', 'app'];

export interface Attempt {
  id: string;
  orderId: string;
  appId: string;
  outTradeNo: string;
  method: PayMethod;
  status: AttemptStatus;
  amountFen: number;
  tradeNo: string | null;
  buyerUserId: string | null;
  buyerOpenId: string | null;
  /** precreate: the qr_code Alipay answered (what the buyer scans). */
  qrCode: string | null;
  /** failed: Alipay's sub_code and sub_msg, for the clerk. */
  failure: { code: string; message: string } | null;
  paidAt: Date | null;
  closedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function rowToAttempt(r: any): Attempt {
  return {
    id: r.id,
    orderId: r.order_id,
    appId: r.app_id,
    outTradeNo: r.out_trade_no,
    method: r.method,
    status: r.status,
    amountFen: Number(r.amount_fen),
    tradeNo: r.trade_no,
    buyerUserId: r.buyer_user_id,
    buyerOpenId: r.buyer_open_id,
    qrCode: r.qr_code,
    failure: r.failure,
    paidAt: r.paid_at,
    closedAt: r.closed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The attempt as the HTTP API shows it. */
export function attemptView(a: Attempt) {
  return {
    id: a.id,
    object: 'payment_attempt' as const,
    order_id: a.orderId,
    method: a.method,
    status: a.status,
    out_trade_no: a.outTradeNo,
    amount: a.amountFen,
    trade_no: a.tradeNo,
    buyer_user_id: a.buyerUserId,
    buyer_open_id: a.buyerOpenId,
    ...(a.qrCode ? { qr_code: a.qrCode } : {}),
    failure: a.failure,
    paid_at: a.paidAt?.toISOString() ?? null,
    closed_at: a.closedAt?.toISOString() ?? null,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}
