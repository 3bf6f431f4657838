/**
 * The server's log options (pino, through fastify): JSON lines, and the headers that carry
 * secrets redacted: the API key (Authorization), the idempotency key, and the cookie that binds
 * an in-app checkout's OAuth state. Keys and tokens are never passed to the logger at all; the
 * security suite scans every line a busy server writes to keep it so.
 */
import type { Writable } from 'node:stream';

export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers["idempotency-key"]', 'req.headers.cookie', 'res.headers["set-cookie"]'];

export function serverLogger(level: string, stream?: Writable): { level: string; redact: string[]; stream?: Writable } {
  return { level, redact: REDACTED_PATHS, ...(stream ? { stream } : {}) };
}
