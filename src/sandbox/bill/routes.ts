/**
 * `GET /bill/download?token=…`: the archive behind a `bill_download_url`
 * (methods/bill-downloadurl-query.ts). The link works for 30 seconds of sandbox time after the
 * query, like Alipay's; an unknown token answers 404, an expired one 403, both in plain text.
 * The archive is built when downloaded: `<pid>0156_<yyyyMMdd>.csv.zip` with the detail and summary
 * CSVs (bill.ts). A month (`yyyy-MM`) is the same layout holding the whole month's lines; the
 * bill builder only knows days, so its header dates and entry names show the month's first day
 * and only the archive is named `<pid>0156_<yyyyMM>.csv.zip`.
 */
import type { Router } from '../http/router.js';
import type { SandboxContext } from '../context.js';
import { BILL_TOKENS, billRows, type BillToken } from '../methods/bill-downloadurl-query.js';
import { billAccount } from './trade-bill.js';
import { tradeBillZip } from './bill.js';

export function registerBillRoutes(router: Router, ctx: SandboxContext): void {
  router.on('GET', '/bill/download', (req) => {
    const token = req.url.searchParams.get('token') ?? '';
    const record = token ? ctx.store.get<BillToken>(BILL_TOKENS, token) : undefined;
    const plain = (status: number, body: string) => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });
    if (!record) return plain(404, '账单下载地址无效 (bill link not found)');
    if (ctx.clock.now().toISOString() > record.expiresAt) return plain(403, '账单下载地址已过期，请重新获取 (bill link expired: links are valid for 30 seconds)');

    const month = record.billDate.length === 7;
    const rows = record.billType === 'trade' ? billRows(ctx, record.sellerId, record.billDate) : [];
    const { zip, fileName } = tradeBillZip({
      appId: record.appId,
      sellerId: record.sellerId,
      date: month ? `${record.billDate}-01` : record.billDate,
      rows,
      exportedAt: ctx.clock.now(),
    });
    const name = month ? `${billAccount(record.sellerId)}_${record.billDate.replace('-', '')}.csv.zip` : fileName;
    return {
      status: 200,
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      },
      body: zip,
    };
  });
}
