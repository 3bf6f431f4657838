/**
 * The OAuth `state` of the in-app checkout (RFC 9700 §4.7; payments-reliability.md [S53]–[S55]):
 * random (32 bytes), bound to the order and to an HttpOnly, SameSite=Lax cookie scoped to the
 * order's checkout path, single use, valid ten minutes. Only its SHA-256 is stored. On return the
 * cookie and the query must carry the same state and the row must be unused: a missing, forged or
 * replayed state is refused before any auth_code is exchanged, so nothing is created for it.
 *
 * SameSite=Lax, not Strict: the return is a top-level GET navigation from Alipay's OAuth page,
 * another site, and Strict cookies are not sent on it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';

export const STATE_TTL_MS = 10 * 60_000;
const COOKIE = 'zfb_oauth';

const hash = (state: string) => createHash('sha256').update(state).digest('hex');
const cookiePath = (orderId: string) => `/checkout/${orderId}/`;

/** A new state for the order, stored and set as a cookie on the reply. */
export async function issueState(ctx: ServerContext, reply: FastifyReply, orderId: string): Promise<string> {
  const state = randomBytes(32).toString('base64url');
  await ctx.pool.query('INSERT INTO oauth_states (state_hash, order_id, created_at) VALUES ($1, $2, $3)', [hash(state), orderId, ctx.now()]);
  const secure = ctx.publicBaseUrl.startsWith('https:') ? '; Secure' : '';
  reply.header('set-cookie', `${COOKIE}=${state}; Path=${cookiePath(orderId)}; Max-Age=${STATE_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`);
  return state;
}

function cookieValue(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** True when the request's state matches its cookie and an unused, fresh row of this order; uses it up. */
export async function consumeState(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, orderId: string, state: string | undefined): Promise<boolean> {
  const cookie = cookieValue(req, COOKIE);
  // Clear the cookie whatever happens: a state is good for one return only.
  reply.header('set-cookie', `${COOKIE}=; Path=${cookiePath(orderId)}; Max-Age=0; HttpOnly; SameSite=Lax`);
  if (!state || !cookie || state !== cookie || state.length > 100) return false;
  const now = ctx.now();
  const { rowCount } = await ctx.pool.query(
    'UPDATE oauth_states SET used_at = $3 WHERE state_hash = $1 AND order_id = $2 AND used_at IS NULL AND created_at > $4',
    [hash(state), orderId, now, new Date(now.getTime() - STATE_TTL_MS)],
  );
  return rowCount === 1;
}
