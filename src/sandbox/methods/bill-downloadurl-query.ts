/**
 * alipay.data.dataservice.bill.downloadurl.query (查询对账单下载地址), alipay-protocol.md §6.14:
 * a link to a day's (`yyyy-MM-dd`) or a month's (`yyyy-MM`) bill, valid 30 seconds of sandbox
 * time. The link is `${baseUrl}/bill/download?token=…`, served by bill/routes.ts, which builds the
 * archive when it is downloaded (a past day's rows no longer change).
 *
 *  - bill_type `trade`: the acquiring bill of the app's merchant (its PID, like Alipay's bill per
 *    merchant account): one line per trade paid in the period (Asia/Shanghai date of payment) and
 *    one per refund made in it (including the refund a cancel makes).
 *  - `signcustomer` (the account bill): the sandbox keeps no account book, so the archive is an
 *    empty bill (the trade layout with no lines) — enough for a reconciliation job to run.
 *  - `merchant_act`, `trade_zft_merchant`: the sandbox has no marketing or sub-merchant books →
 *    40004 isp.bill_not_exist. Any other type → 40004 isp.bill_type_not_exist (a code we have not
 *    seen documented; the old English doc only has INVAILID_ARGUMENTS / BILL_NOT_EXIST).
 *  - bill_date: a day from 2016-01-01 up to yesterday (Shanghai), a month from 2016-01 up to last
 *    month; earlier, today, this month or later → isp.bill_not_exist (账单不存在). The sandbox has
 *    the bill as soon as the day is over (Alipay generates it around 09:00 the next day — not
 *    modelled, so tests need not wait). A missing or malformed bill_type / bill_date → 40002
 *    isv.invalid-parameter, the gateway's documented code for a bad argument (§2.3).
 */
import { formatAlipayTime } from '../../alipay/time.js';
import { success } from '../gateway/respond.js';
import { maskLogon, newToken } from '../ids.js';
import type { SandboxContext } from '../context.js';
import type { BillRow } from '../bill/trade-bill.js';
import { LedgerError } from '../state/ledger.js';
import { MethodError, type MethodHandler } from './types.js';

/** Store collection of download tokens. */
export const BILL_TOKENS = 'bill_tokens';
export const BILL_URL_TTL_MS = 30_000;

export interface BillToken {
  token: string;
  appId: string;
  sellerId: string;
  billType: 'trade' | 'signcustomer';
  /** `yyyy-MM-dd` or `yyyy-MM`. */
  billDate: string;
  createdAt: string;
  expiresAt: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

export const billDownloadUrlQuery: MethodHandler = ({ ctx, app, biz }) => {
  const billType = text(biz, 'bill_type');
  const billDate = text(biz, 'bill_date');
  if (!isBillDate(billDate)) throw new MethodError('40002', 'isv.invalid-parameter', '参数 bill_date 无效: 日账单格式为 yyyy-MM-dd，月账单格式为 yyyy-MM');
  if (billType === 'merchant_act' || billType === 'trade_zft_merchant') throw billNotExist();
  if (billType !== 'trade' && billType !== 'signcustomer') throw new LedgerError('isp.bill_type_not_exist', `账单类型不存在: ${billType}`);

  const now = ctx.clock.now();
  const today = formatAlipayTime(now).slice(0, 10);
  const ready = billDate.length === 10 ? billDate >= '2016-01-01' && billDate < today : billDate >= '2016-01' && billDate < today.slice(0, 7);
  if (!ready) throw billNotExist();

  const token = newToken('bill');
  const record: BillToken = {
    token,
    appId: app.appId,
    sellerId: app.sellerId,
    billType,
    billDate,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + BILL_URL_TTL_MS).toISOString(),
  };
  ctx.store.put(BILL_TOKENS, token, record);
  return { node: success({ bill_download_url: `${ctx.baseUrl}/bill/download?token=${token}` }) };
};

/**
 * The rows of a merchant's trade bill for a day or a month (Shanghai dates): trades by payment
 * time, refunds by refund time, in time order.
 */
export function billRows(ctx: SandboxContext, sellerId: string, period: string): BillRow[] {
  const inPeriod = (iso: string | undefined) => iso !== undefined && formatAlipayTime(new Date(iso)).startsWith(period);
  const logon = (userId: string | undefined) => {
    const buyer = userId ? ctx.ledger.buyer(userId) : undefined;
    if (!buyer) return undefined;
    const name = buyer.name.replace(/\s*\(.*\)\s*$/, '');
    return `*${name.slice(-1)}(${maskLogon(buyer.logonId)})`;
  };
  const rows: { at: string; row: BillRow }[] = [];
  const trades = ctx.ledger.trades().filter((t) => t.sellerId === sellerId);
  for (const t of trades) {
    if (!inPeriod(t.paidAt)) continue;
    rows.push({
      at: t.paidAt!,
      row: {
        kind: 'trade',
        tradeNo: t.tradeNo,
        outTradeNo: t.outTradeNo,
        subject: t.subject,
        createdAt: new Date(t.createdAt),
        finishedAt: new Date(t.paidAt!),
        storeId: t.storeId,
        storeName: t.storeId ? `沙箱门店 ${t.storeId}` : undefined,
        operatorId: t.operatorId,
        terminalId: t.terminalId,
        buyerLogonId: logon(t.buyerUserId),
        amountFen: t.totalFen,
        receivedFen: t.totalFen,
      },
    });
  }
  const bySeller = new Map(trades.map((t) => [t.tradeNo, t]));
  for (const r of ctx.ledger.refunds()) {
    const t = bySeller.get(r.tradeNo);
    if (!t || !inPeriod(r.createdAt)) continue;
    rows.push({
      at: r.createdAt,
      row: {
        kind: 'refund',
        tradeNo: t.tradeNo,
        outTradeNo: t.outTradeNo,
        subject: t.subject,
        createdAt: new Date(t.createdAt),
        finishedAt: new Date(r.createdAt),
        storeId: t.storeId,
        storeName: t.storeId ? `沙箱门店 ${t.storeId}` : undefined,
        operatorId: t.operatorId,
        terminalId: t.terminalId,
        buyerLogonId: logon(t.buyerUserId),
        amountFen: r.amountFen,
        receivedFen: r.amountFen,
        refundRequestNo: r.outRequestNo,
        remark: r.reason,
      },
    });
  }
  return rows.sort((a, b) => a.at.localeCompare(b.at)).map((r) => r.row);
}

function text(biz: Record<string, unknown>, field: string): string {
  const v = biz[field];
  if (typeof v !== 'string' || v === '') throw new MethodError('40002', 'isv.invalid-parameter', `参数 ${field} 无效: 必填`);
  return v;
}

function isBillDate(v: string): boolean {
  const d = DAY.exec(v);
  if (d) {
    const day = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!));
    return day.toISOString().slice(0, 10) === v;
  }
  const m = MONTH.exec(v);
  return m !== null && +m[2]! >= 1 && +m[2]! <= 12;
}

const billNotExist = () => new LedgerError('isp.bill_not_exist', '账单不存在');
