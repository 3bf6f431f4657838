/**
 * One POST to the gateway with the built-in fetch (undici keeps connections alive), a per-call
 * timeout and the caller's AbortSignal. No retries here: a call that moves money must never be
 * repeated behind the caller's back. Failures say whether Alipay may have seen the request.
 */
import { AlipayTransportError } from './errors.js';
import { decodeText, encodeForm, type Charset } from './charset.js';

export interface PostOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  fetch: typeof fetch;
  charset: Charset;
  requestId?: string;
}

export interface RawResponse {
  status: number;
  body: string;
  traceId?: string;
}

/** Errors raised before a byte could reach the server: retrying is safe. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function postForm(url: string, params: Record<string, string>, o: PostOptions): Promise<RawResponse> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  if (o.signal?.aborted) throw new AlipayTransportError('ERR_TRANSPORT_ABORTED', 'not-sent', 'the call was aborted before it was sent');
  let res: Response;
  try {
    res = await o.fetch(url, {
      method: 'POST',
      headers: {
        'content-type': `application/x-www-form-urlencoded;charset=${o.charset}`,
        accept: 'application/json',
        ...(o.requestId ? { 'alipay-request-id': o.requestId } : {}),
      },
      body: encodeForm(params, o.charset),
      signal,
    });
  } catch (err) {
    throw classify(err, timeout, o);
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw classify(err, timeout, o);
  }
  const traceId = res.headers.get('trace_id') ?? res.headers.get('alipay-trace-id') ?? undefined;
  if (res.status !== 200) {
    throw new AlipayTransportError('ERR_TRANSPORT_HTTP_STATUS', 'unknown', `the gateway answered HTTP ${res.status}; the outcome is unknown: query before retrying anything that moves money`, res.status);
  }
  return { status: res.status, body: decodeText(bytes, o.charset), traceId };
}

function classify(err: unknown, timeout: AbortSignal, o: PostOptions): AlipayTransportError {
  if (timeout.aborted) {
    return new AlipayTransportError('ERR_TRANSPORT_TIMEOUT', 'unknown', `no answer from the gateway within ${o.timeoutMs} ms; the outcome is unknown: query before retrying`, undefined, { cause: err });
  }
  if (o.signal?.aborted) {
    return new AlipayTransportError('ERR_TRANSPORT_ABORTED', 'unknown', 'the call was aborted after it was sent; the outcome is unknown', undefined, { cause: err });
  }
  const code = causeCode(err);
  if (code && NOT_SENT_CODES.has(code)) {
    return new AlipayTransportError('ERR_TRANSPORT_CONNECTION', 'not-sent', `could not connect to the gateway (${code}); nothing was sent, so retrying is safe`, undefined, { cause: err });
  }
  return new AlipayTransportError('ERR_TRANSPORT_CONNECTION', 'unknown', `the connection to the gateway failed (${code ?? (err as Error)?.message ?? 'unknown error'}); the outcome is unknown: query before retrying`, undefined, { cause: err });
}
