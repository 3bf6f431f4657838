/**
 * The archive behind `bill_download_url` for bill_type `trade`: `<pid>0156_<yyyyMMdd>.csv.zip`
 * holding the detail CSV and its summary, in that order (alipay-protocol.md §6.14).
 */
import { billAccount, tradeBillCsv, type TradeBillInput } from './trade-bill.js';
import { createZip } from './zip.js';

export interface TradeBillZipInput extends TradeBillInput {
  /** Entry name encoding: `utf8` (flagged, default) or `gbk` (unflagged, as Alipay's archives appear to be). */
  readonly nameEncoding?: 'utf8' | 'gbk';
}

export function tradeBillZip(input: TradeBillZipInput): { zip: Buffer; fileName: string } {
  const files = tradeBillCsv(input);
  const zip = createZip(
    [
      { name: files.names.detail, data: files.detail },
      { name: files.names.summary, data: files.summary },
    ],
    { nameEncoding: input.nameEncoding ?? 'utf8', modified: input.exportedAt ?? new Date() },
  );
  return { zip, fileName: `${billAccount(input.sellerId)}_${input.date.replace(/-/g, '')}.csv.zip` };
}
