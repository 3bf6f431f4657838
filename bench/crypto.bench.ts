/**
 * `npm run bench`: operations per second for the client's hot paths, each beside raw node:crypto
 * with a cached KeyObject (the ceiling) and beside the official alipay-sdk (what people use today).
 * Goals (issue #2): signing >= 90% of raw, notify verification >= 80% of raw.
 */
import { sign as cryptoSign, verify as cryptoVerify, generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { AlipayClient, toBareBase64 } from '../src/alipay/index.js';
import { notifySignContent } from '../src/alipay/sign/content.js';
import { extractSignedContent } from '../src/alipay/response/extract.js';
import { signedResponse, signNotifyParams, formBody, sampleNotify } from '../test/support/alipay-signing.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
/**
 * Each figure is the best of ROUNDS slices of seconds / ROUNDS, and the slices of the things
 * compared are interleaved (raw, zfb, official, then official, zfb, raw, …). On a shared 2-core VM
 * a neighbour's burst otherwise lands on one side of a comparison and moves a ratio by 20 points;
 * the best slice is the one least disturbed, for each side alike. Many short slices rather than a
 * few long ones: on this VM a 200 ms slice is seldom free of disturbance and a 20 ms one often is,
 * and a disturbance slows the JavaScript around an RSA operation more than the RSA operation, so
 * few long slices understate every zfb/raw ratio (same process, same code, minutes apart: notify
 * verification read 78.6-79.5% of raw with 10 slices of 200 ms, 82.2-84.5% with 100 or 400 short
 * ones).
 *
 * The best slice may hold no garbage collection, on either side. That moves the ratios by under
 * half a point, as collection costs about as much per call on both sides (run alone, 300,000
 * calls: 0.38 µs per raw verification, for the objects node:crypto makes per call, and 0.46 µs per
 * zfb notify verification). Charging each collection to the slice it fell in would be wrong here:
 * a collection in zfb's slice also clears what raw's slices left.
 */
const ROUNDS = 100;

function measure(fn: () => unknown, sliceSeconds: number): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const stop = start + BigInt(Math.round(sliceSeconds * 1e9));
  let now = start;
  while (now < stop) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    now = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(now - start);
}

const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ali = generateKeyPairSync('rsa', { modulusLength: 2048 });
const APP_ID = '2021000123456789';

const zfb = new AlipayClient({ appId: APP_ID, privateKey: toBareBase64(app.privateKey, 'pkcs1'), alipayPublicKey: toBareBase64(ali.publicKey, 'spki') });
const official = new AlipaySdk({ appId: APP_ID, privateKey: toBareBase64(app.privateKey, 'pkcs1'), alipayPublicKey: toBareBase64(ali.publicKey, 'spki'), camelcase: false });

const bizContent = { out_trade_no: 'ZFB20261121000001', total_amount: '88.88', subject: '测试订单', scene: 'bar_code', auth_code: '281234567890123456', product_code: 'FACE_TO_FACE_PAYMENT' };
const fixedTimestamp = '2026-11-21 10:00:00';
const requestContent = zfb.sign('alipay.trade.pay', { bizContent, timestamp: fixedTimestamp }).signContent;
const requestBytes = Buffer.from(requestContent, 'utf8');

const method = 'alipay.trade.query';
const responseBody = signedResponse(method, { code: '10000', msg: 'Success', trade_no: '2026112122001468450512505578', out_trade_no: 'ZFB20261121000001', buyer_logon_id: '159****5620', trade_status: 'TRADE_SUCCESS', total_amount: '88.88', buyer_pay_amount: '88.88', point_amount: '0.00', invoice_amount: '88.88', send_pay_date: '2026-11-21 10:00:04', receipt_amount: '88.88', store_id: 'NJ_S_001', store_name: '南京店', buyer_user_id: '2088101117955611', fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: '88.88' }] }, ali.privateKey);
const responseSign = JSON.parse(responseBody).sign as string;
const responseBytes = Buffer.from(extractSignedContent(responseBody, method).content, 'utf8');
const responseSig = Buffer.from(responseSign, 'base64');

const notifyParams = signNotifyParams(sampleNotify(), ali.privateKey);
// As an HTTP server receives it: bytes.
const notifyBody = Buffer.from(formBody(notifyParams), 'utf8');
const notifyBytes = Buffer.from(notifySignContent(notifyParams), 'utf8');
const notifySig = Buffer.from(notifyParams.sign!, 'base64');

/** Best ops/s of each function over ROUNDS interleaved slices. */
function best(fns: (() => unknown)[]): number[] {
  for (const fn of fns) for (let i = 0; i < 200; i++) fn(); // warm up
  const top = fns.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    // Forward, then backward: no function always runs right after the same other one.
    for (let k = 0; k < fns.length; k++) {
      const i = round % 2 === 0 ? k : fns.length - 1 - k;
      top[i] = Math.max(top[i]!, measure(fns[i]!, seconds / ROUNDS));
    }
  }
  return top;
}

const rows: [string, string, number, number, number][] = [];
function group(name: string, goal: number, raw: () => unknown, ours: () => unknown, theirs: () => unknown) {
  const [r, z, o] = best([raw, ours, theirs]) as [number, number, number];
  rows.push([name, `${Math.round(goal * 100)}%`, r, z, o]);
}

group(
  'request signing (alipay.trade.pay)',
  0.9,
  () => cryptoSign('sha256', requestBytes, app.privateKey),
  () => zfb.sign('alipay.trade.pay', { bizContent }),
  () => official.sdkExecute('alipay.trade.pay', { bizContent }, { bizContentAutoSnakeCase: false }),
);
group(
  'response verification (trade.query)',
  0,
  () => cryptoVerify('sha256', responseBytes, ali.publicKey, responseSig),
  () => zfb.parseResponse(method, responseBody),
  () => {
    official.checkResponseSign(responseBody, 'alipay_trade_query_response', responseSign, '');
    return JSON.parse(responseBody);
  },
);
group(
  'notify verification (raw form body)',
  0.8,
  () => cryptoVerify('sha256', notifyBytes, ali.publicKey, notifySig),
  () => zfb.verifyNotify(notifyBody),
  () => official.checkNotifySignV2(Object.fromEntries(new URLSearchParams(notifyBody.toString('utf8')))),
);

// The same notify check written by hand with node:crypto, as tutorials do: what a developer
// without a client library gets (the floor above is crypto.verify alone, over prepared bytes).
function handRolledNotifyCheck(body: Buffer): Record<string, string> {
  const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  const content = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  if (!cryptoVerify('sha256', Buffer.from(content, 'utf8'), ali.publicKey, Buffer.from(params.sign!, 'base64'))) throw new Error('bad sign');
  return params;
}
const [handRolled, zfbNotify] = best([() => handRolledNotifyCheck(notifyBody), () => zfb.verifyNotify(notifyBody)]) as [number, number];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);
console.log(`node ${process.version}, RSA-2048; each figure the best of ${ROUNDS} interleaved slices of ${seconds / ROUNDS}s\n`);
console.log(`${'operation'.padEnd(38)} ${'raw ops/s'.padStart(9)} ${'zfb ops/s'.padStart(9)} ${'zfb/raw'.padStart(8)} ${'goal'.padStart(5)} ${'official'.padStart(9)} ${'off/raw'.padStart(8)}`);
for (const [name, goal, r, z, o] of rows) {
  console.log(`${name.padEnd(38)} ${fmt(r)} ${fmt(z)} ${`${((z / r) * 100).toFixed(1)}%`.padStart(8)} ${(goal === '0%' ? '-' : goal).padStart(5)} ${fmt(o)} ${`${((o / r) * 100).toFixed(1)}%`.padStart(8)}`);
}
console.log(`\nnotify verification written by hand with node:crypto (URLSearchParams, sort, join, crypto.verify, cached KeyObject): ${fmt(handRolled).trim()} ops/s; zfb = ${((zfbNotify / handRolled) * 100).toFixed(1)}% of it`);
console.log('\nraw = node:crypto sign/verify over prepared bytes with a cached KeyObject (no parsing, no building, no encoding).');
console.log('official = alipay-sdk 4.14.0: sdkExecute; checkResponseSign + JSON.parse; checkNotifySignV2 on a URLSearchParams-parsed body.');
