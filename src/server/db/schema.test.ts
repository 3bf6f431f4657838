/**
 * The invariants of migration 001 that the database keeps by itself (see migrations/001_init.ts),
 * on both backends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { migrate } from './migrate.js';
import { newId } from './ids.js';
import { withTransaction } from './tx.js';
import { BACKENDS, openTestDatabase, type TestDatabase } from './testing.js';

const APP = '2021000000000001';

for (const kind of BACKENDS) {
  describe(`schema on ${kind}`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await openTestDatabase(kind);
      await migrate(db.pool);
    });
    after(() => db?.close());

    const outTradeNo = () => `T_${randomBytes(8).toString('hex')}`;

    async function createOrder(amountFen = 100_00, no = outTradeNo(), app = APP): Promise<string> {
      const id = newId('ord');
      await db.pool.query(
        `INSERT INTO orders (id, app_id, out_trade_no, amount_fen, subject, expires_at)
         VALUES ($1, $2, $3, $4, 'a cup of tea', now() + interval '2 hours')`,
        [id, app, no, amountFen],
      );
      return id;
    }

    /** A payment attempt of the order (the order's own out_trade_no), paid when `tradeNo` is given. */
    async function attempt(orderId: string, tradeNo?: string): Promise<string> {
      const id = newId('pa');
      await db.pool.query(
        `INSERT INTO payment_attempts (id, order_id, app_id, out_trade_no, method, status, amount_fen, trade_no, paid_at)
         SELECT $1, id, app_id, out_trade_no || '_' || substr(md5(random()::text), 1, 6), 'wap', $2, amount_fen, $3, CASE WHEN $3::text IS NULL THEN NULL ELSE now() END FROM orders WHERE id = $4`,
        [id, tradeNo ? 'paid' : 'paying', tradeNo ?? null, orderId],
      );
      return id;
    }

    async function pay(orderId: string): Promise<void> {
      await db.pool.query(`UPDATE orders SET status = 'paying', channel = 'wap' WHERE id = $1 AND status = 'created'`, [orderId]);
      const tradeNo = `2026${randomBytes(10).toString('hex')}`;
      const paidBy = await attempt(orderId, tradeNo);
      const r = await db.pool.query(
        `UPDATE orders SET status = 'paid', trade_no = $2, paid_at = now(), paid_attempt_id = $3 WHERE id = $1 AND status = 'paying'`,
        [orderId, tradeNo, paidBy],
      );
      assert.equal(r.rowCount, 1);
    }

    /** A merchant refund of the order's paid attempt (or, for an unpaid order, of an attempt made for it). */
    async function refund(orderId: string, amountFen: number, requestNo = `R${randomBytes(6).toString('hex')}`, status = 'pending') {
      const { rows } = await db.pool.query(`SELECT coalesce(paid_attempt_id, (SELECT min(id) FROM payment_attempts WHERE order_id = $1)) AS a FROM orders WHERE id = $1`, [orderId]);
      const attemptId = rows[0]?.a ?? (await attempt(orderId));
      return db.pool.query(
        `INSERT INTO refunds (id, order_id, attempt_id, out_request_no, amount_fen, status) VALUES ($1, $2, $3, $4, $5, $6)`,
        [newId('re'), orderId, attemptId, requestNo, amountFen, status],
      );
    }

    async function counters(orderId: string) {
      const r = await db.pool.query(
        'SELECT refunded_fen, refund_reserved_fen, version FROM orders WHERE id = $1',
        [orderId],
      );
      return r.rows[0] as { refunded_fen: number; refund_reserved_fen: number; version: number };
    }

    test('amounts: positive, at most 10^10 fen, bigint read back as a number', async () => {
      for (const bad of [0, -1, 10_000_000_001]) {
        await assert.rejects(createOrder(bad), { code: '23514', constraint: 'orders_amount_range' }, `amount ${bad}`);
      }
      const id = await createOrder(10_000_000_000);
      const r = await db.pool.query('SELECT amount_fen FROM orders WHERE id = $1', [id]);
      assert.equal(r.rows[0].amount_fen, 10_000_000_000);
    });

    test('out_trade_no is unique per app and well-formed', async () => {
      const no = outTradeNo();
      await createOrder(100, no);
      await assert.rejects(createOrder(100, no), { code: '23505', constraint: 'orders_app_out_trade_no_key' });
      await createOrder(100, no, '2021000000000002'); // another app may use it
      await assert.rejects(createOrder(100, 'has space'), { code: '23514', constraint: 'orders_out_trade_no_format' });
      await assert.rejects(createOrder(100, 'x'.repeat(65)), { code: '23514', constraint: 'orders_out_trade_no_format' });
    });

    test('a paid order has a trade_no; paid is never left and closed never becomes paid', async () => {
      const id = await createOrder();
      await db.pool.query(`UPDATE orders SET status = 'paying', channel = 'barcode' WHERE id = $1`, [id]);
      const paidBy = await attempt(id, `T${id}`);
      await assert.rejects(db.pool.query(`UPDATE orders SET status = 'paid', paid_at = now(), paid_attempt_id = $2 WHERE id = $1`, [id, paidBy]), {
        code: '23514',
        constraint: 'orders_paid_has_trade_no',
      });
      await assert.rejects(db.pool.query(`UPDATE orders SET status = 'paid', paid_at = now(), trade_no = $2 WHERE id = $1`, [id, `T${id}`]), {
        code: '23514',
        constraint: 'orders_paid_has_attempt',
      });
      await db.pool.query(`UPDATE orders SET status = 'paid', paid_at = now(), trade_no = $2, paid_attempt_id = $3 WHERE id = $1`, [id, `T${id}`, paidBy]);
      for (const to of ['paying', 'created', 'closed']) {
        await assert.rejects(db.pool.query(`UPDATE orders SET status = $2, closed_at = now() WHERE id = $1`, [id, to]), {
          code: '23514',
          constraint: 'orders_status_transition',
        });
      }
      await assert.rejects(db.pool.query(`UPDATE orders SET trade_no = 'other' WHERE id = $1`, [id]), {
        constraint: 'orders_trade_no_immutable',
      });
      await assert.rejects(db.pool.query(`UPDATE orders SET amount_fen = 1 WHERE id = $1`, [id]), {
        constraint: 'orders_identity_immutable',
      });

      const closed = await createOrder();
      await db.pool.query(`UPDATE orders SET status = 'closed', closed_at = now() WHERE id = $1`, [closed]);
      await assert.rejects(
        db.pool.query(`UPDATE orders SET status = 'paid', channel = 'wap', trade_no = 'x', paid_at = now() WHERE id = $1`, [closed]),
        { constraint: 'orders_status_transition' },
      );
      // A compare-and-set that lost simply matches nothing.
      const cas = await db.pool.query(`UPDATE orders SET status = 'closed' WHERE id = $1 AND status = 'paying'`, [closed]);
      assert.equal(cas.rowCount, 0);
    });

    test('version goes up by one on every update', async () => {
      const id = await createOrder();
      assert.equal((await counters(id)).version, 0);
      await db.pool.query(`UPDATE orders SET metadata = '{"a":1}' WHERE id = $1`, [id]);
      await db.pool.query(`UPDATE orders SET version = 42, body = 'x' WHERE id = $1`, [id]);
      assert.equal((await counters(id)).version, 2);
    });

    test('refunds reserve on the order; the order forbids refunding more than its amount', async () => {
      const unpaid = await createOrder(100);
      await assert.rejects(refund(unpaid, 10), { code: '23514', constraint: 'orders_refund_only_paid' });

      const id = await createOrder(100);
      await pay(id);
      await refund(id, 60, 'R1');
      await refund(id, 40, 'R2');
      assert.deepEqual(await counters(id), { refunded_fen: 0, refund_reserved_fen: 100, version: 4 });
      await assert.rejects(refund(id, 1, 'R3'), { code: '23514', constraint: 'orders_refund_bounds' });
      await assert.rejects(refund(id, 1, 'R1'), { code: '23505', constraint: 'refunds_order_out_request_no_key' });
      for (const bad of [0, -5]) {
        await assert.rejects(refund(id, bad, `R${bad}`), { code: '23514', constraint: 'refunds_amount_positive' });
      }

      // success moves the reservation to refunded; failure releases it
      await db.pool.query(`UPDATE refunds SET status = 'processing' WHERE order_id = $1 AND out_request_no = 'R1'`, [id]);
      await db.pool.query(`UPDATE refunds SET status = 'succeeded' WHERE order_id = $1 AND out_request_no = 'R1'`, [id]);
      await db.pool.query(`UPDATE refunds SET status = 'failed' WHERE order_id = $1 AND out_request_no = 'R2'`, [id]);
      assert.deepEqual({ ...(await counters(id)), version: 0 }, { refunded_fen: 60, refund_reserved_fen: 60, version: 0 });
      await refund(id, 40, 'R3');
      await assert.rejects(refund(id, 1, 'R4'), { constraint: 'orders_refund_bounds' });

      // counters never move by hand, a settled refund never moves again, refunds are never deleted
      await assert.rejects(db.pool.query('UPDATE orders SET refund_reserved_fen = 0 WHERE id = $1', [id]), {
        constraint: 'orders_refund_counters_derived',
      });
      await assert.rejects(
        db.pool.query(`UPDATE refunds SET status = 'pending' WHERE order_id = $1 AND out_request_no = 'R1'`, [id]),
        { constraint: 'refunds_status_transition' },
      );
      await assert.rejects(db.pool.query(`DELETE FROM refunds WHERE order_id = $1`, [id]), { constraint: 'refunds_no_delete' });
    });

    test('the order CHECK itself rejects a reservation beyond the amount', async () => {
      const id = await createOrder(100);
      await pay(id);
      // Even from inside a trigger-depth update (how the refunds trigger writes), the CHECK holds.
      await assert.rejects(
        withTransaction(db.pool, async (c) => {
          await c.query(`CREATE TEMP TABLE poke (x int) ON COMMIT DROP`);
          await c.query(`
            CREATE FUNCTION pg_temp.poke() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE orders SET refund_reserved_fen = 101 WHERE id = '${id}'; RETURN NEW; END $$`);
          await c.query(`CREATE TRIGGER poke AFTER INSERT ON poke FOR EACH ROW EXECUTE FUNCTION pg_temp.poke()`);
          await c.query('INSERT INTO poke VALUES (1)');
        }),
        { code: '23514', constraint: 'orders_refund_bounds' },
      );
    });

    test('two refunds racing for the same money: exactly one gets it', async () => {
      const id = await createOrder(100);
      await pay(id);
      const race = (no: string) =>
        withTransaction(db.pool, async (c) => {
          await c.query(
            `INSERT INTO refunds (id, order_id, attempt_id, out_request_no, amount_fen) SELECT $1, id, paid_attempt_id, $3, 60 FROM orders WHERE id = $2`,
            [newId('re'), id, no],
          );
          await new Promise((r) => setTimeout(r, 50)); // hold the reservation while the other tries
        });
      const results = await Promise.allSettled([race('A'), race('B')]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(rejected?.reason.constraint, 'orders_refund_bounds');
      assert.equal((await counters(id)).refund_reserved_fen, 60);
    });

    test('order_events are append-only', async () => {
      const id = await createOrder();
      await db.pool.query(`INSERT INTO order_events (order_id, type, data) VALUES ($1, 'created', '{"by":"test"}')`, [id]);
      await assert.rejects(db.pool.query(`UPDATE order_events SET type = 'x' WHERE order_id = $1`, [id]), {
        constraint: 'order_events_append_only',
      });
      await assert.rejects(db.pool.query(`DELETE FROM order_events WHERE order_id = $1`, [id]), {
        constraint: 'order_events_append_only',
      });
      await assert.rejects(
        db.pool.query(`INSERT INTO order_events (order_id, type) VALUES ('ord_doesnotexist000000', 'x')`),
        { code: '23503' },
      );
    });

    test('notifies: stored verbatim first, outcome written after; retries share a notify_id', async () => {
      // GBK bytes, a NUL and 0xff: whatever arrived is what we keep.
      const raw = Buffer.concat([Buffer.from('notify_id=n1&subject='), Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0x00, 0xff])]);
      const ids: number[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await db.pool.query(
          `INSERT INTO notifies (raw_body, content_type, remote_addr) VALUES ($1, 'application/x-www-form-urlencoded; charset=GBK', '127.0.0.1') RETURNING id`,
          [raw],
        );
        ids.push(r.rows[0].id);
      }
      assert.equal(typeof ids[0], 'number');
      await db.pool.query(
        `UPDATE notifies SET notify_id = 'n1', outcome = CASE WHEN id = $1 THEN 'applied' ELSE 'duplicate' END,
                processed_at = now() WHERE id = ANY ($2::bigint[])`,
        [ids[0], ids],
      );
      const rows = await db.pool.query(`SELECT raw_body, outcome FROM notifies WHERE notify_id = 'n1' ORDER BY id`);
      assert.deepEqual(rows.rows.map((r) => r.outcome), ['applied', 'duplicate']);
      assert.ok(Buffer.isBuffer(rows.rows[0].raw_body));
      assert.ok(raw.equals(rows.rows[0].raw_body));
      await assert.rejects(db.pool.query(`UPDATE notifies SET raw_body = 'x' WHERE id = $1`, [ids[0]]), {
        constraint: 'notifies_received_immutable',
      });
      await assert.rejects(db.pool.query(`UPDATE notifies SET outcome = 'bogus', processed_at = now() WHERE id = $1`, [ids[1]]), {
        constraint: 'notifies_outcome_known',
      });
    });

    test('idempotency keys: one row per (scope, key); done needs a response', async () => {
      const key = randomBytes(8).toString('hex');
      await db.pool.query(`INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ('merchant:1', $1, 'h')`, [key]);
      await assert.rejects(
        db.pool.query(`INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ('merchant:1', $1, 'h')`, [key]),
        { code: '23505' },
      );
      await assert.rejects(db.pool.query(`UPDATE idempotency_keys SET status = 'done' WHERE key = $1`, [key]), {
        constraint: 'idempotency_keys_done_has_response',
      });
      await db.pool.query(
        `UPDATE idempotency_keys SET status = 'done', response_status = 201, response_body = '{"id":"ord_x"}' WHERE key = $1`,
        [key],
      );
    });
  });
}
