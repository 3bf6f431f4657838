import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { tradeBillZip } from './bill.js';
import { tradeBillCsv, type TradeBillInput } from './trade-bill.js';
import { readZip } from './zip.js';

const input: TradeBillInput = {
  appId: '2021000000000001',
  sellerId: '2088000000000001',
  date: '2026-11-20',
  exportedAt: new Date('2026-11-21T01:00:00Z'),
  rows: [
    {
      kind: 'trade',
      tradeNo: '2026112022001400000000000001',
      outTradeNo: 'ORDER-1',
      subject: '测试商品',
      createdAt: '2026-11-20 10:00:00',
      finishedAt: '2026-11-20 10:00:05',
      amountFen: 990,
      receivedFen: 990,
    },
  ],
};

const DETAIL = '20880000000000010156_20261120_业务明细.csv';
const SUMMARY = '20880000000000010156_20261120_业务明细(汇总).csv';

test('the zip is named like Alipay\'s and holds the detail CSV, then the summary', () => {
  const { zip, fileName } = tradeBillZip(input);
  assert.equal(fileName, '20880000000000010156_20261120.csv.zip');
  const entries = readZip(zip);
  const csv = tradeBillCsv(input);
  assert.deepEqual(entries.map((e) => e.name), [DETAIL, SUMMARY]);
  assert.ok(entries[0]!.data.equals(csv.detail));
  assert.ok(entries[1]!.data.equals(csv.summary));
  assert.ok(iconv.decode(entries[0]!.data, 'gbk').startsWith('#支付宝业务明细查询\r\n'));
  assert.ok(entries.every((e) => e.utf8));
});

test('nameEncoding gbk writes unflagged GBK names that still read back', () => {
  const entries = readZip(tradeBillZip({ ...input, nameEncoding: 'gbk' }).zip);
  assert.deepEqual(entries.map((e) => [e.name, e.utf8]), [[DETAIL, false], [SUMMARY, false]]);
});

test('unzip and python3 list both files (each skipped when absent)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zfb-bill-'));
  try {
    const { zip, fileName } = tradeBillZip(input);
    const path = join(dir, fileName);
    writeFileSync(path, zip);
    const env = { ...process.env, LC_ALL: 'C.UTF-8' };
    const unzip = spawnSync('unzip', ['-l', path], { encoding: 'utf8', env });
    if (unzip.error) t.diagnostic('unzip not installed: skipped');
    else {
      assert.equal(unzip.status, 0, unzip.stderr);
      assert.match(unzip.stdout, /\s2 files\s*$/);
    }
    const python = spawnSync('python3', ['-m', 'zipfile', '-l', path], { encoding: 'utf8', env });
    if (python.error) t.diagnostic('python3 not installed: skipped');
    else {
      assert.equal(python.status, 0, python.stderr);
      assert.ok(python.stdout.includes(DETAIL) && python.stdout.includes(SUMMARY), python.stdout);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
