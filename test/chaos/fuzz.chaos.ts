/**
 * Fuzz: at least 100,000 generated and mutated inputs (fast-check) against the public surface —
 * /notify/alipay (most of them: mutations of genuine notifies, random forms, random bytes, odd
 * content types), /return/alipay, /checkout/*, and the JSON API — on real PostgreSQL, with the
 * sandbox as Alipay. What must hold: no forgery accepted (no notify applied, no order moved),
 * no 5xx, no crash, every notify body stored byte for byte, and the flood of forgeries leaves one
 * open `notify_rejected` alert, not one per arrival. Size: FUZZ_INPUTS (default 100000).
 * Part of `npm run test:chaos`, not of `npm test`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { parseForm } from '../../src/alipay/index.js';
import { startHarness } from '../server/harness.js';
import { FORM, forgerKey, notifyFor, offeredOrder } from '../server/notify-support.js';

const TOTAL = Number(process.env.FUZZ_INPUTS ?? 100_000);
const h = await startHarness({ backend: 'postgres', config: { sweepIntervalMs: 3_600_000 } });
after(() => h.close());

/** Orders whose genuine notifies are mutated: each mutation must fail (or be refused as not ours). */
const orders = await Promise.all(Array.from({ length: 8 }, (_, i) => offeredOrder(h, { amount: 100 + i })));
const genuine = orders.map((o) => notifyFor(h, o));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sent = new Map<string, number>();
let fiveXX = 0;
const statuses = new Map<number, number>();
/** The first few inputs that got a 5xx, printed so the failure says what to replay. */
const fiveXXInputs: string[] = [];
const count = (s: number, input?: () => string) => {
  statuses.set(s, (statuses.get(s) ?? 0) + 1);
  if (s >= 500) {
    fiveXX++;
    if (fiveXXInputs.length < 5) fiveXXInputs.push(`${s} ${input?.() ?? ''}`.slice(0, 400));
  }
};

/** A genuine notify with one thing changed: every such change must break it. */
const mutated = fc
  .record({
    base: fc.integer({ min: 0, max: genuine.length - 1 }),
    how: fc.constantFrom('byte', 'field', 'dup', 'drop-sign', 'rsa', 'truncate', 'append', 'other-key', 'other-order'),
    pos: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
    text: fc.string({ maxLength: 20 }),
  })
  .map(({ base, how, pos, byte, text }) => {
    const g = genuine[base]!;
    const body = Buffer.from(g.body);
    switch (how) {
      case 'byte': {
        const i = pos % body.length;
        // A change that keeps the same byte is no mutation: flip a bit instead.
        body[i] = body[i] === byte ? byte ^ 1 : byte;
        return body;
      }
      case 'field':
        return Buffer.from(g.body.replace(`total_amount=${g.params.total_amount}`, `total_amount=${encodeURIComponent(text || '0.01')}`).replace('total_amount=' + g.params.total_amount, 'total_amount=9.99'));
      case 'dup':
        return Buffer.from(`${g.body}&trade_status=TRADE_SUCCESS`);
      case 'drop-sign':
        return Buffer.from(g.body.replace(/&?sign=[^&]*/, ''));
      case 'rsa':
        return Buffer.from(notifyFor(h, orders[base]!, {}, { signType: 'RSA' }).body);
      case 'truncate':
        return body.subarray(0, pos % body.length);
      case 'append':
        return Buffer.from(`${g.body}&${encodeURIComponent(text)}=${encodeURIComponent(text)}x`);
      case 'other-key':
        return Buffer.from(notifyFor(h, orders[base]!, {}, { key: forgerKey }).body);
      default:
        // Signed by Alipay, but for an amount or order that is not ours.
        return Buffer.from(notifyFor(h, { out_trade_no: `NOPE${pos}`, amount: 100 }).body);
    }
  });
const randomForm = fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 12 }).map((d) => Buffer.from(new URLSearchParams(d).toString()));
const randomBytes = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));
const notifyInput = fc.record({
  body: fc.oneof({ weight: 5, arbitrary: mutated }, { weight: 3, arbitrary: randomForm }, { weight: 2, arbitrary: randomBytes }),
  contentType: fc.oneof({ weight: 8, arbitrary: fc.constant(FORM) }, { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded; charset=gbk', '') }),
});

async function post(path: string, body: Buffer, contentType: string): Promise<number> {
  const res = await fetch(`${h.server.url}${path}`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });
  await res.arrayBuffer();
  return res.status;
}

/** Runs `n` samples of `arb` through `fn`, `concurrency` at a time. */
async function drive<T>(n: number, arb: fc.Arbitrary<T>, fn: (v: T) => Promise<void>, concurrency = 16): Promise<void> {
  const samples = fc.sample(arb, { numRuns: n, seed: 20261207 });
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (i < samples.length) await fn(samples[i++]!);
  }));
}

test(`fuzz: ${TOTAL} generated and mutated inputs; no forgery accepted, no 5xx, every notify stored byte for byte`, { timeout: 15 * 60_000 }, async () => {
  const nNotify = Math.floor(TOTAL * 0.6);
  const nReturn = Math.floor(TOTAL * 0.15);
  const nCheckout = Math.floor(TOTAL * 0.1);
  const nApi = TOTAL - nNotify - nReturn - nCheckout;
  const { rows: before } = await h.db.pool.query('SELECT max(id)::bigint AS id FROM notifies');
  const firstRow = Number(before[0].id ?? 0);

  await drive(nNotify, notifyInput, async ({ body, contentType }) => {
    sent.set(sha(body), (sent.get(sha(body)) ?? 0) + 1);
    count(await post('/notify/alipay', body, contentType), () => `POST /notify/alipay ${contentType} ${body.toString('latin1')}`);
  });
  await drive(nReturn, fc.dictionary(fc.constantFrom('out_trade_no', 'sign', 'sign_type', 'app_id', 'trade_no', 'total_amount', 'charset', 'return_url', 'x'), fc.string({ maxLength: 30 })), async (q) => {
    const res = await fetch(`${h.server.url}/return/alipay?${new URLSearchParams(q)}`, { redirect: 'manual' });
    await res.arrayBuffer();
    count(res.status, () => `GET /return/alipay?${new URLSearchParams(q)}`);
    // Never an open redirect: a return goes back to this server or the order's own return_url.
    const to = res.headers.get('location');
    if (to) assert.ok(to.startsWith('/checkout/'), to);
  });
  await drive(nCheckout, fc.record({ id: fc.oneof(fc.constant(orders[0]!.id), fc.string({ maxLength: 40 })), tail: fc.constantFrom('', '/wap', '/page', '/status', '/oauth', '/attempts/pa_x/result'), query: fc.dictionary(fc.constantFrom('via', 'lang', 'a', 'state', 'auth_code', 'attempt'), fc.string({ maxLength: 20 })) }), async ({ id, tail, query }) => {
    const path = `/checkout/${encodeURIComponent(id)}${tail}?${new URLSearchParams(query)}`;
    const res = tail.endsWith('/result')
      ? await fetch(`${h.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resultCode: query.via ?? '9000' }) })
      : await fetch(`${h.server.url}${path}`, { redirect: 'manual', headers: { 'user-agent': query.lang ?? 'fuzz' } });
    await res.arrayBuffer();
    count(res.status, () => `${tail.endsWith('/result') ? 'POST' : 'GET'} ${path} ua=${query.lang ?? 'fuzz'}`);
  });
  await drive(nApi, fc.record({ path: fc.constantFrom('/v1/orders', `/v1/orders/${orders[1]!.id}/refunds`, `/v1/orders/${orders[1]!.id}/jsapi-payments`, `/v1/orders/${orders[1]!.id}/barcode-payments`, `/v1/orders/${orders[1]!.id}/qr-payments`), body: fc.jsonValue({ maxDepth: 3 }) }), async ({ path, body }) => {
    const r = await h.api('POST', path, body);
    count(r.status, () => `POST ${path} ${JSON.stringify(body)}`);
    if (r.status >= 400 && r.status < 500) assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  process.stdout.write(`fuzz summary ${JSON.stringify({ inputs: TOTAL, statuses: Object.fromEntries([...statuses].sort()), five_xx: fiveXX })}\n`);
  assert.equal(fiveXX, 0, `no 5xx; the first: ${fiveXXInputs.join(' | ')}`);
  // No forgery applied. A mutation that leaves the signed content as Alipay signed it is the
  // genuine notify again, not a forgery: a percent escape in other letter case, a parameter with
  // an empty name or value (the sign rule drops those), sign_type lost (it is not signed, and
  // the algorithm is pinned by configuration, never taken from the body), a sign in another
  // base64 spelling of the same signature bytes (padding bits, a stray character the decoder
  // skips). So an accepted body's signed content (without sign, sign_type and empty values)
  // must equal a genuine notify's: that is what was applied.
  const signed = (a: Record<string, string>) => JSON.stringify(Object.entries(a).filter(([k, v]) => k !== '' && v !== '' && k !== 'sign_type' && k !== 'sign').sort());
  const same = (a: Record<string, string>, b: Record<string, string>) => signed(a) === signed(b);
  const { rows: accepted } = await h.db.pool.query(`SELECT raw_body, order_id FROM notifies WHERE id > $1 AND outcome IN ('applied', 'duplicate')`, [firstRow]);
  for (const r of accepted) {
    const p = parseForm(r.raw_body).params;
    const near = genuine.find((g) => g.params.out_trade_no === p.out_trade_no);
    const diff = near ? Object.keys({ ...p, ...near.params }).filter((k) => p[k] !== near.params[k]).map((k) => `${k}: ${JSON.stringify(near.params[k])} → ${JSON.stringify(p[k])}`) : ['no genuine notify for this out_trade_no'];
    assert.ok(genuine.some((g) => same(p, g.params)), `a forged notify was accepted, differing in ${diff.join('; ')}`);
  }
  const { rows: paid } = await h.db.pool.query(`SELECT id FROM orders WHERE status = 'paid'`);
  for (const o of paid) assert.ok(orders.some((x) => x.id === o.id), `order ${o.id} was paid by the fuzzer`);
  // Every body stored byte for byte (over the limit, its first 64 KiB: none are that large here).
  const stored = new Map<string, number>();
  const { rows } = await h.db.pool.query('SELECT raw_body FROM notifies WHERE id > $1', [firstRow]);
  for (const r of rows) stored.set(sha(r.raw_body), (stored.get(sha(r.raw_body)) ?? 0) + 1);
  assert.equal(rows.length, nNotify, 'one row per arrival');
  assert.deepEqual([...stored].sort(), [...sent].sort(), 'the bytes as sent');
  const { rows: alerts } = await h.db.pool.query(`SELECT count(*)::int AS n FROM alerts WHERE kind = 'notify_rejected' AND resolved_at IS NULL`);
  assert.equal(alerts[0].n, 1, 'the flood aggregates into one open alert');
  // The server still answers.
  assert.equal((await h.api('GET', '/v1/orders?limit=1')).status, 200);
});
