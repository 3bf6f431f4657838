/** --time-scale speeds up sandbox time as a whole: a buyer who pays "after 60 s" pays after ~1 s at 60x. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox } from '../../src/sandbox/index.js';

const sandbox = await createSandbox({ timeScale: 60 });
after(() => sandbox.close());

test('need-password with payAfterSeconds 60 is paid after about a real second at 60x; timestamps still check against real time', async () => {
  const sdk = new AlipaySdk({ appId: sandbox.appId, privateKey: sandbox.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: sandbox.alipayPublicKey, gateway: sandbox.gateway, camelcase: false });
  sandbox.ctx.faults.add({ appId: sandbox.appId, kind: 'need-password', payAfterSeconds: 60, remaining: 1 });
  const code = sandbox.ctx.ledger.issuePaymentCode(sandbox.buyers[0]!.userId).code;
  const pay = await sdk.exec('alipay.trade.pay', { bizContent: { out_trade_no: 'TS-1', scene: 'bar_code', auth_code: code, subject: 's', total_amount: '1.00' } }, { validateSign: true });
  assert.equal(pay.code, '10003');
  const query = () => sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: 'TS-1' } }, { validateSign: true });
  assert.equal((await query()).trade_status, 'WAIT_BUYER_PAY');
  const started = Date.now();
  let status = '';
  while (Date.now() - started < 5_000) {
    status = (await query()).trade_status;
    if (status === 'TRADE_SUCCESS') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 'TRADE_SUCCESS');
  assert.ok(Date.now() - started >= 700, 'not before about a second of real time');
});
