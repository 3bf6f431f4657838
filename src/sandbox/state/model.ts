/**
 * What the sandbox remembers. Money is integer fen; times are ISO strings (UTC) in state and
 * Alipay's `yyyy-MM-dd HH:mm:ss` (Asia/Shanghai) only on the wire.
 */
import type { SignType } from '../../alipay/sign/rsa.js';

export const C = {
  apps: 'apps',
  buyers: 'buyers',
  paymentCodes: 'payment_codes',
  trades: 'trades',
  refunds: 'refunds',
  notifies: 'notifies',
  oauthCodes: 'oauth_codes',
  tokens: 'tokens',
  faults: 'faults',
  meta: 'meta',
} as const;

export interface SandboxApp {
  appId: string;
  name: string;
  /** Public-key mode: the app public key (bare base64 SPKI). */
  publicKey?: string;
  /** Certificate mode: the app certificate (PEM) and its SN. */
  appCert?: string;
  appCertSn?: string;
  signType: SignType;
  /** Default notify_url when a request has none (the console's setting). */
  notifyUrl?: string;
  /** OAuth redirect_uri must start with one of these ("授权回调地址"); empty = any http(s) URL. */
  redirectUris: string[];
  /** The merchant's PID (2088…): seller_id on trades and notifies. */
  sellerId: string;
  sellerEmail: string;
  /** AES key (base64) for encrypt_type=AES. */
  aesKey?: string;
  /** openid mode: OAuth and trades speak buyer_open_id instead of user_id / buyer_id. */
  openIdMode: boolean;
  createdAt: string;
}

export interface Buyer {
  /** 2088 + 12 digits. */
  userId: string;
  /** Shown masked on the wire: `159****5620`, `xud***@126.com`. */
  logonId: string;
  name: string;
  /** The payment password the cashier asks for (sandbox: shown on the login page). */
  password: string;
  balanceFen: number;
  avatar: string;
  city: string;
  province: string;
  gender: 'm' | 'f';
}

export interface PaymentCode {
  /** 18 digits starting 25–30. */
  code: string;
  userId: string;
  issuedAt: string;
  expiresAt: string;
  usedAt?: string;
}

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED';

export interface Trade {
  appId: string;
  tradeNo: string;
  outTradeNo: string;
  /** The method that created it: alipay.trade.pay, .create, .precreate, .wap.pay, .page.pay, .app.pay. */
  method: string;
  status: TradeStatus;
  totalFen: number;
  subject: string;
  body?: string;
  productCode?: string;
  /** The business parameters that define the trade; the same out_trade_no with others is refused. */
  fingerprint: string;
  buyerUserId?: string;
  /** The buyer a JSAPI trade is for (trade.create buyer_id / buyer_open_id), fixed before payment. */
  boundBuyer?: boolean;
  sellerId: string;
  notifyUrl?: string;
  returnUrl?: string;
  passbackParams?: string;
  storeId?: string;
  terminalId?: string;
  operatorId?: string;
  charset: 'utf-8' | 'gbk';
  createdAt: string;
  /** When an unpaid trade closes by itself (timeout_express / time_expire). */
  expiresAt?: string;
  paidAt?: string;
  closedAt?: string;
  refundedFen: number;
  /** For a 10003 trade: when the buyer will have entered the password (absent = never by itself). */
  payAt?: string;
  /** What the last cancel did: 'close' or 'refund'. */
  cancelAction?: 'close' | 'refund';
}

export interface Refund {
  appId: string;
  tradeNo: string;
  outTradeNo: string;
  outRequestNo: string;
  amountFen: number;
  reason?: string;
  fingerprint: string;
  createdAt: string;
}

export interface NotifyAttempt {
  at: string;
  /** HTTP status, or undefined when the connection failed. */
  status?: number;
  /** What the merchant answered (first 200 characters), or the connection error. */
  answer: string;
  ok: boolean;
}

export interface NotifyTask {
  id: string;
  appId: string;
  notifyId: string;
  tradeNo: string;
  url: string;
  /** The notify's parameters before signing (notify_time and sign are set at each send). */
  params: Record<string, string>;
  charset: 'utf-8' | 'gbk';
  createdAt: string;
  /** Index into the retry schedule of the next attempt. */
  attempt: number;
  nextAt?: string;
  state: 'pending' | 'delivered' | 'gave-up' | 'dropped';
  attempts: NotifyAttempt[];
}

export interface OAuthCode {
  code: string;
  appId: string;
  userId: string;
  scope: 'auth_base' | 'auth_user';
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
}

export interface Token {
  accessToken: string;
  refreshToken: string;
  appId: string;
  userId: string;
  scope: 'auth_base' | 'auth_user';
  createdAt: string;
  expiresAt: string;
  refreshExpiresAt: string;
  /** A refresh token can be used once; the old access token dies with it. */
  revoked?: boolean;
}

/** A fault injected by the admin API (see faults.ts for what each kind does). */
export interface Fault {
  id: string;
  appId: string;
  kind: FaultKind;
  /** Only calls of this method (default: any). */
  method?: string;
  /** How many more times it fires; undefined = until removed. */
  remaining?: number;
  /** For system-error and hang: whether the call takes effect before the failure is reported. */
  applied?: boolean;
  /** For need-password: seconds until the buyer pays (undefined = never). */
  payAfterSeconds?: number;
  /** For notify-delay: extra seconds before the first delivery. */
  delaySeconds?: number;
  createdAt: string;
}

export type FaultKind =
  | 'hang'
  | 'system-error'
  | 'need-password'
  | 'insufficient-balance'
  | 'corrupt-signature'
  | 'notify-drop'
  | 'notify-duplicate'
  | 'notify-reorder'
  | 'notify-delay';
