/** The merchant backend's API key, as a Bearer token, compared in constant time. */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Problem } from './problem.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function requireApiKey(apiKey: string): (req: FastifyRequest) => Promise<void> {
  const expected = digest(apiKey);
  return async (req) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), expected)) {
      throw new Problem(401, 'unauthorized', 'Unauthorized', 'send the API key as "Authorization: Bearer <key>"');
    }
  };
}
