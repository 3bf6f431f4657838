import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { AlipayValidationError } from '../../alipay/errors.js';
import { DETAIL_COLUMNS, MARKERS, SUMMARY_COLUMNS, tradeBillCsv, type BillRow, type TradeBillInput } from './trade-bill.js';

const PID = '2088000000000001';
const TRADE_NO = '2026112022001400000000000001';

const trade: BillRow = {
  kind: 'trade',
  tradeNo: TRADE_NO,
  outTradeNo: 'ORDER-1',
  subject: '测试商品',
  createdAt: '2026-11-20 10:00:00',
  finishedAt: '2026-11-20 10:00:05',
  buyerLogonId: '159****5620',
  amountFen: 1234,
  receivedFen: 1234,
  remark: '备注一',
};
const refund: BillRow = {
  ...trade,
  kind: 'refund',
  finishedAt: '2026-11-20 11:30:00',
  amountFen: 234,
  receivedFen: 234,
  refundRequestNo: 'REFUND-1',
  remark: undefined,
};

const input = (rows: readonly BillRow[], extra: Partial<TradeBillInput> = {}): TradeBillInput => ({
  appId: '2021000000000001',
  sellerId: PID,
  date: '2026-11-20',
  rows,
  exportedAt: new Date('2026-11-21T01:00:00Z'), // 09:00 in Shanghai, when Alipay generates bills
  ...extra,
});

/** GBK → text → lines, checking the CRLF line ends on the way. */
function lines(buf: Buffer): string[] {
  const text = iconv.decode(buf, 'gbk');
  assert.ok(text.endsWith('\r\n'));
  assert.ok(!/[^\r]\n/.test(text), 'every line ends in CRLF');
  return text.slice(0, -2).split('\r\n');
}

/** Data rows between the column header and the end marker, tabs stripped as merchant parsers do. */
function dataRows(all: string[], end: string): string[][] {
  const start = all.findIndex((l) => l.startsWith('#-') && !l.includes('结束')) + 2;
  return all.slice(start, all.indexOf(end)).map((l) => l.replace(/\t/g, '').split(','));
}

test('the detail file, line by line, in Alipay\'s layout', () => {
  const files = tradeBillCsv(input([trade, refund]));
  assert.deepEqual(files.names, {
    detail: '20880000000000010156_20261120_业务明细.csv',
    summary: '20880000000000010156_20261120_业务明细(汇总).csv',
  });
  assert.deepEqual(lines(files.detail), [
    '#支付宝业务明细查询',
    '#账号：[20880000000000010156]',
    '#起始日期：[2026年11月20日 00:00:00]   终止日期：[2026年11月21日 00:00:00]',
    '#-----------------------------------------业务明细列表----------------------------------------',
    '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注',
    `${TRADE_NO}\t,ORDER-1\t,交易\t,测试商品,2026-11-20 10:00:00,2026-11-20 10:00:05,\t,\t,\t,\t,159****5620\t,12.34,12.34,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,备注一`,
    `${TRADE_NO}\t,ORDER-1\t,退款\t,测试商品,2026-11-20 10:00:00,2026-11-20 11:30:00,\t,\t,\t,\t,159****5620\t,-2.34,-2.34,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,REFUND-1\t,0.00,0.00,`,
    '#-----------------------------------------业务明细列表结束------------------------------------',
    '#交易合计：1笔，商家实收共12.34元，商家优惠共0.00元',
    '#退款合计：1笔，商家实收退款共-2.34元，商家优惠退款共0.00元',
    '#导出时间：[2026年11月21日 09:00:00]',
  ]);
  // The markers as merchant parsers spell them (they compare whole lines).
  assert.equal(MARKERS.detailStart, '#-----------------------------------------业务明细列表----------------------------------------');
  assert.equal(MARKERS.summaryEnd, '#----------------------------------------业务汇总列表结束-------------------------------------');
  assert.equal(DETAIL_COLUMNS.length, 25);
});

test('the summary file: a line per store, then 合计', () => {
  const rows: BillRow[] = [
    trade,
    { ...trade, tradeNo: '2', outTradeNo: 'ORDER-2', storeId: 'S1', storeName: '一号店', amountFen: 10000, receivedFen: 9000 },
    { ...refund, tradeNo: '2', outTradeNo: 'ORDER-2', storeId: 'S1', storeName: '一号店', amountFen: 5000, receivedFen: 4500 },
  ];
  const summary = lines(tradeBillCsv(input(rows)).summary);
  assert.deepEqual(summary, [
    '#支付宝业务汇总查询',
    '#账号：[20880000000000010156]',
    '#起始日期：[2026年11月20日 00:00:00]   终止日期：[2026年11月21日 00:00:00]',
    '#-----------------------------------------业务汇总列表----------------------------------------',
    SUMMARY_COLUMNS.join(','),
    '\t,\t,1,0,12.34,12.34,0.00,0.00,0.00,0.00,0.00,12.34',
    'S1\t,一号店\t,1,1,50.00,45.00,0.00,0.00,0.00,0.00,0.00,45.00',
    '合计,,2,1,62.34,57.34,0.00,0.00,0.00,0.00,0.00,57.34',
    '#----------------------------------------业务汇总列表结束-------------------------------------',
    '#导出时间：[2026年11月21日 09:00:00]',
  ]);
  assert.equal(SUMMARY_COLUMNS[11], '实收净额（元）');
});

test('amounts add up: detail lines, the 合计 comments and the summary agree', () => {
  const rows: BillRow[] = [];
  let tradeFen = 0;
  let refundFen = 0;
  for (let i = 1; i <= 40; i++) {
    const amount = i * 137 + (i % 7);
    rows.push({ ...trade, tradeNo: `T${i}`, outTradeNo: `O${i}`, amountFen: amount, receivedFen: amount, storeId: i % 3 ? 'S1' : undefined });
    tradeFen += amount;
    if (i % 4 === 0) {
      const back = Math.floor(amount / 3);
      rows.push({ ...refund, tradeNo: `T${i}`, outTradeNo: `O${i}`, amountFen: back, receivedFen: back, refundRequestNo: `R${i}` });
      refundFen += back;
    }
  }
  const files = tradeBillCsv(input(rows));
  const detail = lines(files.detail);
  const parsed = dataRows(detail, MARKERS.detailEnd);
  assert.equal(parsed.length, 50);
  const toFen = (yuan: string) => Math.round(Number(yuan) * 100);
  const sumCol = (kind: string, col: number) => parsed.filter((r) => r[2] === kind).reduce((s, r) => s + toFen(r[col]!), 0);
  assert.equal(sumCol('交易', 11), tradeFen);
  assert.equal(sumCol('交易', 12), tradeFen);
  assert.equal(sumCol('退款', 11), -refundFen);
  assert.equal(sumCol('退款', 12), -refundFen);
  const yuan = (fen: number) => (fen / 100).toFixed(2);
  assert.ok(detail.includes(`#交易合计：40笔，商家实收共${yuan(tradeFen)}元，商家优惠共0.00元`));
  assert.ok(detail.includes(`#退款合计：10笔，商家实收退款共-${yuan(refundFen)}元，商家优惠退款共0.00元`));

  const summary = dataRows(lines(files.summary), MARKERS.summaryEnd);
  const total = summary.at(-1)!;
  assert.deepEqual(total.slice(0, 6), ['合计', '', '40', '10', yuan(tradeFen - refundFen), yuan(tradeFen - refundFen)]);
  // The store lines add up to 合计.
  const stores = summary.slice(0, -1);
  for (const col of [2, 3]) assert.equal(stores.reduce((s, r) => s + Number(r[col]), 0), Number(total[col]));
  for (const col of [4, 5, 11]) assert.equal(stores.reduce((s, r) => s + toFen(r[col]!), 0), toFen(total[col]!));
});

test('an empty day still has every header and zero totals', () => {
  const files = tradeBillCsv(input([]));
  assert.deepEqual(lines(files.detail), [
    '#支付宝业务明细查询',
    '#账号：[20880000000000010156]',
    '#起始日期：[2026年11月20日 00:00:00]   终止日期：[2026年11月21日 00:00:00]',
    MARKERS.detailStart,
    DETAIL_COLUMNS.join(','),
    MARKERS.detailEnd,
    '#交易合计：0笔，商家实收共0.00元，商家优惠共0.00元',
    '#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元',
    '#导出时间：[2026年11月21日 09:00:00]',
  ]);
  const summary = lines(files.summary);
  assert.deepEqual(summary.slice(3), [
    MARKERS.summaryStart,
    SUMMARY_COLUMNS.join(','),
    '合计,,0,0,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00',
    MARKERS.summaryEnd,
    '#导出时间：[2026年11月21日 09:00:00]',
  ]);
});

test('values: Date times in Shanghai, zero receipts, quoting, flattened line breaks, month and year ends', () => {
  const row: BillRow = {
    ...trade,
    subject: '套餐A, 含税 "VIP"',
    remark: 'line one\nline two',
    createdAt: new Date('2026-12-31T15:59:59Z'),
    finishedAt: new Date('2026-12-31T16:00:00Z'),
    receivedFen: 0,
  };
  const files = tradeBillCsv(input([row], { date: '2026-12-31' }));
  const detail = lines(files.detail);
  assert.equal(detail[2], '#起始日期：[2026年12月31日 00:00:00]   终止日期：[2027年01月01日 00:00:00]');
  const line = detail[5]!;
  assert.ok(line.includes(',"套餐A, 含税 ""VIP""",2026-12-31 23:59:59,2027-01-01 00:00:00,'), line);
  assert.ok(line.endsWith(',line one line two'));
  assert.ok(line.includes(',12.34,0.00,'));
  assert.ok(detail.includes('#交易合计：1笔，商家实收共0.00元，商家优惠共0.00元'));
  assert.equal(files.names.detail, '20880000000000010156_20261231_业务明细.csv');
  // Totals beyond one trade's maximum are fine.
  const big = tradeBillCsv(input([1, 2, 3].map((i) => ({ ...trade, tradeNo: `T${i}`, amountFen: 10_000_000_000, receivedFen: 10_000_000_000 }))));
  assert.ok(lines(big.detail).includes('#交易合计：3笔，商家实收共300000000.00元，商家优惠共0.00元'));
});

test('bad input is refused', () => {
  const bad: [Partial<TradeBillInput>, new (...args: never[]) => Error][] = [
    [{ date: '2026-02-30' }, TypeError],
    [{ date: '20261120' }, TypeError],
    [{ sellerId: '' }, TypeError],
    [{ sellerId: '2088/../x' }, TypeError],
    [{ rows: [{ ...refund, refundRequestNo: undefined }] }, TypeError],
    [{ rows: [{ ...trade, amountFen: 0 }] }, AlipayValidationError],
    [{ rows: [{ ...trade, amountFen: 12.5 }] }, AlipayValidationError],
    [{ rows: [{ ...trade, receivedFen: 2000 }] }, RangeError],
    [{ rows: [{ ...trade, createdAt: '2026-11-20T10:00:00' }] }, TypeError],
    [{ rows: [{ ...trade, finishedAt: new Date(Number.NaN) }] }, TypeError],
    [{ rows: [{ ...trade, kind: 'payment' as 'trade' }] }, TypeError],
  ];
  for (const [override, type] of bad) {
    assert.throws(() => tradeBillCsv(input([trade], override)), type, JSON.stringify(override));
  }
});
