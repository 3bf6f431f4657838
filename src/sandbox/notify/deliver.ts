/**
 * One HTTP POST of a notify to the merchant (alipay-protocol.md §3.1). Never throws: a server that
 * is down, slow, or answers garbage is a failed attempt with the reason in `answer`.
 *
 * What counts as received: HTTP 200 and a body of exactly `success`, allowing one trailing line
 * break (`\n` or `\r\n`, what println / print add). The docs say to print the 7 characters and
 * nothing else, so `SUCCESS`, ` success`, `success.`, an HTML page, a JSON `{"success":true}`,
 * a 2xx other than 200 and any redirect (not followed: "no redirect") are all failures, and
 * the notify is sent again on schedule.
 *
 * Each attempt has a real-time limit (default 15 s, not sandbox time: the merchant's server runs
 * in real time even when the sandbox's clock is scaled). A fresh connection per attempt
 * (`Connection: close`), so nothing lingers between retries hours apart.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Charset } from '../../alipay/charset.js';

export const DEFAULT_ATTEMPT_TIMEOUT_MS = 15_000;

/** How much of the merchant's answer is kept in the attempt record. */
const ANSWER_KEEP = 200;
/** How much of the answer is read at all: enough to tell `success` from anything else. */
const ANSWER_READ_LIMIT = 4096;

export interface PostResult {
  /** HTTP status, undefined when there was no response. */
  status?: number;
  /** The answer (first 200 characters), or why there is none. */
  answer: string;
  ok: boolean;
  /** Real milliseconds the attempt took. */
  durationMs: number;
}

/** The merchant acknowledged the notify: `success` and at most one trailing line break. */
export function isAcknowledged(status: number | undefined, body: Buffer): boolean {
  if (status !== 200) return false;
  const text = body.toString('latin1');
  return text === 'success' || text === 'success\n' || text === 'success\r\n';
}

export function postNotify(url: string, body: string, charset: Charset, timeoutMs = DEFAULT_ATTEMPT_TIMEOUT_MS): Promise<PostResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    const timer = setTimeout(() => {
      finish({ answer: `no answer within ${timeoutMs} ms`, ok: false });
      req?.destroy();
    }, timeoutMs);
    timer.unref?.();
    const finish = (r: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: took() });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      finish({ answer: `notify_url is not a URL: ${url}`, ok: false });
      return;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      finish({ answer: `notify_url must be http or https: ${url}`, ok: false });
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const payload = Buffer.from(body, 'latin1'); // encodeForm output is ASCII
    try {
      req = send(target, {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': `application/x-www-form-urlencoded; charset=${charset}`,
          'content-length': String(payload.length),
          connection: 'close',
          'user-agent': 'zfb-sandbox-notify/1.0',
        },
      });
    } catch (err) {
      finish({ answer: `could not send: ${(err as Error).message}`, ok: false });
      return;
    }
    req.on('error', (err) => finish({ answer: `connection failed: ${err.message}`, ok: false }));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      let cut = false;
      res.on('data', (c: Buffer) => {
        if (cut) return;
        size += c.length;
        if (size > ANSWER_READ_LIMIT) {
          cut = true;
          chunks.push(c.subarray(0, c.length - (size - ANSWER_READ_LIMIT)));
          const text = Buffer.concat(chunks).toString('utf8');
          finish({ status, answer: `${text.slice(0, ANSWER_KEEP)}… (over ${ANSWER_READ_LIMIT} bytes)`, ok: false });
          res.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        const location = status !== undefined && status >= 300 && status < 400 && res.headers.location ? ` (redirect to ${res.headers.location}, not followed)` : '';
        finish({ status, answer: text.slice(0, ANSWER_KEEP) + location, ok: isAcknowledged(status, bytes) });
      });
      res.on('error', (err) => finish({ status, answer: `answer cut off: ${err.message}`, ok: false }));
      res.on('aborted', () => finish({ status, answer: 'answer cut off', ok: false }));
    });
    req.end(payload);
  });
}
