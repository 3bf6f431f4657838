/**
 * The contract between the gateway and one method's implementation. The gateway has already
 * checked the app, the timestamp and the signature, and decrypted and parsed biz_content; the
 * method reads `biz` (and top-level `params` for the few methods that use them), changes the
 * ledger, and returns the response node. Business failures are thrown as LedgerError (→ 40004)
 * or MethodError (any code).
 */
import type { SandboxContext } from '../context.js';
import type { SandboxApp } from '../state/model.js';
import type { Node } from '../gateway/respond.js';
import type { ActiveFaults } from '../faults.js';

export interface MethodCall {
  ctx: SandboxContext;
  app: SandboxApp;
  method: string;
  /** Every request parameter, decoded. */
  params: Record<string, string>;
  /** biz_content parsed (an empty object when absent). */
  biz: Record<string, unknown>;
  charset: 'utf-8' | 'gbk';
  /** Faults that fire on this call and that the method itself must act on (need-password, insufficient-balance). */
  faults: ActiveFaults;
}

/** A server call answers with a node; a page call (wap/page pay) sends the browser somewhere. */
export type MethodResult = { node: Node } | { redirect: string } | { html: string };

export type MethodHandler = (call: MethodCall) => MethodResult;

export interface MethodErrorOptions {
  /**
   * Answer under `error_response` instead of `<method>_response`, still signed: what Alipay does
   * for alipay.system.oauth.token's failures (alipay-protocol.md §2.1, §6.1). Every SDK reads
   * `error_response` when the method's node is absent.
   */
  errorResponse?: boolean;
}

/** A failure with any gateway code (40002 for a bad parameter, 20001 for a bad token, ...). */
export class MethodError extends Error {
  constructor(
    readonly code: string,
    readonly subCode: string,
    readonly subMsg: string,
    readonly extra: Node = {},
    readonly options: MethodErrorOptions = {},
  ) {
    super(`${code} ${subCode}: ${subMsg}`);
  }
}
