import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zfb } from './run-cli.js';

const COMMANDS = ['keys generate', 'keys check', 'sign', 'verify-notify', 'serve'];

test('zfb --help and zfb help list every command, exit 0', () => {
  for (const args of [['--help'], ['-h'], ['help'], ['help', 'keys'], ['keys', '--help']]) {
    const r = zfb(args);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: zfb <command>/);
    for (const name of COMMANDS) assert.ok(r.stdout.includes(`  ${name} `), name);
    assert.equal(r.stderr, '');
  }
});

test('zfb help <command> and zfb <command> --help print that command\'s usage', () => {
  for (const name of COMMANDS) {
    const words = name.split(' ');
    for (const args of [['help', ...words], [...words, '--help']]) {
      const r = zfb(args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stdout.startsWith(`Usage: zfb ${name}`), r.stdout);
    }
  }
});

test('unknown or missing commands print the usage on stderr and exit 2', () => {
  for (const [args, message] of [
    [[], /no command given/],
    [['pay'], /unknown command "pay"/],
    [['keys'], /keys needs a sub-command/],
    [['keys', 'rotate'], /unknown command "keys rotate"/],
    [['help', 'pay'], /no command "pay"/],
  ] as const) {
    const r = zfb([...args]);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Usage: zfb <command>/);
    assert.equal(r.stdout, '');
  }
});
