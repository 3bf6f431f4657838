import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { billDownloadUrlInput } from './bill-download-url.js';
import { outTradeNo, timeExpire, timeoutExpress, yuanAmount } from './fields.js';

const ok = (schema: z.ZodType, value: unknown) => assert.equal(schema.safeParse(value).success, true, `${JSON.stringify(value)} should pass`);
const bad = (schema: z.ZodType, value: unknown) => assert.equal(schema.safeParse(value).success, false, `${JSON.stringify(value)} should fail`);

test('yuanAmount: decimal strings from 0.01 to 100000000.00, at most two decimals, never numbers', () => {
  for (const v of ['0.01', '0.1', '1', '88.88', '100000000', '100000000.00', '99999999.99']) ok(yuanAmount, v);
  for (const v of ['0', '0.00', '0.001', '-1', '1.', '.5', '01.00', '1e3', ' 1', '1,00', '100000000.01', '1000000000', '', 1.5, 1, null]) bad(yuanAmount, v);
});

test('outTradeNo: 1 to 64 of letters, digits, "_" and "-"', () => {
  for (const v of ['A', 'ORDER_20261120_0001', 'a-b', 'x'.repeat(64)]) ok(outTradeNo, v);
  for (const v of ['', 'x'.repeat(65), 'a b', '订单1', 'a/b', 12]) bad(outTradeNo, v);
});

test('timeoutExpress: whole m/h/d from 1m to 15d, or 1c', () => {
  for (const v of ['1m', '90m', '21600m', '2h', '360h', '1d', '15d', '1c']) ok(timeoutExpress, v);
  for (const v of ['0m', '21601m', '361h', '16d', '1.5h', '2c', '10', 'm', '1M', '']) bad(timeoutExpress, v);
});

test('timeExpire: a real yyyy-MM-dd HH:mm:ss', () => {
  ok(timeExpire, '2026-11-20 23:59:59');
  for (const v of ['2026-02-30 10:00:00', '2026-11-20 24:00:00', '2026-11-20T10:00:00', '2026-11-20 10:00', '2026-11-20 10:00:00.000']) bad(timeExpire, v);
});

test('bill_date: a real day or month from 2016', () => {
  const date = (bill_date: unknown) => ({ bill_type: 'trade', bill_date });
  for (const v of ['2026-11-19', '2024-02-29', '2026-10', '2016-01-01']) ok(billDownloadUrlInput, date(v));
  for (const v of ['2026-02-29', '2026-13', '2026-00', '2026/11/19', '20261119', '2015-12-31', '2015-12', '2026-1-5']) bad(billDownloadUrlInput, date(v));
});
