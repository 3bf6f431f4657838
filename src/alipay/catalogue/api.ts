/**
 * The typed face of the catalogue, bound to one client: `client.api.trade.pay(...)` and friends.
 * Every method validates its input (and URL options) first, so a bad call throws
 * AlipayValidationError without signing or sending anything.
 */
import type { AlipayClient, CallOptions } from '../client.js';
import { AlipayGatewayError, AlipaySignatureError } from '../errors.js';
import { requestFor } from './method.js';
import { billDownloadUrl, type BillDownloadUrlInput, type BillDownloadUrlResult } from './bill-download-url.js';
import { oauthToken, type OAuthTokenInput, type OAuthTokenResult } from './oauth-token.js';
import { tradeAppPay, type TradeAppPayInput } from './trade-app-pay.js';
import { tradeCancel, type TradeCancelInput, type TradeCancelResult } from './trade-cancel.js';
import { tradeClose, type TradeCloseInput, type TradeCloseResult } from './trade-close.js';
import { tradeCreate, type TradeCreateInput, type TradeCreateResult } from './trade-create.js';
import { tradePagePay, type TradePagePayInput } from './trade-page-pay.js';
import { tradePay, type TradePayInput, type TradePayPaid, type TradePayPending, type TradePayResult } from './trade-pay.js';
import { tradePrecreate, type TradePrecreateInput, type TradePrecreateResult } from './trade-precreate.js';
import { tradeQuery, type TradeQueryInput, type TradeQueryResult } from './trade-query.js';
import { tradeRefund, type TradeRefundInput, type TradeRefundResult } from './trade-refund.js';
import { tradeRefundQuery, type TradeRefundQueryInput, type TradeRefundQueryResult } from './trade-refund-query.js';
import { tradeWapPay, type TradeWapPayInput } from './trade-wap-pay.js';
import { userInfoShare, type UserInfoShareResult } from './user-info-share.js';

/** Options of a server call that makes Alipay send an async notify. */
export interface NotifyCallOptions extends CallOptions {
  /** notify_url for this trade (overrides the one configured in the Alipay console). */
  notifyUrl?: string;
}

/** Options of a page method (the buyer's browser goes to Alipay). */
export interface PageOptions {
  /** return_url: where the browser lands after paying. Display only: fulfil on the notify. */
  returnUrl?: string;
  notifyUrl?: string;
}

/** Options of the app-pay order string. */
export interface OrderStringOptions {
  notifyUrl?: string;
}

export interface TradeApi {
  /**
   * alipay.trade.pay: charge a payment code (scene bar_code) or face-pay token (security_code).
   *
   * Resolves with `code: '10000'` when paid, and with `code: '10003'` when Alipay created the
   * trade but the buyer is still confirming (password, limit check): that is not a failure, so it
   * is returned, not thrown. On 10003 poll `trade.query` (every 3–6 s for about a minute) until
   * TRADE_SUCCESS or TRADE_FINISHED, and `trade.cancel` if it never gets there. A 10003 answer is
   * returned only when its signature verified; an unsigned one stays an AlipayGatewayError.
   * Every other code throws AlipayGatewayError; ACQ.SYSTEM_ERROR and transport errors with
   * outcome 'unknown' also call for a query before anything else.
   */
  pay(input: TradePayInput, options?: NotifyCallOptions): Promise<TradePayResult>;
  /** alipay.trade.create: a trade for a known buyer (mini program / JSAPI); pay it with my.tradePay({ tradeNO }). */
  create(input: TradeCreateInput, options?: NotifyCallOptions): Promise<TradeCreateResult>;
  /** alipay.trade.precreate: a QR code for the buyer to scan. */
  precreate(input: TradePrecreateInput, options?: NotifyCallOptions): Promise<TradePrecreateResult>;
  /** alipay.trade.query: the state of a trade, by out_trade_no or trade_no. */
  query(input: TradeQueryInput, options?: CallOptions): Promise<TradeQueryResult>;
  /** alipay.trade.cancel: close (unpaid) or refund (paid) a face-to-face trade within 24 h; call again while retry_flag is "Y". */
  cancel(input: TradeCancelInput, options?: CallOptions): Promise<TradeCancelResult>;
  /** alipay.trade.close: close a trade that is still waiting for payment. */
  close(input: TradeCloseInput, options?: CallOptions): Promise<TradeCloseResult>;
  /** alipay.trade.refund: success means the call was accepted; check fund_change, then refundQuery. */
  refund(input: TradeRefundInput, options?: NotifyCallOptions): Promise<TradeRefundResult>;
  /** alipay.trade.fastpay.refund.query: the state of one refund (out_request_no required). */
  refundQuery(input: TradeRefundQueryInput, options?: CallOptions): Promise<TradeRefundQueryResult>;
  /** alipay.trade.wap.pay as a GET URL for the buyer's mobile browser. */
  wapPayUrl(input: TradeWapPayInput, options?: PageOptions): string;
  /** alipay.trade.wap.pay as an auto-submitting POST form (HTML fragment). */
  wapPayForm(input: TradeWapPayInput, options?: PageOptions): string;
  /** alipay.trade.page.pay as a GET URL for the buyer's desktop browser. */
  pagePayUrl(input: TradePagePayInput, options?: PageOptions): string;
  /** alipay.trade.page.pay as an auto-submitting POST form (HTML fragment). */
  pagePayForm(input: TradePagePayInput, options?: PageOptions): string;
  /** alipay.trade.app.pay: the signed order string for the Alipay SDK in the merchant's app. */
  appPayOrderString(input: TradeAppPayInput, options?: OrderStringOptions): string;
}

export interface SystemApi {
  /** alipay.system.oauth.token with its raw parameters; client.oauth has the normalised helpers. */
  oauthToken(input: OAuthTokenInput, options?: CallOptions): Promise<OAuthTokenResult>;
}

export interface UserApi {
  /** alipay.user.info.share with an access token from an auth_user grant. */
  infoShare(authToken: string, options?: CallOptions): Promise<UserInfoShareResult>;
}

export interface DataApi {
  /** alipay.data.dataservice.bill.downloadurl.query: the bill link is valid for 30 seconds. */
  billDownloadUrl(input: BillDownloadUrlInput, options?: CallOptions): Promise<BillDownloadUrlResult>;
}

export class Api {
  readonly trade: TradeApi;
  readonly system: SystemApi;
  readonly user: UserApi;
  readonly data: DataApi;

  constructor(client: AlipayClient) {
    const send = (method: string, request: ReturnType<typeof requestFor>, options: CallOptions = {}) =>
      client.call(method, request, { signal: options.signal, timeoutMs: options.timeoutMs });

    this.trade = {
      async pay(input, options = {}) {
        const request = requestFor(tradePay, input, options);
        let node: Record<string, unknown>;
        try {
          node = await send(tradePay.method, request, options);
        } catch (err) {
          // 10003: the trade exists and the buyer is confirming; the caller polls (see the JSDoc).
          if (err instanceof AlipayGatewayError && err.gatewayCode === '10003' && (err as { verified?: boolean }).verified === true) {
            return err.response as TradePayPending;
          }
          throw err;
        }
        // The union is discriminated on `code`; a verified success without one would break it.
        if (node.code !== '10000') {
          throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `${tradePay.method} answered success without code "10000" (code: ${JSON.stringify(node.code)})`);
        }
        return node as TradePayPaid;
      },
      create: async (input, options = {}) => (await send(tradeCreate.method, requestFor(tradeCreate, input, options), options)) as TradeCreateResult,
      precreate: async (input, options = {}) => (await send(tradePrecreate.method, requestFor(tradePrecreate, input, options), options)) as TradePrecreateResult,
      query: async (input, options = {}) => (await send(tradeQuery.method, requestFor(tradeQuery, input, options), options)) as TradeQueryResult,
      cancel: async (input, options = {}) => (await send(tradeCancel.method, requestFor(tradeCancel, input, options), options)) as TradeCancelResult,
      close: async (input, options = {}) => (await send(tradeClose.method, requestFor(tradeClose, input, options), options)) as TradeCloseResult,
      refund: async (input, options = {}) => (await send(tradeRefund.method, requestFor(tradeRefund, input, options), options)) as TradeRefundResult,
      refundQuery: async (input, options = {}) => (await send(tradeRefundQuery.method, requestFor(tradeRefundQuery, input, options), options)) as TradeRefundQueryResult,
      wapPayUrl: (input, options = {}) => client.pageUrl(tradeWapPay.method, requestFor(tradeWapPay, input, options)),
      wapPayForm: (input, options = {}) => client.pageForm(tradeWapPay.method, requestFor(tradeWapPay, input, options)),
      pagePayUrl: (input, options = {}) => client.pageUrl(tradePagePay.method, requestFor(tradePagePay, input, options)),
      pagePayForm: (input, options = {}) => client.pageForm(tradePagePay.method, requestFor(tradePagePay, input, options)),
      appPayOrderString: (input, options = {}) => client.orderString(tradeAppPay.method, requestFor(tradeAppPay, input, options)),
    };
    this.system = {
      oauthToken: async (input, options = {}) => (await send(oauthToken.method, requestFor(oauthToken, input, options), options)) as OAuthTokenResult,
    };
    this.user = {
      infoShare: async (authToken, options = {}) =>
        (await send(userInfoShare.method, requestFor(userInfoShare, { auth_token: authToken }, options), options)) as UserInfoShareResult,
    };
    this.data = {
      billDownloadUrl: async (input, options = {}) => (await send(billDownloadUrl.method, requestFor(billDownloadUrl, input, options), options)) as BillDownloadUrlResult,
    };
  }
}
