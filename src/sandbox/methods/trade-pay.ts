/**
 * alipay.trade.pay (统一收单交易支付, 当面付条码): the cashier scanned the buyer's payment code.
 * 10000 paid at once; 10003 when the buyer must confirm (need-password fault: pays by itself
 * after N seconds, or never, until cancelled); 40004 with Alipay's sub_codes otherwise. The
 * payment code is single use and expires (Ledger.redeemPaymentCode).
 */
import { fenToYuan } from '../../alipay/money.js';
import { LedgerError } from '../state/ledger.js';
import { success } from '../gateway/respond.js';
import type { MethodHandler } from './types.js';
import { alipayTime, amount, buyerFields, commonTradeFields, expiry, fingerprint, invalid, OUT_NO, paidAmounts, str, zeroAmounts } from './common.js';

const PAYMENT_CODE = /^(2[5-9]|30)\d{14,22}$/;

export const tradePay: MethodHandler = ({ ctx, app, params, biz, charset, faults }) => {
  const outTradeNo = str(biz, 'out_trade_no', { required: true, pattern: OUT_NO })!;
  const scene = str(biz, 'scene', { required: true })!;
  if (scene !== 'bar_code' && scene !== 'security_code') throw invalid('scene', 'bar_code 或 security_code');
  const authCode = str(biz, 'auth_code', { required: true, max: 64 })!;
  const subject = str(biz, 'subject', { required: true, max: 256 })!;
  const totalFen = amount(biz, 'total_amount')!;
  if (scene === 'bar_code' && !PAYMENT_CODE.test(authCode)) {
    throw new LedgerError('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款');
  }
  const now = ctx.clock.now();
  const defining = { out_trade_no: outTradeNo, total_amount: fenToYuan(totalFen), subject, scene };
  const existing = ctx.ledger.tradeByOutTradeNo(app.appId, outTradeNo);
  if (existing && existing.status === 'WAIT_BUYER_PAY' && existing.fingerprint === fingerprint(defining)) {
    // The same payment sent again while the buyer confirms: still in process.
    return { node: { code: '10003', msg: 'order success pay inprocess', trade_no: existing.tradeNo, out_trade_no: outTradeNo, total_amount: fenToYuan(totalFen), ...zeroAmounts() } };
  }
  const buyer = ctx.ledger.redeemPaymentCode(authCode);
  if (faults.get('insufficient-balance') || buyer.balanceFen < totalFen) {
    throw new LedgerError('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足');
  }
  const { trade } = ctx.ledger.openTrade({
    ...commonTradeFields(app, params, biz, charset),
    outTradeNo,
    method: 'alipay.trade.pay',
    totalFen,
    subject,
    productCode: str(biz, 'product_code') ?? 'FACE_TO_FACE_PAYMENT',
    fingerprint: fingerprint(defining),
    buyerUserId: buyer.userId,
    expiresAt: expiry(biz, now, 120),
  });
  const ids = { trade_no: trade.tradeNo, out_trade_no: outTradeNo };
  const needPassword = faults.get('need-password');
  if (needPassword) {
    const payAt = needPassword.payAfterSeconds === undefined ? undefined : new Date(now.getTime() + needPassword.payAfterSeconds * 1000).toISOString();
    ctx.ledger.updateWaiting(trade.tradeNo, { payAt });
    if (payAt) ctx.clock.setTimeout(() => void ctx.ledger.trade(trade.tradeNo), needPassword.payAfterSeconds! * 1000);
    return {
      node: { code: '10003', msg: 'order success pay inprocess', ...ids, ...buyerFields(ctx, app, buyer.userId, { id: 'buyer_user_id', openId: 'buyer_open_id' }), total_amount: fenToYuan(totalFen), ...zeroAmounts() },
    };
  }
  const paid = ctx.ledger.pay(trade.tradeNo, buyer.userId);
  return {
    node: success({
      ...ids,
      ...buyerFields(ctx, app, buyer.userId, { id: 'buyer_user_id', openId: 'buyer_open_id' }),
      ...paidAmounts(paid),
      gmt_payment: alipayTime(paid.paidAt),
      fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount: fenToYuan(totalFen) }],
      store_name: paid.storeId ? `沙箱门店 ${paid.storeId}` : undefined,
    }),
  };
};
