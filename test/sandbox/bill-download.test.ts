/**
 * alipay.data.dataservice.bill.downloadurl.query and the download behind it: a day's bill with
 * the day's payments and refunds, a link that dies after 30 seconds of sandbox time, and
 * Alipay's refusals for today, this month and unknown types. Time is a ManualClock.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';
import { ManualClock } from '../../src/sandbox/clock.js';
import { registerBillRoutes } from '../../src/sandbox/bill/routes.js';
import { readZip } from '../../src/sandbox/bill/zip.js';
import { AlipayClient } from '../../src/alipay/index.js';

// 2026-11-21 10:00 in Shanghai.
const clock = new ManualClock(new Date('2026-11-21T02:00:00Z'));
const sandbox = await createSandbox({ clock, timestampToleranceMs: 400 * 86_400_000 });
registerBillRoutes(sandbox.router, sandbox.ctx);
after(() => sandbox.close());

const sdk = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
const exec = (method: string, bizContent: Record<string, unknown>) => sdk.exec(method, { bizContent }, { validateSign: true });
const buyerId = sandbox.buyers[0]!.userId;
const billQuery = (bill_type: string, bill_date: string) => exec('alipay.data.dataservice.bill.downloadurl.query', { bill_type, bill_date });

async function pay(outTradeNo: string, total: string) {
  const res = await exec('alipay.trade.pay', { out_trade_no: outTradeNo, scene: 'bar_code', auth_code: sandbox.ctx.ledger.issuePaymentCode(buyerId).code, subject: `账单 ${outTradeNo}`, total_amount: total, store_id: 'NJ_001' });
  assert.equal(res.code, '10000');
  return res.trade_no as string;
}

/** The detail CSV's lines (GBK decoded) from a downloaded archive. */
function detailLines(zip: Buffer): string[] {
  const entries = readZip(zip);
  assert.equal(entries.length, 2);
  const detail = entries.find((e) => e.name.endsWith('_业务明细.csv'));
  assert.ok(detail, entries.map((e) => e.name).join(', '));
  return iconv.decode(detail.data, 'gbk').split('\r\n');
}

test('a past day\'s trade bill: its payments and refunds, downloadable for 30 seconds', async () => {
  const t1 = await pay('BILL-1', '10.00');
  const t2 = await pay('BILL-2', '25.50');
  await exec('alipay.trade.refund', { out_trade_no: 'BILL-2', refund_amount: '5.50', out_request_no: 'BILL-2-r1' });
  await exec('alipay.trade.create', { out_trade_no: 'BILL-UNPAID', total_amount: '3.00', subject: 's', buyer_id: buyerId });

  const today = await billQuery('trade', '2026-11-21');
  assert.equal(today.code, '40004');
  assert.equal(today.sub_code, 'isp.bill_not_exist');

  await clock.advance(24 * 3600_000); // 2026-11-22 10:00 Shanghai
  const t3 = await pay('BILL-3', '1.00'); // paid the next day: not in the 21st's bill

  const res = await billQuery('trade', '2026-11-21');
  assert.equal(res.code, '10000');
  const url = res.bill_download_url as string;
  assert.ok(url.startsWith(`${sandbox.baseUrl}/bill/download?token=`), url);

  const download = await fetch(url);
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'application/zip');
  assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="\d+0156_20261121\.csv\.zip"/);
  const lines = detailLines(Buffer.from(await download.arrayBuffer()));
  const rows = lines.filter((l) => /^\d{28}\t,/.test(l));
  assert.equal(rows.length, 3, lines.join('\n'));
  const row = (tradeNo: string, kind: string) => rows.find((l) => l.startsWith(`${tradeNo}\t,`) && l.includes(`,${kind}\t,`));
  assert.match(row(t1, '交易') ?? '', /,10\.00,10\.00,/);
  assert.match(row(t2, '交易') ?? '', /,25\.50,25\.50,/);
  assert.match(row(t2, '退款') ?? '', /,-5\.50,-5\.50,.*BILL-2-r1/);
  assert.ok(!lines.some((l) => l.includes(t3)), 'the next day\'s payment is not in this bill');
  assert.ok(!lines.some((l) => l.includes('BILL-UNPAID')), 'unpaid trades are not in the bill');
  assert.ok(lines.some((l) => l.startsWith('#交易合计：2笔')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('#退款合计：1笔')), lines.join('\n'));

  await clock.advance(29_000);
  assert.equal((await fetch(url)).status, 200, 'still valid at 29 s');
  await clock.advance(2_000);
  const expired = await fetch(url);
  assert.equal(expired.status, 403, 'a link older than 30 s is refused');
  await expired.arrayBuffer();
  const bogus = await fetch(`${sandbox.baseUrl}/bill/download?token=nope`);
  assert.equal(bogus.status, 404);
  await bogus.arrayBuffer();

  const fresh = await billQuery('trade', '2026-11-21');
  assert.notEqual(fresh.bill_download_url, url);
  assert.equal((await fetch(fresh.bill_download_url)).status, 200, 'a new query gives a new link');
});

test('monthly bills, other bill types and bad dates', async () => {
  assert.equal((await billQuery('trade', '2026-11')).sub_code, 'isp.bill_not_exist', 'this month is not over');
  const october = await billQuery('trade', '2026-10');
  assert.equal(october.code, '10000');
  const lines = detailLines(Buffer.from(await (await fetch(october.bill_download_url)).arrayBuffer()));
  assert.ok(lines.some((l) => l.startsWith('#交易合计：0笔')));

  const signcustomer = await billQuery('signcustomer', '2026-11-20');
  assert.equal(signcustomer.code, '10000');
  assert.equal((await fetch(signcustomer.bill_download_url)).status, 200);

  assert.equal((await billQuery('merchant_act', '2026-11-20')).sub_code, 'isp.bill_not_exist');
  const unknownType = await billQuery('nonsense', '2026-11-20');
  assert.equal(unknownType.code, '40004');
  assert.equal(unknownType.sub_code, 'isp.bill_type_not_exist');
  assert.equal((await billQuery('trade', '2015-12-31')).sub_code, 'isp.bill_not_exist');
  assert.equal((await billQuery('trade', '2030-01-01')).sub_code, 'isp.bill_not_exist');
  const malformed = await billQuery('trade', '2026-02-30');
  assert.equal(malformed.code, '40002');
  assert.equal(malformed.sub_code, 'isv.invalid-parameter');
});

test('our client: the typed bill call', async () => {
  const client = new AlipayClient({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway });
  const res = await client.api.data.billDownloadUrl({ bill_type: 'trade', bill_date: '2026-11-21' });
  assert.ok(res.bill_download_url?.includes('/bill/download?token='));
});
