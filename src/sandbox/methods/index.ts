/** Every method the sandbox gateway answers, by name. */
import type { MethodHandler } from './types.js';
import { tradePay } from './trade-pay.js';
import { tradeQuery } from './trade-query.js';
import { tradeCancel } from './trade-cancel.js';
import { tradeClose } from './trade-close.js';
import { tradeRefund } from './trade-refund.js';
import { tradeRefundQuery } from './trade-refund-query.js';
import { tradePrecreate } from './trade-precreate.js';
import { tradeCreate } from './trade-create.js';
import { tradeAppPay } from './trade-app-pay.js';
import { billDownloadUrlQuery } from './bill-downloadurl-query.js';
import { oauthToken } from './oauth-token.js';
import { userInfoShare } from './user-info-share.js';
import { tradeWapPay } from './trade-wap-pay.js';
import { tradePagePay } from './trade-page-pay.js';

export const METHODS: Record<string, MethodHandler> = {
  'alipay.trade.pay': tradePay,
  'alipay.trade.query': tradeQuery,
  'alipay.trade.cancel': tradeCancel,
  'alipay.trade.close': tradeClose,
  'alipay.trade.refund': tradeRefund,
  'alipay.trade.fastpay.refund.query': tradeRefundQuery,
  'alipay.trade.precreate': tradePrecreate,
  'alipay.trade.create': tradeCreate,
  'alipay.trade.app.pay': tradeAppPay,
  'alipay.data.dataservice.bill.downloadurl.query': billDownloadUrlQuery,
  'alipay.system.oauth.token': oauthToken,
  'alipay.user.info.share': userInfoShare,
  'alipay.trade.wap.pay': tradeWapPay,
  'alipay.trade.page.pay': tradePagePay,
};
