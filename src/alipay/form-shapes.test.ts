// The parameters object of a body whose keys are all Alipay's own comes from a constructor made
// once per sequence of keys, found by a hash of that sequence (form.ts, formParams). These tests
// run in a process of their own (node --test runs each file apart), so the cache of shapes starts
// empty, and in this order: the first two need room in it, the last fills it past its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knownKeys, parseForm, readCallbackForm, shapeHashOf } from './form.js';

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A sequence of distinct known keys, in random order: `length` of them, else 4 to 14. */
function sequence(next: () => number, length = 4 + Math.floor(next() * 11)): string[] {
  const pool = [...knownKeys];
  const out: string[] = [];
  while (out.length < length) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
  return out;
}

const valueOf = (key: string, i: number) => (key === 'charset' ? 'utf-8' : `v${i} +`);
const bodyOf = (keys: string[]) => keys.map((k, i) => `${k}=${encodeURIComponent(valueOf(k, i))}`).join('&');
const entriesOf = (keys: string[]) => keys.map((k, i) => [k, valueOf(k, i)]);

test('the parameters inherit nothing, whichever way they were built', () => {
  const notify = 'notify_id=1&app_id=2&trade_no=3&total_amount=0.01'; // all known: the constructor
  const mixed = 'notify_id=1&toString=x&app_id=2'; // an unknown key: the dictionary
  for (const body of [notify, notify, mixed]) {
    const { params } = parseForm(body);
    assert.equal('toString' in params, body === mixed);
    assert.equal('constructor' in params, false);
    assert.equal('hasOwnProperty' in params, false);
    assert.equal(params.__proto__, undefined);
    assert.deepEqual(Object.keys(params), body.split('&').map((p) => p.slice(0, p.indexOf('='))));
    assert.equal(JSON.stringify(params), JSON.stringify(Object.fromEntries(new URLSearchParams(body))));
    assert.deepEqual({ ...params }, Object.fromEntries(new URLSearchParams(body)));
  }
  // The constructed objects share an empty prototype that has none of its own and cannot be
  // changed; the dictionary has none at all. (This also shows which way each was built.)
  const proto = Object.getPrototypeOf(parseForm(notify).params) as object;
  assert.ok(Object.isFrozen(proto) && Object.getPrototypeOf(proto) === null && Reflect.ownKeys(proto).length === 0);
  assert.equal(Object.getPrototypeOf(parseForm(mixed).params), null);
  const params = parseForm('__proto__=x&app_id=1').params;
  assert.equal(params.__proto__, 'x');
  assert.equal(Object.getPrototypeOf(params), null);
});

test('two key sequences with the same shape hash each read as their own keys', () => {
  // The hash is 32 bits, so a search over random sequences meets a collision after about 80,000.
  // Of one length: sequences of different lengths are told apart without comparing keys.
  const next = random(2026);
  const seen = new Map<number, string[]>();
  let pair: [string[], string[]] | undefined;
  while (!pair) {
    const keys = sequence(next, 10);
    const hash = shapeHashOf(keys);
    const earlier = seen.get(hash);
    if (earlier && earlier.join('&') !== keys.join('&')) pair = [earlier, keys];
    else seen.set(hash, keys);
  }
  const [a, b] = pair;
  assert.equal(shapeHashOf(a), shapeHashOf(b));
  for (const keys of [a, b, a, b]) {
    assert.deepEqual(Object.entries(parseForm(bodyOf(keys)).params), entriesOf(keys));
    assert.deepEqual(Object.entries(readCallbackForm(bodyOf(keys)).params), entriesOf(keys));
  }
});

test('past the limit of remembered shapes, every shape still reads right, old and new', () => {
  const next = random(7);
  const many = Array.from({ length: 150 }, () => sequence(next));
  for (let round = 0; round < 2; round++) {
    for (const keys of many) assert.deepEqual(Object.entries(parseForm(bodyOf(keys)).params), entriesOf(keys));
  }
});

