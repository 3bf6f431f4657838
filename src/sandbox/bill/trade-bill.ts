/**
 * Alipay's daily trade bill (对账单, bill_type `trade`): two GBK CSV files, 业务明细 (one line per
 * trade and per refund) and 业务明细(汇总) (per store, then a 合计 line).
 *
 * Alipay does not publish a specification of these files. The layout below was put together from
 * bills that merchants quote in their own parsers and test fixtures (several independent
 * projects agree): the comment lines and the exact dash runs of the start/end markers (which
 * parsers compare for equality), the header rows, a tab after the identifier-like cells (so
 * spreadsheets do not turn 28-digit trade numbers into floats; parsers strip it), refunds as their
 * own lines with negative amounts and the refund request number, the two `#…合计` lines, and the
 * file names `<pid>0156_<yyyyMMdd>_业务明细.csv` (the account printed in `#账号` is the PID
 * followed by 0156). Not confirmed anywhere we could read: CRLF line ends (parsers strip `\r`,
 * so it is likely), what happens to a value holding a comma or a line break (we quote as RFC 4180
 * does, and flatten line breaks to spaces), and the tabs in the summary file. Columns the sandbox
 * has no concept of (red packets, coupons, fees, profit sharing) are 0.00 or empty. Characters
 * GBK lacks (emoji) come out as `?`.
 */
import iconv from 'iconv-lite';
import { fenToYuan } from '../../alipay/money.js';
import { formatAlipayTime, parseAlipayTime } from '../../alipay/time.js';

export interface BillRow {
  readonly kind: 'trade' | 'refund';
  /** 支付宝交易号 (the trade's, on refund lines too). */
  readonly tradeNo: string;
  /** 商户订单号 (the trade's, on refund lines too). */
  readonly outTradeNo: string;
  /** 商品名称. */
  readonly subject: string;
  /** 创建时间: the trade's creation, on refund lines too. `yyyy-MM-dd HH:mm:ss` (Asia/Shanghai) or a Date. */
  readonly createdAt: string | Date;
  /** 完成时间: payment time for a trade line, refund time for a refund line. */
  readonly finishedAt: string | Date;
  readonly storeId?: string;
  readonly storeName?: string;
  readonly operatorId?: string;
  readonly terminalId?: string;
  /** 对方账户, as it should appear (masked, e.g. `*杨(137****2600)`). */
  readonly buyerLogonId?: string;
  /** 订单金额: the trade amount, or the amount refunded (positive; printed negative on refunds). */
  readonly amountFen: number;
  /** 商家实收: what the merchant received (or gave back, on refunds). */
  readonly receivedFen: number;
  /** 退款批次号/请求号 (out_request_no), refund lines only. */
  readonly refundRequestNo?: string;
  /** 备注. */
  readonly remark?: string;
}

export interface TradeBillInput {
  /** The app the bill was requested by. Not printed: a trade bill is per merchant account. */
  readonly appId: string;
  /** The merchant PID (2088…). */
  readonly sellerId: string;
  /** The bill day, `yyyy-MM-dd` (Asia/Shanghai). */
  readonly date: string;
  readonly rows: readonly BillRow[];
  /** The `#导出时间` stamp (default now). */
  readonly exportedAt?: Date;
}

export interface TradeBillFiles {
  /** 业务明细, GBK. */
  readonly detail: Buffer;
  /** 业务明细(汇总), GBK. */
  readonly summary: Buffer;
  readonly names: { readonly detail: string; readonly summary: string };
}

export const DETAIL_COLUMNS = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员',
  '终端号', '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）',
  '商家优惠（元）', '券核销金额（元）', '券名称', '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号',
  '服务费（元）', '分润（元）', '备注',
] as const;

export const SUMMARY_COLUMNS = [
  '门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '订单金额（元）', '商家实收（元）', '支付宝优惠（元）',
  '商家优惠（元）', '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）',
] as const;

/** The section markers, dash runs exactly as in Alipay's files (parsers match them whole). */
export const MARKERS = {
  detailStart: `#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`,
  detailEnd: `#${'-'.repeat(41)}业务明细列表结束${'-'.repeat(36)}`,
  summaryStart: `#${'-'.repeat(41)}业务汇总列表${'-'.repeat(40)}`,
  summaryEnd: `#${'-'.repeat(40)}业务汇总列表结束${'-'.repeat(37)}`,
} as const;

const EOL = '\r\n';
/** Detail columns whose cells end in a tab in Alipay's files (0-based, see DETAIL_COLUMNS). */
const DETAIL_TABBED = new Set([0, 1, 2, 6, 7, 8, 9, 10, 19, 21]);
const SUMMARY_TABBED = new Set([0, 1]);
const ZERO = '0.00';

/** `<pid>0156`: the account Alipay prints in `#账号` and uses in the file names. */
export function billAccount(sellerId: string): string {
  return `${sellerId}0156`;
}

export function tradeBillCsv(input: TradeBillInput): TradeBillFiles {
  if (typeof input.sellerId !== 'string' || !/^\d{1,32}$/.test(input.sellerId)) {
    throw new TypeError(`sellerId must be the merchant's numeric PID, got ${JSON.stringify(input.sellerId)}`);
  }
  const day = parseDay(input.date);
  const account = billAccount(input.sellerId);
  const compact = input.date.replace(/-/g, '');
  const exported = `#导出时间：[${chineseTime(formatAlipayTime(input.exportedAt ?? new Date()))}]`;
  const head = (title: string) => [
    `#支付宝${title}查询`,
    `#账号：[${account}]`,
    `#起始日期：[${chineseTime(`${input.date} 00:00:00`)}]   终止日期：[${chineseTime(`${nextDay(day)} 00:00:00`)}]`,
  ];

  const rows = input.rows.map((row, i) => checkRow(row, i));
  const trades = rows.filter((r) => r.kind === 'trade');
  const refunds = rows.filter((r) => r.kind === 'refund');
  const sum = (list: readonly BillRow[], pick: (r: BillRow) => number) => list.reduce((s, r) => s + pick(r), 0);

  const detail = [
    ...head('业务明细'),
    MARKERS.detailStart,
    DETAIL_COLUMNS.join(','),
    ...rows.map(detailLine),
    MARKERS.detailEnd,
    `#交易合计：${trades.length}笔，商家实收共${totalYuan(sum(trades, (r) => r.receivedFen))}元，商家优惠共${ZERO}元`,
    `#退款合计：${refunds.length}笔，商家实收退款共${totalYuan(-sum(refunds, (r) => r.receivedFen))}元，商家优惠退款共${ZERO}元`,
    exported,
  ];

  // One summary line per store, in order of first appearance (no store is a store too), then 合计.
  const stores = new Map<string, BillRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.storeId ?? '', row.storeName ?? '']);
    stores.set(key, [...(stores.get(key) ?? []), row]);
  }
  const summaryCells = (storeId: string, storeName: string, list: readonly BillRow[]): string[] => {
    const order = sum(list, (r) => (r.kind === 'trade' ? r.amountFen : -r.amountFen));
    const received = sum(list, (r) => (r.kind === 'trade' ? r.receivedFen : -r.receivedFen));
    return [
      storeId, storeName,
      String(list.filter((r) => r.kind === 'trade').length), String(list.filter((r) => r.kind === 'refund').length),
      totalYuan(order), totalYuan(received), ZERO, ZERO, ZERO, ZERO, ZERO,
      totalYuan(received), // 实收净额 = 商家实收 + 服务费 (always 0 here)
    ];
  };
  const summary = [
    ...head('业务汇总'),
    MARKERS.summaryStart,
    SUMMARY_COLUMNS.join(','),
    ...[...stores].map(([key, list]) => {
      const [id, name] = JSON.parse(key) as [string, string];
      return csvLine(summaryCells(id, name, list), SUMMARY_TABBED);
    }),
    csvLine(['合计', '', ...summaryCells('', '', rows).slice(2)], new Set()),
    MARKERS.summaryEnd,
    exported,
  ];

  return {
    detail: gbk(detail),
    summary: gbk(summary),
    names: { detail: `${account}_${compact}_业务明细.csv`, summary: `${account}_${compact}_业务明细(汇总).csv` },
  };
}

function detailLine(row: BillRow): string {
  const refund = row.kind === 'refund';
  const cells = [
    row.tradeNo,
    row.outTradeNo,
    refund ? '退款' : '交易',
    row.subject,
    alipayTime(row.createdAt),
    alipayTime(row.finishedAt),
    row.storeId ?? '',
    row.storeName ?? '',
    row.operatorId ?? '',
    row.terminalId ?? '',
    row.buyerLogonId ?? '',
    rowYuan(row.amountFen, refund),
    rowYuan(row.receivedFen, refund),
    ZERO, ZERO, ZERO, ZERO, ZERO, // 支付宝红包, 集分宝, 支付宝优惠, 商家优惠, 券核销金额
    '', // 券名称
    ZERO, ZERO, // 商家红包消费金额, 卡消费金额
    refund ? (row.refundRequestNo ?? '') : '',
    ZERO, ZERO, // 服务费, 分润
    row.remark ?? '',
  ];
  return csvLine(cells, DETAIL_TABBED);
}

function checkRow(row: BillRow, i: number): BillRow {
  const where = `rows[${i}]`;
  if (row.kind !== 'trade' && row.kind !== 'refund') throw new TypeError(`${where}.kind must be "trade" or "refund"`);
  for (const field of ['tradeNo', 'outTradeNo', 'subject'] as const) {
    if (typeof row[field] !== 'string') throw new TypeError(`${where}.${field} must be a string`);
  }
  for (const field of ['storeId', 'storeName', 'operatorId', 'terminalId', 'buyerLogonId', 'refundRequestNo', 'remark'] as const) {
    if (row[field] !== undefined && typeof row[field] !== 'string') throw new TypeError(`${where}.${field} must be a string`);
  }
  if (row.kind === 'refund' && !row.refundRequestNo) throw new TypeError(`${where}.refundRequestNo is required on a refund line`);
  fenToYuan(row.amountFen, `${where}.amountFen`);
  if (row.receivedFen !== 0) fenToYuan(row.receivedFen, `${where}.receivedFen`);
  if (row.receivedFen > row.amountFen) throw new RangeError(`${where}.receivedFen cannot exceed amountFen`);
  alipayTime(row.createdAt, `${where}.createdAt`);
  alipayTime(row.finishedAt, `${where}.finishedAt`);
  return row;
}

/** A line amount: fenToYuan (which enforces the per-trade range), 0.00 for nothing, `-` on refunds. */
function rowYuan(fen: number, negative: boolean): string {
  if (fen === 0) return ZERO;
  return `${negative ? '-' : ''}${fenToYuan(fen)}`;
}

/** A total: any safe integer of fen, which a day's sum may exceed fenToYuan's per-trade range. */
function totalYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`bill total out of range: ${fen}`);
  const digits = String(Math.abs(fen)).padStart(3, '0');
  return `${fen < 0 ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

function alipayTime(value: string | Date, field = 'time'): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`${field} is an invalid Date`);
    return formatAlipayTime(value);
  }
  if (typeof value !== 'string' || value.length !== 19 || parseAlipayTime(value) === undefined) {
    throw new TypeError(`${field} must be "yyyy-MM-dd HH:mm:ss" or a Date, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `2019-09-16 00:00:00` → `2019年09月16日 00:00:00`. */
function chineseTime(text: string): string {
  return `${text.slice(0, 4)}年${text.slice(5, 7)}月${text.slice(8, 10)}日${text.slice(10)}`;
}

function parseDay(date: string): Date {
  const m = typeof date === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!day || day.toISOString().slice(0, 10) !== date) throw new TypeError(`date must be a real day as yyyy-MM-dd, got ${JSON.stringify(date)}`);
  return day;
}

function nextDay(day: Date): string {
  return new Date(day.getTime() + 86_400_000).toISOString().slice(0, 10);
}

/**
 * One CSV line. Line breaks and tabs inside a value become spaces (so every record stays on one
 * line, as line-oriented bill parsers expect); a value with a comma or quote is quoted as RFC 4180
 * says; the cells Alipay pads get their tab.
 */
function csvLine(cells: readonly string[], tabbed: ReadonlySet<number>): string {
  return cells
    .map((cell, i) => {
      const flat = cell.replace(/[\r\n\t]/g, ' ');
      const value = tabbed.has(i) ? `${flat}\t` : flat;
      return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
    })
    .join(',');
}

function gbk(lines: readonly string[]): Buffer {
  return iconv.encode(lines.map((l) => l + EOL).join(''), 'gbk');
}
