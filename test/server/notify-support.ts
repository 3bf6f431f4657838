/**
 * Helpers for the notify, checkout and sweeper suites: signed notifies as Alipay (the sandbox's
 * Alipay key) or as a forger, raw POSTs to /notify/alipay, the wap flow through the sandbox
 * cashier, and small database look-ups.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { formBody, signNotifyParams } from '../support/alipay-signing.js';
import type { Harness } from './harness.js';

export const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

/** A key Alipay never had: what a forger signs with. */
export const forgerKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

let seq = 0;

/** A trade_status_sync notify for an order, as the sandbox's Alipay would sign it (unless `key`). */
export function notifyFor(
  h: Harness,
  o: { out_trade_no: string; amount: number },
  overrides: Record<string, string | undefined> = {},
  opts: { key?: KeyObject; signType?: 'RSA2' | 'RSA' } = {},
): { params: Record<string, string>; body: string } {
  const app = h.sandbox.ctx.ledger.app(h.sandbox.appId)!;
  const yuan = (o.amount / 100).toFixed(2);
  seq++;
  const base: Record<string, string | undefined> = {
    notify_type: 'trade_status_sync',
    notify_id: `test-notify-${process.pid}-${Date.now()}-${seq}`,
    notify_time: '2026-11-20 10:00:05',
    app_id: h.sandbox.appId,
    auth_app_id: h.sandbox.appId,
    charset: 'utf-8',
    version: '1.0',
    trade_no: `2026112022001468${String(Date.now()).slice(-8)}${String(seq).padStart(4, '0')}`,
    out_trade_no: o.out_trade_no,
    buyer_id: '2088102177846880',
    buyer_logon_id: 'xud***@126.com',
    seller_id: app.sellerId,
    seller_email: app.sellerEmail,
    trade_status: 'TRADE_SUCCESS',
    total_amount: yuan,
    receipt_amount: yuan,
    buyer_pay_amount: yuan,
    subject: '测试 test',
    gmt_create: '2026-11-20 10:00:00',
    gmt_payment: '2026-11-20 10:00:04',
    ...overrides,
  };
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) clean[k] = v;
  const params = signNotifyParams(clean, opts.key ?? h.sandbox.ctx.identity.alipayPrivateKey, opts.signType ?? 'RSA2');
  return { params, body: formBody(params) };
}

export async function postNotify(h: Harness, body: string | Buffer, contentType: string | null = FORM): Promise<{ status: number; text: string; contentType: string | null }> {
  const res = await fetch(`${h.server.url}/notify/alipay`, {
    method: 'POST',
    headers: contentType === null ? {} : { 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

/** The notifies row most recently stored. */
export async function lastNotify(h: Harness): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { rows } = await h.server.ctx.pool.query('SELECT * FROM notifies ORDER BY id DESC LIMIT 1');
  return rows[0]!;
}

export async function notifiesOf(h: Harness, outTradeNo: string): Promise<Record<string, any>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { rows } = await h.server.ctx.pool.query('SELECT * FROM notifies WHERE out_trade_no = $1 ORDER BY id', [outTradeNo]);
  return rows;
}

export async function eventsOf(h: Harness, orderId: string): Promise<string[]> {
  const { rows } = await h.server.ctx.pool.query('SELECT type FROM order_events WHERE order_id = $1 ORDER BY id', [orderId]);
  return rows.map((r) => r.type as string);
}

export async function alertsOf(h: Harness, kind: string): Promise<Record<string, any>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { rows } = await h.server.ctx.pool.query('SELECT * FROM alerts WHERE kind = $1 ORDER BY id', [kind]);
  return rows;
}

export async function createOrder(h: Harness, body: Record<string, unknown> = {}): Promise<{ id: string; out_trade_no: string; amount: number; status: string }> {
  const r = await h.api('POST', '/v1/orders', { amount: 1234, subject: '手机网站 wap', ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/**
 * An order offered for wap pay (GET /checkout/{id}/wap: the payment attempt exists, with the
 * order's out_trade_no), as it is when Alipay can send a notify for it.
 */
export async function offeredOrder(h: Harness, body: Record<string, unknown> = {}): Promise<{ id: string; out_trade_no: string; amount: number; status: string }> {
  const o = await createOrder(h, body);
  const co = await fetch(`${h.server.url}/checkout/${o.id}/wap`, { redirect: 'manual' });
  assert.equal(co.status, 302, await co.text());
  return o;
}

export const orderOf = async (h: Harness, id: string) => (await h.api('GET', `/v1/orders/${id}`)).body;

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Moves an order's deadline into the past (white-box: the API keeps expires_in ≥ 60 s). */
export async function expire(h: Harness, orderId: string, agoMs = 3600_000): Promise<void> {
  await h.server.ctx.pool.query('UPDATE orders SET expires_at = $2 WHERE id = $1', [orderId, new Date(Date.now() - agoMs)]);
}

/** GET /checkout/{id} and follow the 302 to the gateway, which opens the trade: the cashier URL. */
export async function openCashier(h: Harness, orderId: string): Promise<URL> {
  const co = await fetch(`${h.server.url}/checkout/${orderId}/wap`, { redirect: 'manual' });
  assert.equal(co.status, 302, await co.text());
  const gateway = co.headers.get('location')!;
  assert.ok(gateway.startsWith(h.sandbox.gateway), gateway);
  const toCashier = await fetch(gateway, { redirect: 'manual' });
  assert.equal(toCashier.status, 302, await toCashier.text());
  return new URL(toCashier.headers.get('location')!, h.sandbox.baseUrl);
}

/** Logs in at the cashier as the first sandbox buyer and pays: the Location Alipay sends the browser to. */
export async function payAtCashier(h: Harness, cashier: URL): Promise<string> {
  const buyer = h.sandbox.buyers[0]!;
  const res = await fetch(cashier, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logon_id: buyer.logonId, password: buyer.password }) });
  assert.equal(res.status, 302, await res.text());
  return res.headers.get('location')!;
}
