import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fenToYuan, yuanToFen, yuanToFenAllowZero, MAX_FEN } from './money.js';
import { AlipayValidationError } from './errors.js';

test('fen to yuan formats two decimals', () => {
  assert.equal(fenToYuan(1), '0.01');
  assert.equal(fenToYuan(10), '0.10');
  assert.equal(fenToYuan(100), '1.00');
  assert.equal(fenToYuan(8888), '88.88');
  assert.equal(fenToYuan(MAX_FEN), '100000000.00');
});

test('yuan to fen accepts 0, 1 or 2 decimals', () => {
  assert.equal(yuanToFen('0.01'), 1);
  assert.equal(yuanToFen('12'), 1200);
  assert.equal(yuanToFen('12.3'), 1230);
  assert.equal(yuanToFen('100000000.00'), MAX_FEN);
  assert.equal(yuanToFenAllowZero('0.00'), 0);
  assert.equal(yuanToFenAllowZero('1.50'), 150);
});

test('money rejects anything that is not a plain amount, naming the field', () => {
  for (const bad of ['0', '0.00', '0.001', '-1', '+1', '1e3', '01.00', '1.', '.5', ' 1', '100000000.01', '1,00', '', 'NaN']) {
    assert.throws(() => yuanToFen(bad, 'total_amount'), (e: unknown) => e instanceof AlipayValidationError && e.field === 'total_amount', bad);
  }
  for (const bad of [0, -1, 1.5, 0.1, NaN, Infinity, MAX_FEN + 1, Number.MAX_SAFE_INTEGER + 2]) {
    assert.throws(() => fenToYuan(bad), AlipayValidationError, String(bad));
  }
  assert.throws(() => yuanToFen(12 as unknown as string), AlipayValidationError);
});

test('property: yuanToFen(fenToYuan(n)) === n over the whole range', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: MAX_FEN }), (n) => yuanToFen(fenToYuan(n)) === n), { numRuns: 5000 });
});

test('property: formatted amounts always have exactly two decimals and no float artefacts', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX_FEN }), (n) => {
      const s = fenToYuan(n);
      return /^(0|[1-9]\d*)\.\d{2}$/.test(s) && BigInt(s.replace('.', '')) === BigInt(n);
    }),
    { numRuns: 5000 },
  );
});
