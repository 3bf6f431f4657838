/** The zfb Alipay client: public entry point. */
export { AlipayClient, type CallOptions, type ResponseNode } from './client.js';
export { PRODUCTION_GATEWAY, PRODUCTION_OAUTH, type AlipayClientOptions } from './config.js';
export * from './errors.js';
export { fenToYuan, yuanToFen, yuanToFenAllowZero, MIN_FEN, MAX_FEN } from './money.js';
export { formatAlipayTime, parseAlipayTime } from './time.js';
export { parsePrivateKey, parsePublicKey, parseAnyKey, toBareBase64, toPem, type ParsedKey, type KeyFormat } from './keys/parse.js';
export { requestSignContent, notifySignContent } from './sign/content.js';
export { signText, verifyText, type SignType } from './sign/rsa.js';
export { extractSignedContent, responseKeyOf } from './response/extract.js';
export { verifyCallbackParams, verifyTradeNotify, verifyReturnQuery, type TradeNotify, type TradeStatus, type ReturnParams } from './notify/verify.js';
export { encodeForm, type Charset } from './charset.js';
export { parseForm, FormDecodeError } from './form.js';
export type { RequestInput, SignedRequest } from './request/build.js';
export * from './catalogue/index.js';
export { authorizeUrl, exchangeCode, refreshToken, userInfo, AlipayOAuth, type OAuthScope, type AuthorizeUrlOptions, type AuthorizeTarget, type OAuthToken } from './oauth.js';
