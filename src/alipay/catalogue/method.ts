/**
 * What a catalogue entry is: the method name, how it reaches Alipay (`kind`), the schema of its
 * input, and how a validated input becomes a RequestInput. `requestFor` is the single path from
 * caller input to RequestInput, so validation always happens before anything is signed or sent.
 */
import type { z } from 'zod';
import type { RequestInput } from '../request/build.js';
import { AlipayValidationError } from '../errors.js';
import { validate } from './validate.js';
import { isHttpUrl } from './fields.js';

/**
 * 'call': the server POSTs to the gateway (client.call).
 * 'page': the buyer's browser goes to the gateway (client.pageUrl / client.pageForm).
 * 'order-string': the signed parameters are handed to the Alipay app (client.orderString).
 */
export type MethodKind = 'call' | 'page' | 'order-string';

/** Top-level URLs a method may take, as options (they are common parameters, not biz_content). */
export interface MethodUrls {
  /** notify_url: where Alipay POSTs the async notify for this trade. */
  notifyUrl?: string;
  /** return_url: where the buyer's browser lands after paying (page methods only). */
  returnUrl?: string;
}

export interface MethodDef<S extends z.ZodType = z.ZodType> {
  readonly method: string;
  readonly kind: MethodKind;
  /** Where the input goes: into biz_content, or as top-level parameters. Also the error path prefix. */
  readonly inputAt: 'biz_content' | 'top-level';
  readonly input: S;
  /** Which of the MethodUrls options the method takes. */
  readonly urls: readonly (keyof MethodUrls)[];
  /** Maps an already validated input to the request; only requestFor calls this. */
  toRequest(input: z.output<S>): RequestInput;
}

/** Defines a method whose input is its biz_content, sent as parsed (defaults filled in). */
export function bizMethod<S extends z.ZodType>(method: string, kind: MethodKind, input: S, urls: readonly (keyof MethodUrls)[] = []): MethodDef<S> {
  return { method, kind, inputAt: 'biz_content', input, urls, toRequest: (parsed) => ({ bizContent: parsed as Record<string, unknown> }) };
}

const URL_PARAM: Record<keyof MethodUrls, string> = { notifyUrl: 'notify_url', returnUrl: 'return_url' };

/**
 * Validates `input` (and the URL options) against `def` and builds the RequestInput. Throws
 * AlipayValidationError naming the field (`biz_content.total_amount`, `notifyUrl`); nothing is
 * signed or sent before this returns. `options` may be any call's options object: only notifyUrl
 * and returnUrl are read, and either one is refused by a method that does not take it.
 */
export function requestFor<S extends z.ZodType>(def: MethodDef<S>, input: z.input<S>, options: object = {}): RequestInput {
  const urls = options as MethodUrls;
  const parsed = validate(def.input, input, def.inputAt === 'biz_content' ? 'biz_content' : '');
  const params: Record<string, string> = {};
  for (const option of Object.keys(URL_PARAM) as (keyof MethodUrls)[]) {
    const value = urls[option];
    if (value === undefined) continue;
    if (!def.urls.includes(option)) throw new AlipayValidationError(option, `not taken by ${def.method}`);
    if (!isHttpUrl(value, 256)) {
      throw new AlipayValidationError(option, `an absolute http(s) URL of at most 256 characters, got ${JSON.stringify(value)}`);
    }
    params[URL_PARAM[option]] = value;
  }
  const request = def.toRequest(parsed);
  return Object.keys(params).length === 0 ? request : { ...request, params: { ...request.params, ...params } };
}

/**
 * What every result node has. Alipay adds response fields often, so any other field is readable
 * (as unknown); the fields each result interface names are the documented ones.
 */
export interface ResultFields {
  /** "10000" on success; absent on an alipay.system.oauth.token success. */
  code?: string;
  msg?: string;
  [field: string]: unknown;
}
