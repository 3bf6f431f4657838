/**
 * The fields every order-creating method shares (wap/page/app pay, create, pay, precreate), and
 * the fund-bill shape their results share. Each method spreads `orderFields` into its own schema.
 */
import { z } from 'zod';
import {
  goodsDetail, httpUrl, jsonObject, merchantId, outTradeNo, subject, text, timeExpire, timeoutExpress, userId, yuanAmount,
} from './fields.js';

export const orderFields = {
  out_trade_no: outTradeNo,
  total_amount: yuanAmount,
  subject,
  body: text(128, 'the order description').optional(),
  /** Relative expiry; when time_expire is also given Alipay uses time_expire. */
  timeout_express: timeoutExpress.optional(),
  time_expire: timeExpire.optional(),
  /** Echoed back URL-encoded in the notify; Alipay limits it to 512 characters. */
  passback_params: text(512, 'passback_params').optional(),
  goods_detail: goodsDetail.optional(),
  extend_params: jsonObject.optional(),
  business_params: jsonObject.optional(),
  seller_id: userId.optional(),
  store_id: merchantId('the store id').optional(),
  enable_pay_channels: text(128, 'enable_pay_channels').optional(),
  disable_pay_channels: text(128, 'disable_pay_channels').optional(),
};

/** The fields the browser-checkout methods (wap, page) add. */
export const checkoutFields = {
  /** Where the buyer lands on abandoning the cashier. */
  quit_url: httpUrl.optional(),
};

/** One line of fund_bill_list: which channel paid how much. */
export interface FundBill {
  fund_channel?: string;
  amount?: string;
  real_amount?: string;
  fund_type?: string;
  [field: string]: unknown;
}
