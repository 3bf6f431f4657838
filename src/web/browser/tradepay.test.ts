/**
 * The browser helper outside a browser: the code → outcome table (huifu-and-jsapi.md §3), and
 * which API it calls where (AlipayJSBridge in an H5 page, waiting for AlipayJSBridgeReady;
 * my.tradePay in a mini-program web view). The real bridge is exercised in
 * test/server/checkout-chromium.test.ts through the sandbox's /jsbridge.js.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeOf, payAndConfirm, tradePay } from './tradepay.js';

const g = globalThis as Record<string, unknown>;
afterEach(() => {
  delete g.AlipayJSBridge;
  delete g.my;
  delete g.document;
});

test('every documented result code has its outcome; anything else is failed', () => {
  const table: Record<string, string> = { '9000': 'success', '8000': 'processing', '6004': 'processing', '6001': 'cancelled', '99': 'cancelled', '6002': 'network', '5000': 'duplicate', '4000': 'failed', '4': 'failed', '': 'failed', 'x': 'failed' };
  for (const [code, outcome] of Object.entries(table)) assert.equal(outcomeOf(code), outcome, code);
  assert.equal(outcomeOf(9000), 'success', 'a number from an older container');
  assert.equal(outcomeOf(undefined), 'failed');
});

test('an H5 page: waits for AlipayJSBridgeReady, then calls tradePay with tradeNO', async () => {
  const listeners: Record<string, () => void> = {};
  g.document = { addEventListener: (t: string, fn: () => void) => (listeners[t] = fn), removeEventListener: () => {} };
  const calls: unknown[] = [];
  const paying = tradePay('2026120722001400000000000001');
  g.AlipayJSBridge = { call: (name: string, params: unknown, cb: (r: unknown) => void) => { calls.push([name, params]); cb({ resultCode: '6004', memo: 'unknown' }); } };
  listeners.AlipayJSBridgeReady!();
  assert.deepEqual(await paying, { resultCode: '6004', outcome: 'processing', memo: 'unknown' });
  assert.deepEqual(calls, [['tradePay', { tradeNO: '2026120722001400000000000001' }]]);
});

test('outside the Alipay app the helper says so instead of hanging', async () => {
  g.document = { addEventListener: () => {}, removeEventListener: () => {} };
  await assert.rejects(tradePay('1', { bridgeTimeoutMs: 20 }), /open this page inside the Alipay app/);
});

test('a mini-program web view: my.tradePay; the server is asked whatever the code', async () => {
  g.my = { tradePay: (o: { tradeNO: string; success: (r: unknown) => void }) => o.success({ resultCode: '9000' }) };
  const asked: string[] = [];
  const r = await payAndConfirm({ tradeNo: 'T1', confirm: async (x) => { asked.push(x.resultCode); return { state: 'waiting' }; } });
  assert.deepEqual(r, { result: { resultCode: '9000', outcome: 'success' }, server: { state: 'waiting' } });
  assert.deepEqual(asked, ['9000'], 'a 9000 is only a hint: the server decides');
});
