/**
 * alipay.data.dataservice.bill.downloadurl.query (查询对账单下载地址): a link to one day's or one
 * month's bill. The link is valid for 30 seconds: download it at once.
 */
import { z } from 'zod';
import { bizMethod, type ResultFields } from './method.js';
import { expecting, text } from './fields.js';

const BILL_TYPES = ['trade', 'signcustomer', 'merchant_act', 'trade_zft_merchant'] as const;

const BILL_DATE_TEXT = 'a bill date "yyyy-MM-dd" (a day) or "yyyy-MM" (a month), from 2016-01-01';

/** Daily bills exist from 2016-01-01; the date must be a real calendar day. */
function isBillDate(v: string): boolean {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(v);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (year < 2016 || month < 1 || month > 12) return false;
  if (m[3] === undefined) return true;
  const day = Number(m[3]);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day >= 1 && day <= daysInMonth;
}

export const billDownloadUrlInput = z.looseObject({
  /** trade: acquiring bill; signcustomer: account balance bill; merchant_act: marketing; trade_zft_merchant: per sub-merchant (with smid). */
  bill_type: z.enum(BILL_TYPES, expecting(`one of ${BILL_TYPES.map((t) => `"${t}"`).join(' | ')}`)),
  bill_date: z.string(expecting(BILL_DATE_TEXT)).refine(isBillDate, expecting(BILL_DATE_TEXT)),
  /** The sub-merchant id, only with bill_type trade_zft_merchant. */
  smid: text(32, 'smid').optional(),
});

export type BillDownloadUrlInput = z.input<typeof billDownloadUrlInput>;

export interface BillDownloadUrlResult extends ResultFields {
  /** Valid for 30 seconds: a zip of CSV files. */
  bill_download_url?: string;
  bill_file_code?: string;
}

export const billDownloadUrl = bizMethod('alipay.data.dataservice.bill.downloadurl.query', 'call', billDownloadUrlInput);
