import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { formatAlipayTime, parseAlipayTime } from './time.js';

test('timestamps are Asia/Shanghai wall-clock time', () => {
  assert.equal(formatAlipayTime(new Date('2026-11-21T16:30:05Z')), '2026-11-22 00:30:05');
  assert.equal(formatAlipayTime(new Date('2026-01-01T00:00:00Z')), '2026-01-01 08:00:00');
});

test('the host time zone does not matter', () => {
  const code = `import('${new URL('./time.ts', import.meta.url).href}').then(m => console.log(m.formatAlipayTime(new Date('2026-07-01T23:59:59Z'))))`;
  for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
    const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
    assert.equal(out.stdout.trim(), '2026-07-02 07:59:59', tz);
  }
});

test('parse is the inverse and rejects impossible dates', () => {
  const d = new Date('2026-11-21T16:30:05Z');
  assert.equal(parseAlipayTime(formatAlipayTime(d))?.getTime(), d.getTime());
  assert.equal(parseAlipayTime('2015-04-28 15:45:57.320')?.toISOString(), '2015-04-28T07:45:57.320Z');
  assert.equal(parseAlipayTime('2026-02-30 00:00:00'), undefined);
  assert.equal(parseAlipayTime('2026-11-21T16:30:05'), undefined);
});
