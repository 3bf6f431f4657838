import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { validate } from './validate.js';
import { AlipayValidationError } from '../errors.js';
import { outTradeNo, requireTradeId, tradeIdFields, yuanAmount } from './fields.js';

function failure(fn: () => unknown): AlipayValidationError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AlipayValidationError, `expected AlipayValidationError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a validation error');
}

const order = z.looseObject({ out_trade_no: outTradeNo, total_amount: yuanAmount, lines: z.array(z.looseObject({ price: yuanAmount })).optional(), count: z.number().int().optional() });

test('returns the parsed input, unknown fields kept', () => {
  const out = validate(order, { out_trade_no: 'A1', total_amount: '1.00', new_alipay_field: { x: 1 } }, 'biz_content');
  assert.deepEqual(out, { out_trade_no: 'A1', total_amount: '1.00', new_alipay_field: { x: 1 } });
});

test('every issue gets a dotted wire path under the prefix; the first is the error field', () => {
  const err = failure(() => validate(order, { total_amount: 1.5, lines: [{ price: '1.00' }, { price: '-1' }] }, 'biz_content'));
  assert.equal(err.code, 'ERR_VALIDATION');
  assert.deepEqual(err.issues.map((i) => i.field), ['biz_content.out_trade_no', 'biz_content.total_amount', 'biz_content.lines.1.price']);
  assert.equal(err.field, 'biz_content.out_trade_no');
  assert.match(err.expected, /^required: the merchant order number/);
  assert.match(err.issues[1]!.expected, /yuan amount string .* got 1\.5$/);
  assert.match(err.message, /biz_content\.lines\.1\.price: a yuan amount .*got "-1"/);
});

test('generic checks are worded too (type, whole number, length, enum)', () => {
  const schema = z.strictObject({ n: z.number().int(), s: z.string().max(3), e: z.enum(['a', 'b']) });
  const err = failure(() => validate(schema, { n: 1.5, s: 'abcd', e: 'c', extra: 1 }, ''));
  assert.deepEqual(err.issues, [
    { field: 'n', expected: 'a whole number, got 1.5' },
    { field: 's', expected: 'at most 3 characters, got 4' },
    { field: 'e', expected: 'one of "a" | "b", got "c"' },
    { field: 'extra', expected: 'not a parameter of this method' },
  ]);
  assert.deepEqual(failure(() => validate(schema, null, '')).issues, [{ field: 'input', expected: 'an object, got null' }]);
  assert.equal(failure(() => validate(schema, { s: 'a', e: 'a' }, '')).expected, 'required (a number)');
});

test('trade id rule: one of out_trade_no / trade_no, both accepted', () => {
  const schema = z.looseObject({ ...tradeIdFields }).superRefine(requireTradeId);
  assert.deepEqual(validate(schema, { trade_no: '2026112022001468450512505578' }, 'biz_content'), { trade_no: '2026112022001468450512505578' });
  assert.deepEqual(validate(schema, { out_trade_no: 'A', trade_no: '1' }, 'biz_content'), { out_trade_no: 'A', trade_no: '1' });
  const err = failure(() => validate(schema, {}, 'biz_content'));
  assert.equal(err.field, 'biz_content.out_trade_no');
  assert.match(err.expected, /out_trade_no or trade_no/);
});
