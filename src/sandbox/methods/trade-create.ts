/**
 * alipay.trade.create (统一收单交易创建 — JSAPI / 小程序), alipay-protocol.md §6.6: a trade for a
 * buyer known in advance. Exactly one of buyer_id (2088…) or buyer_open_id names the buyer who
 * will pay (none, or both → ACQ.INVALID_PARAMETER); buyer_open_id only for an app in openid mode
 * (§7: in openid mode trades take buyer_open_id; buyer_id is still accepted, as for users in the
 * migration whitelist). product_code defaults to JSAPI_PAY. The trade is bound to that buyer
 * (`boundBuyer`): paying it as anyone else is ACQ.TRADE_BUYER_NOT_MATCH (Ledger.pay). Answers
 * out_trade_no and trade_no (the front end's tradeNO for my.tradePay). The same out_trade_no
 * with the same parameters (buyer included) answers the same trade; with others
 * ACQ.CONTEXT_INCONSISTENT. Unpaid trades close after timeout_express / time_expire, by default
 * 15 days here (an assumption, like the default of the page methods).
 */
import { fenToYuan } from '../../alipay/money.js';
import { LedgerError } from '../state/ledger.js';
import { success } from '../gateway/respond.js';
import type { MethodHandler } from './types.js';
import { amount, commonTradeFields, expiry, fingerprint, invalid, OUT_NO, resolveBuyer, str } from './common.js';

export const DEFAULT_CREATE_TIMEOUT_MINUTES = 15 * 1440;

export const tradeCreate: MethodHandler = ({ ctx, app, params, biz, charset }) => {
  const outTradeNo = str(biz, 'out_trade_no', { required: true, pattern: OUT_NO })!;
  const totalFen = amount(biz, 'total_amount')!;
  const subject = str(biz, 'subject', { required: true, max: 256 })!;
  const productCode = str(biz, 'product_code', { max: 64 }) ?? 'JSAPI_PAY';
  if (biz.buyer_open_id !== undefined && biz.buyer_open_id !== '' && !app.openIdMode) {
    throw new LedgerError('ACQ.INVALID_PARAMETER', '参数 buyer_open_id 无效: 应用未开通 openid 模式，请传 buyer_id');
  }
  const buyerUserId = resolveBuyer(ctx, app, biz);
  if (!buyerUserId) throw invalid('buyer_id', 'buyer_id 和 buyer_open_id 不能同时为空');
  if (buyerUserId === app.sellerId) throw new LedgerError('ACQ.BUYER_SELLER_EQUAL', '买卖家不能相同');

  const defining = { method: 'create', out_trade_no: outTradeNo, total_amount: fenToYuan(totalFen), subject, product_code: productCode, buyer: buyerUserId };
  const { trade } = ctx.ledger.openTrade({
    ...commonTradeFields(app, params, biz, charset),
    outTradeNo,
    method: 'alipay.trade.create',
    totalFen,
    subject,
    productCode,
    fingerprint: fingerprint(defining),
    buyerUserId,
    boundBuyer: true,
    expiresAt: expiry(biz, ctx.clock.now(), DEFAULT_CREATE_TIMEOUT_MINUTES),
  });
  return { node: success({ out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo }) };
};
