/**
 * Orders as the server keeps them, and as the API shows them. Amounts are integer fen; an order's
 * status moves only along the paths the database enforces (migrations/001_init.ts):
 * created → paying | paid | closed; paying → paid | closed | cancelled | failed.
 */
export type OrderStatus = 'created' | 'paying' | 'paid' | 'closed' | 'cancelled' | 'failed';
export type Channel = 'wap' | 'jsapi' | 'barcode' | 'page' | 'app' | 'precreate';

export interface Order {
  id: string;
  appId: string;
  outTradeNo: string;
  amountFen: number;
  subject: string;
  body: string | null;
  status: OrderStatus;
  channel: Channel | null;
  tradeNo: string | null;
  /** The attempt that paid the order (payments/). */
  paidAttemptId: string | null;
  buyerUserId: string | null;
  buyerOpenId: string | null;
  refundedFen: number;
  refundReservedFen: number;
  paidAt: Date | null;
  closedAt: Date | null;
  expiresAt: Date;
  returnUrl: string | null;
  metadata: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const OPEN_STATUSES: readonly OrderStatus[] = ['created', 'paying'];

/* eslint-disable @typescript-eslint/no-explicit-any */
export function rowToOrder(r: any): Order {
  return {
    id: r.id,
    appId: r.app_id,
    outTradeNo: r.out_trade_no,
    amountFen: Number(r.amount_fen),
    subject: r.subject,
    body: r.body,
    status: r.status,
    channel: r.channel,
    tradeNo: r.trade_no,
    paidAttemptId: r.paid_attempt_id,
    buyerUserId: r.buyer_user_id,
    buyerOpenId: r.buyer_open_id,
    refundedFen: Number(r.refunded_fen),
    refundReservedFen: Number(r.refund_reserved_fen),
    paidAt: r.paid_at,
    closedAt: r.closed_at,
    expiresAt: r.expires_at,
    returnUrl: r.return_url,
    metadata: r.metadata,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The order as the HTTP API returns it (snake_case, fen integers, ISO times). */
export function orderView(o: Order, publicBaseUrl: string) {
  return {
    id: o.id,
    object: 'order',
    out_trade_no: o.outTradeNo,
    amount: o.amountFen,
    currency: 'CNY',
    subject: o.subject,
    body: o.body,
    status: o.status,
    channel: o.channel,
    trade_no: o.tradeNo,
    paid_attempt_id: o.paidAttemptId,
    buyer_user_id: o.buyerUserId,
    buyer_open_id: o.buyerOpenId,
    amount_refunded: o.refundedFen,
    amount_refundable: o.status === 'paid' ? o.amountFen - o.refundReservedFen : 0,
    paid_at: o.paidAt?.toISOString() ?? null,
    closed_at: o.closedAt?.toISOString() ?? null,
    expires_at: o.expiresAt.toISOString(),
    return_url: o.returnUrl,
    metadata: o.metadata,
    checkout_url: `${publicBaseUrl}/checkout/${o.id}`,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
  };
}
