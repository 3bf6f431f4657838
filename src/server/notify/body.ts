/**
 * The notify body exactly as it arrived, whatever the content type (Alipay sends
 * `application/x-www-form-urlencoded; charset=…`; anything else is still recorded, then refused).
 * Signature checks need the raw bytes (payments-reliability.md §1.2, §2.1: parse once, verify the
 * very map the logic reads), so no form parser runs before ours.
 *
 * Bodies over the limit (64 KiB, the server's body limit) are refused with 413, but their first
 * 64 KiB are kept so the refusal can be recorded; reading stops altogether at DRAIN_LIMIT (the
 * connection is then closed), so a huge upload costs neither memory nor unbounded time.
 */
import type { FastifyRequest } from 'fastify';
import { BODY_LIMIT } from '../http/app.js';

export const NOTIFY_BODY_LIMIT = BODY_LIMIT;
export const DRAIN_LIMIT = 1024 * 1024;

export interface RawNotifyBody {
  /** The bytes received, up to NOTIFY_BODY_LIMIT (all of them when !tooLarge). */
  bytes: Buffer;
  /** Bytes read in all (stops counting at DRAIN_LIMIT + one chunk). */
  total: number;
  tooLarge: boolean;
  /** False when reading was cut off at DRAIN_LIMIT. */
  complete: boolean;
}

export const EMPTY_BODY: RawNotifyBody = { bytes: Buffer.alloc(0), total: 0, tooLarge: false, complete: true };

type Done = (err: Error | null, body?: RawNotifyBody) => void;

/** A fastify content-type parser (function form: fastify's own body limit does not apply to it). */
export function readRawNotifyBody(_req: FastifyRequest, payload: NodeJS.ReadableStream, done: Done): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  let finished = false;
  const finish = (err: Error | null, complete = true) => {
    if (finished) return;
    finished = true;
    payload.removeListener('data', onData);
    if (err) return done(err);
    done(null, { bytes: Buffer.concat(chunks, kept), total, tooLarge: total > NOTIFY_BODY_LIMIT, complete });
  };
  const onData = (chunk: Buffer | string) => {
    const c = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    total += c.length;
    if (kept < NOTIFY_BODY_LIMIT) {
      const part = c.subarray(0, NOTIFY_BODY_LIMIT - kept);
      chunks.push(part);
      kept += part.length;
    }
    if (total > DRAIN_LIMIT) {
      payload.pause();
      finish(null, false);
    }
  };
  payload.on('data', onData);
  payload.on('end', () => finish(null));
  payload.on('error', (err: Error) => finish(err));
}
