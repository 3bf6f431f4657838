/**
 * The Alipay OpenAPI client. Keys are parsed once at construction; every call signs with the
 * cached KeyObject, verifies the response before trusting it, and throws one of the errors in
 * errors.ts. The typed method catalogue lives in catalogue/ and is exposed as `client.api`.
 */
import { inspect } from 'node:util';
import { randomUUID } from 'node:crypto';
import { resolveConfig, type AlipayClientOptions, type ResolvedConfig } from './config.js';
import { AlipayGatewayError } from './errors.js';
import { buildSignedRequest, type RequestInput, type SignedRequest } from './request/build.js';
import { orderString, pageForm, pageUrl } from './request/page.js';
import { postForm } from './http.js';
import { isSuccessNode, verifyResponse } from './response/verify.js';
import { verifyReturnQuery, verifyTradeNotify, verifyCallbackParams, type ReturnParams, type TradeNotify, type VerifyCallbackOptions } from './notify/verify.js';
import { Api } from './catalogue/api.js';
import { AlipayOAuth } from './oauth.js';

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A verified, successful response node. */
export type ResponseNode = Record<string, unknown>;

export class AlipayClient {
  readonly #config: ResolvedConfig;
  /** Made once: notify verification is a hot path. */
  readonly #callbackOptions: VerifyCallbackOptions;
  /** Typed, validated methods: `client.api.trade.pay(...)`. */
  readonly api: Api;
  /** OAuth helpers bound to this client: authorize URL, code exchange, refresh, user info. */
  readonly oauth: AlipayOAuth;

  constructor(options: AlipayClientOptions) {
    this.#config = resolveConfig(options);
    this.#callbackOptions = Object.freeze({ keys: [...this.#config.alipayKeys.values()], signType: this.#config.signType, charset: this.#config.charset });
    this.api = new Api(this);
    this.oauth = new AlipayOAuth(this);
  }

  get appId(): string {
    return this.#config.appId;
  }

  get gateway(): string {
    return this.#config.gateway;
  }

  /** For the helpers in this package (catalogue, OAuth). Holds KeyObjects, never key text. */
  get config(): Readonly<ResolvedConfig> {
    return this.#config;
  }

  /** Signs a request without sending it: every parameter, `sign` included, and the signed string. */
  sign(method: string, input: RequestInput = {}): SignedRequest {
    return buildSignedRequest(this.#config, method, input);
  }

  /**
   * A server call: POST to the gateway, verify the response, return the response node on success.
   * Throws AlipayGatewayError for a business failure, AlipaySignatureError for a response that does
   * not verify, AlipayTransportError when there was no usable answer.
   */
  async call(method: string, input: RequestInput = {}, options: CallOptions = {}): Promise<ResponseNode> {
    const req = buildSignedRequest(this.#config, method, input);
    const raw = await postForm(this.#config.gateway, req.params, {
      timeoutMs: options.timeoutMs ?? this.#config.timeoutMs,
      signal: options.signal,
      fetch: this.#config.fetch,
      charset: this.#config.charset,
      requestId: randomUUID().replace(/-/g, ''),
    });
    return this.parseResponse(method, raw.body);
  }

  /** Verifies and interprets a raw gateway body (exposed for tools and tests). */
  parseResponse(method: string, body: string): ResponseNode {
    const { node, verified } = verifyResponse(this.#config, method, body);
    if (!isSuccessNode(node)) {
      const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
      const err = new AlipayGatewayError(method, str(node.code) ?? '', str(node.msg) ?? '', str(node.sub_code), str(node.sub_msg), node);
      Object.defineProperty(err, 'verified', { value: verified, enumerable: true });
      throw err;
    }
    return node;
  }

  /** A GET URL to send the buyer's browser to (wap pay, page pay). */
  pageUrl(method: string, input: RequestInput = {}): string {
    return pageUrl(this.#config, buildSignedRequest(this.#config, method, input));
  }

  /** An auto-submitting POST form (HTML fragment) for the buyer's browser. */
  pageForm(method: string, input: RequestInput = {}): string {
    return pageForm(this.#config, buildSignedRequest(this.#config, method, input));
  }

  /** The signed order string for app pay (alipay.trade.app.pay) and my.tradePay({ orderStr }). */
  orderString(method: string, input: RequestInput = {}): string {
    return orderString(this.#config, buildSignedRequest(this.#config, method, input));
  }

  /** Verifies a raw async notify body (Buffer or string, as received) and returns it typed. */
  verifyNotify(rawBody: string | Buffer): TradeNotify {
    return verifyTradeNotify(rawBody, this.#callbackOptions);
  }

  /** Verifies any signed callback form (notify of another type, gateway message) and returns its parameters. */
  verifyCallback(rawBody: string | Buffer): Record<string, string> {
    return verifyCallbackParams(rawBody, this.#callbackOptions);
  }

  /** Verifies the return_url query (display only: fulfil on the notify or a query, never on this). */
  verifyReturn(queryOrUrl: string): ReturnParams {
    return verifyReturnQuery(queryOrUrl, this.#callbackOptions);
  }

  [inspect.custom](): string {
    return `AlipayClient { appId: '${this.#config.appId}', gateway: '${this.#config.gateway}', signType: '${this.#config.signType}', mode: '${this.#config.certMode ? 'certificate' : 'public-key'}' }`;
  }

  toJSON(): Record<string, string> {
    return { appId: this.#config.appId, gateway: this.#config.gateway, signType: this.#config.signType };
  }
}
