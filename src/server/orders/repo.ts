/**
 * Orders in PostgreSQL. Every state change is a compare-and-set on the status (UPDATE … WHERE
 * status = ANY($from) RETURNING) that appends an order event in the same transaction; zero rows
 * back means someone else moved the order first, and the caller re-reads and answers from that.
 */
import type pg from 'pg';
import type { Queryable } from '../db/jobs.js';
import { newId } from '../db/ids.js';
import { rowToOrder, type Channel, type Order, type OrderStatus } from './model.js';

export interface NewOrder {
  appId: string;
  outTradeNo: string;
  amountFen: number;
  subject: string;
  body?: string;
  returnUrl?: string;
  expiresAt: Date;
  metadata?: Record<string, unknown>;
  now: Date;
}

export async function insertOrder(db: Queryable, o: NewOrder): Promise<Order> {
  const id = newId('ord');
  const { rows } = await db.query(
    `INSERT INTO orders (id, app_id, out_trade_no, amount_fen, subject, body, return_url, expires_at, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
    [id, o.appId, o.outTradeNo, o.amountFen, o.subject, o.body ?? null, o.returnUrl ?? null, o.expiresAt, JSON.stringify(o.metadata ?? {}), o.now],
  );
  await appendEvent(db, id, 'order.created', { out_trade_no: o.outTradeNo, amount: o.amountFen }, o.now);
  return rowToOrder(rows[0]);
}

export async function getOrder(db: Queryable, id: string): Promise<Order | undefined> {
  const { rows } = await db.query('SELECT * FROM orders WHERE id = $1', [id]);
  return rows[0] ? rowToOrder(rows[0]) : undefined;
}

export async function getOrderByOutTradeNo(db: Queryable, appId: string, outTradeNo: string): Promise<Order | undefined> {
  const { rows } = await db.query('SELECT * FROM orders WHERE app_id = $1 AND out_trade_no = $2', [appId, outTradeNo]);
  return rows[0] ? rowToOrder(rows[0]) : undefined;
}

export interface ListFilter {
  status?: OrderStatus;
  channel?: Channel;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listOrders(db: Queryable, f: ListFilter): Promise<{ data: Order[]; nextCursor: string | null }> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status) where.push(`status = $${args.push(f.status)}`);
  if (f.channel) where.push(`channel = $${args.push(f.channel)}`);
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    where.push(`(created_at, id) < ($${args.push(c.createdAt)}, $${args.push(c.id)})`);
  }
  const sql = `SELECT * FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${args.push(f.limit + 1)}`;
  const { rows } = await db.query(sql, args);
  const data = rows.slice(0, f.limit).map(rowToOrder);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > f.limit && last ? encodeCursor(last) : null };
}

const encodeCursor = (o: Order) => Buffer.from(JSON.stringify([o.createdAt.toISOString(), o.id])).toString('base64url');

export class CursorError extends Error {}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const d = new Date(createdAt);
    if (typeof id !== 'string' || Number.isNaN(d.getTime())) throw new Error();
    return { createdAt: d, id };
  } catch {
    throw new CursorError('not a cursor this API gave out');
  }
}

export interface Transition {
  from: readonly OrderStatus[];
  to?: OrderStatus;
  set?: Partial<Record<'channel' | 'trade_no' | 'buyer_user_id' | 'buyer_open_id' | 'paid_at' | 'closed_at' | 'paid_attempt_id', unknown>>;
  event: { type: string; data?: Record<string, unknown> };
  /** The payment attempt the event is about, if any. */
  attemptId?: string;
  now: Date;
}

/**
 * Compare-and-set: moves the order only if its status is one of `from`. Returns the new order, or
 * undefined when the order was not in one of those states (nothing written, no event).
 */
export async function transition(db: Queryable, id: string, t: Transition): Promise<Order | undefined> {
  const sets: string[] = ['updated_at = $3'];
  const args: unknown[] = [id, t.from, t.now];
  if (t.to) sets.push(`status = $${args.push(t.to)}`);
  for (const [col, value] of Object.entries(t.set ?? {})) sets.push(`${col} = $${args.push(value)}`);
  const { rows } = await db.query(`UPDATE orders SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2) RETURNING *`, args);
  if (!rows[0]) return undefined;
  await appendEvent(db, id, t.event.type, { ...(t.event.data ?? {}), ...(t.to ? { status: t.to } : {}) }, t.now, t.attemptId);
  return rowToOrder(rows[0]);
}

export async function appendEvent(db: Queryable, orderId: string, type: string, data: Record<string, unknown>, now: Date, attemptId?: string | null): Promise<void> {
  await db.query('INSERT INTO order_events (order_id, type, data, created_at, attempt_id) VALUES ($1, $2, $3, $4, $5)', [orderId, type, JSON.stringify(data), now, attemptId ?? null]);
}

export interface OrderEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
  attemptId: string | null;
  createdAt: Date;
}

export async function orderEvents(db: Queryable, orderId: string): Promise<OrderEvent[]> {
  const { rows } = await db.query('SELECT id, type, data, attempt_id, created_at FROM order_events WHERE order_id = $1 ORDER BY id', [orderId]);
  return rows.map((r) => ({ id: Number(r.id), type: r.type, data: r.data, attemptId: r.attempt_id, createdAt: r.created_at }));
}

export type { pg };
