/**
 * The typed method catalogue: one definition per Alipay method (schema, kind, request mapping),
 * the Api bound to a client, and the validation that turns schema failures into
 * AlipayValidationError.
 */
export { Api, type TradeApi, type SystemApi, type UserApi, type DataApi, type NotifyCallOptions, type PageOptions, type OrderStringOptions } from './api.js';
export { requestFor, bizMethod, type MethodDef, type MethodKind, type MethodUrls, type ResultFields } from './method.js';
export { validate } from './validate.js';
export type { FundBill } from './trade-order.js';
export { oauthToken, oauthTokenInput, type OAuthTokenInput, type OAuthTokenResult } from './oauth-token.js';
export { userInfoShare, userInfoShareInput, type UserInfoShareInput, type UserInfoShareResult } from './user-info-share.js';
export { tradeWapPay, tradeWapPayInput, type TradeWapPayInput } from './trade-wap-pay.js';
export { tradePagePay, tradePagePayInput, type TradePagePayInput } from './trade-page-pay.js';
export { tradeAppPay, tradeAppPayInput, type TradeAppPayInput } from './trade-app-pay.js';
export { tradeCreate, tradeCreateInput, type TradeCreateInput, type TradeCreateResult } from './trade-create.js';
export { tradePay, tradePayInput, type TradePayInput, type TradePayResult, type TradePayPaid, type TradePayPending, type TradePayFields } from './trade-pay.js';
export { tradePrecreate, tradePrecreateInput, type TradePrecreateInput, type TradePrecreateResult } from './trade-precreate.js';
export { tradeQuery, tradeQueryInput, type TradeQueryInput, type TradeQueryResult } from './trade-query.js';
export { tradeCancel, tradeCancelInput, type TradeCancelInput, type TradeCancelResult } from './trade-cancel.js';
export { tradeClose, tradeCloseInput, type TradeCloseInput, type TradeCloseResult } from './trade-close.js';
export { tradeRefund, tradeRefundInput, type TradeRefundInput, type TradeRefundResult } from './trade-refund.js';
export { tradeRefundQuery, tradeRefundQueryInput, type TradeRefundQueryInput, type TradeRefundQueryResult } from './trade-refund-query.js';
export { billDownloadUrl, billDownloadUrlInput, type BillDownloadUrlInput, type BillDownloadUrlResult } from './bill-download-url.js';
