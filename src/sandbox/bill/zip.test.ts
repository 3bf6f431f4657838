import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import iconv from 'iconv-lite';
import { crc32, createZip, readZip, tableCrc32 } from './zip.js';

const files = [
  { name: 'hello.txt', data: Buffer.from('hello hello hello hello hello hello\n'.repeat(50)) },
  { name: '20880000000000010156_20261120_业务明细(汇总).csv', data: iconv.encode('#支付宝业务汇总查询\r\n'.repeat(20), 'gbk') },
  { name: 'empty.csv', data: Buffer.alloc(0) },
  { name: 'dir/random.bin', data: randomBytes(70_000) },
];

/** Runs a command if it exists; undefined when it is not installed. */
function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  return r.error ? undefined : { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withFile<T>(buf: Buffer, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'zfb-zip-'));
  try {
    const path = join(dir, 'test.zip');
    writeFileSync(path, buf);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('CRC-32: the check value, and the table agrees with zlib', () => {
  assert.equal(tableCrc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(tableCrc32(Buffer.alloc(0)), 0);
  if (typeof zlib.crc32 === 'function') {
    for (const size of [1, 7, 1000, 65_537]) {
      const data = randomBytes(size);
      assert.equal(tableCrc32(data), zlib.crc32(data));
    }
  }
});

test('round trip: names, contents, methods and the UTF-8 flag', () => {
  const zip = createZip(files, { modified: new Date('2026-11-21T01:02:04Z') });
  assert.equal(zip.readUInt32LE(0), 0x04034b50);
  const back = readZip(zip);
  assert.deepEqual(back.map((e) => e.name), files.map((f) => f.name));
  back.forEach((e, i) => assert.ok(e.data.equals(files[i]!.data), e.name));
  assert.ok(back.every((e) => e.utf8));
  // Text shrinks (deflate); random bytes and empty files do not (stored).
  assert.deepEqual(back.map((e) => e.method), [8, 8, 0, 0]);
  // Local header: flags bit 11, DOS time 09:02:04 Shanghai (2-second units), date 2026-11-21.
  assert.equal(zip.readUInt16LE(6) & 0x0800, 0x0800);
  assert.equal(zip.readUInt16LE(10), (9 << 11) | (2 << 5) | 2);
  assert.equal(zip.readUInt16LE(12), ((2026 - 1980) << 9) | (11 << 5) | 21);
  // End record: 4 entries, no comment.
  const end = zip.subarray(zip.length - 22);
  assert.equal(end.readUInt32LE(0), 0x06054b50);
  assert.equal(end.readUInt16LE(10), 4);
  assert.deepEqual(readZip(createZip([])), []);
});

test('GBK names: unflagged, GBK bytes, read back by readZip', () => {
  const name = '20880000000000010156_20261120_业务明细.csv';
  const zip = createZip([{ name, data: Buffer.from('x') }], { nameEncoding: 'gbk' });
  assert.equal(zip.readUInt16LE(6) & 0x0800, 0);
  assert.ok(zip.subarray(30, 30 + zip.readUInt16LE(26)).equals(iconv.encode(name, 'gbk')));
  const [entry] = readZip(zip);
  assert.equal(entry?.name, name);
  assert.equal(entry?.utf8, false);
  assert.throws(() => createZip([{ name: 'emoji-😀.csv', data: Buffer.alloc(0) }], { nameEncoding: 'gbk' }), RangeError);
});

test('bad input is refused; damaged archives are detected', () => {
  for (const name of ['', '/abs.txt', '../up.txt', 'a/../../b']) {
    assert.throws(() => createZip([{ name, data: Buffer.alloc(0) }]), RangeError, name);
  }
  assert.throws(() => createZip([{ name: 'a', data: Buffer.alloc(0) }, { name: 'a', data: Buffer.alloc(1) }]), RangeError);
  assert.throws(() => readZip(Buffer.from('not a zip at all, not even close')), /not a ZIP/);
  const zip = createZip([{ name: 'a.txt', data: Buffer.from('abcdefgh') }]);
  const damaged = Buffer.from(zip);
  damaged[30 + 'a.txt'.length]! ^= 0xff; // first data byte (stored: 8 bytes do not deflate smaller)
  assert.throws(() => readZip(damaged), /CRC mismatch/);
});

test('unzip and python3 read the archive (each skipped when absent)', (t) => {
  const zip = createZip(files);
  withFile(zip, (path) => {
    const unzipList = run('unzip', ['-l', path]);
    if (!unzipList) t.diagnostic('unzip not installed: skipped');
    else {
      assert.equal(unzipList.status, 0, unzipList.stderr);
      assert.match(unzipList.stdout, /\s4 files\s*$/);
      const check = run('unzip', ['-t', path])!;
      assert.equal(check.status, 0, check.stdout);
      assert.match(check.stdout, /No errors detected/);
    }
    const pyList = run('python3', ['-m', 'zipfile', '-l', path]);
    if (!pyList || (pyList.status !== 0 && /No module named/.test(pyList.stderr))) t.diagnostic('python3 not usable: skipped');
    else {
      assert.equal(pyList.status, 0, pyList.stderr);
      for (const f of files) assert.ok(pyList.stdout.includes(f.name), f.name);
      const pyTest = run('python3', ['-m', 'zipfile', '-t', path])!;
      assert.equal(pyTest.status, 0, pyTest.stderr);
    }
  });
});
