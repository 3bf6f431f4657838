/**
 * Migration 003 on data written before it: every order that had a way to pay gets one attempt
 * with its out_trade_no, status, trade and buyer (a failed barcode order keeps Alipay's message);
 * paid orders point at it; refunds, events and notifies are attached to it; an order never
 * offered gets none. On both backends.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BACKENDS, openTestDatabase, type TestDatabase } from './testing.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';

for (const kind of BACKENDS) {
  describe(`migration 003 on existing data (${kind})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await openTestDatabase(kind);
    });
    after(() => db?.close());

    test('one attempt per order that had a channel; paid orders, refunds, events and notifies point at it', async () => {
      await migrate(db.pool, { migrations: migrations.filter((m) => m.id < 3) });
      const q = (sql: string, args: unknown[] = []) => db.pool.query(sql, args);
      const order = async (id: string, no: string, status: string, extra = '') => {
        await q(`INSERT INTO orders (id, app_id, out_trade_no, amount_fen, subject, expires_at) VALUES ($1, 'app1', $2, 500, 's', now() + interval '1 hour')`, [id, no]);
        if (status !== 'created') await q(`UPDATE orders SET status = 'paying', channel = $2 WHERE id = $1`, [id, extra || 'wap']);
      };
      await order('ord_PAID000000000000000001', 'P1', 'paid');
      await q(`UPDATE orders SET status = 'paid', trade_no = 'T1', paid_at = now(), buyer_user_id = '2088000000000001' WHERE id = 'ord_PAID000000000000000001'`);
      await q(`INSERT INTO refunds (id, order_id, out_request_no, amount_fen, status) VALUES ('re_REFUND00000000000000001', 'ord_PAID000000000000000001', 'R1', 100, 'succeeded')`);
      await q(`INSERT INTO order_events (order_id, type, data) VALUES ('ord_PAID000000000000000001', 'notify.paid', '{}')`);
      await q(`INSERT INTO notifies (raw_body, order_id, outcome, processed_at) VALUES ('x', 'ord_PAID000000000000000001', 'applied', now())`);
      await order('ord_FAIL000000000000000001', 'F1', 'paying', 'barcode');
      await q(`INSERT INTO order_events (order_id, type, data) VALUES ('ord_FAIL000000000000000001', 'barcode.failed', '{"code":"ACQ.BUYER_BALANCE_NOT_ENOUGH","message":"买家余额不足"}')`);
      await q(`UPDATE orders SET status = 'failed', closed_at = now() WHERE id = 'ord_FAIL000000000000000001'`);
      await order('ord_WAIT000000000000000001', 'W1', 'paying');
      await order('ord_NEW0000000000000000001', 'N1', 'created');

      assert.deepEqual((await migrate(db.pool)).applied, migrations.filter((m) => m.id >= 3).map((m) => `${String(m.id).padStart(3, '0')}_${m.name}`));
      const { rows } = await q(`SELECT order_id, out_trade_no, method, status, trade_no, buyer_user_id, failure FROM payment_attempts ORDER BY out_trade_no`);
      assert.deepEqual(rows, [
        { order_id: 'ord_FAIL000000000000000001', out_trade_no: 'F1', method: 'barcode', status: 'failed', trade_no: null, buyer_user_id: null, failure: { code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', message: '买家余额不足' } },
        { order_id: 'ord_PAID000000000000000001', out_trade_no: 'P1', method: 'wap', status: 'paid', trade_no: 'T1', buyer_user_id: '2088000000000001', failure: null },
        { order_id: 'ord_WAIT000000000000000001', out_trade_no: 'W1', method: 'wap', status: 'paying', trade_no: null, buyer_user_id: null, failure: null },
      ]);
      const paid = (await q(`SELECT paid_attempt_id, refunded_fen FROM orders WHERE id = 'ord_PAID000000000000000001'`)).rows[0];
      assert.equal(paid.paid_attempt_id, 'pa_PAID000000000000000001');
      assert.equal(Number(paid.refunded_fen), 100);
      assert.deepEqual((await q(`SELECT attempt_id, kind FROM refunds`)).rows, [{ attempt_id: 'pa_PAID000000000000000001', kind: 'merchant' }]);
      assert.deepEqual((await q(`SELECT attempt_id FROM order_events WHERE type = 'notify.paid'`)).rows, [{ attempt_id: 'pa_PAID000000000000000001' }]);
      assert.deepEqual((await q(`SELECT attempt_id FROM notifies`)).rows, [{ attempt_id: 'pa_PAID000000000000000001' }]);
      // Still append-only after the backfill.
      await assert.rejects(q(`UPDATE order_events SET type = 'x'`), { constraint: 'order_events_append_only' });
    });
  });
}
