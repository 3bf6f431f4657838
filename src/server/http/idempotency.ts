/**
 * Idempotency-Key for calls that create things (orders, refunds), after Stripe's model
 * (payments-reliability.md §1.1): the first request with a key runs and its answer is stored;
 * the same key with the same body gets that answer again (`Idempotent-Replayed: true`); the same
 * key with another body is refused (422); a duplicate that arrives while the first still runs is
 * refused with 409 (retry shortly). A 5xx is not stored, so a retry runs again. A key whose
 * first request died mid-way (its lock expired) is taken over by the next request.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { Problem, badRequest } from './problem.js';

const LOCK_MS = 60_000;

export interface StoredAnswer {
  status: number;
  body: unknown;
}

function keyOf(req: FastifyRequest): string | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0]! : raw;
  if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) throw badRequest('Idempotency-Key', 'must be 1 to 255 visible ASCII characters (a UUID is a good choice)');
  return key;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Runs `work` at most once per Idempotency-Key (when the request has one) and sends its answer. */
export async function idempotent(pool: pg.Pool, req: FastifyRequest, reply: FastifyReply, scope: string, now: Date, work: () => Promise<StoredAnswer>): Promise<FastifyReply> {
  const key = keyOf(req);
  if (key === undefined) {
    const a = await work();
    return reply.status(a.status).send(a.body);
  }
  const hash = createHash('sha256').update(canonical(req.body ?? null)).digest('hex');
  const lockUntil = new Date(now.getTime() + LOCK_MS);
  const claimed = await pool.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at, locked_until) VALUES ($1, $2, $3, 'in_progress', $4, $5)
     ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
    [scope, key, hash, now, lockUntil],
  );
  if (claimed.rowCount === 0) {
    const { rows } = await pool.query('SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
    const row = rows[0];
    if (!row) throw new Problem(409, 'idempotency-key-in-use', 'Conflict', 'a request with this Idempotency-Key is being handled; retry in a moment');
    if (row.request_hash !== hash) throw new Problem(422, 'idempotency-key-reused', 'Idempotency-Key reused', 'this Idempotency-Key was used with a different request body; use a new key for a new request');
    if (row.status === 'done') {
      return reply.status(row.response_status).header('idempotent-replayed', 'true').send(row.response_body);
    }
    // In progress: refuse while its lock holds; take it over once the first request is gone.
    const taken = await pool.query(`UPDATE idempotency_keys SET locked_until = $3 WHERE scope = $1 AND key = $2 AND status = 'in_progress' AND locked_until < $4 RETURNING key`, [scope, key, lockUntil, now]);
    if (taken.rowCount === 0) throw new Problem(409, 'idempotency-key-in-use', 'Conflict', 'a request with this Idempotency-Key is being handled; retry in a moment');
  }
  let answer: StoredAnswer;
  try {
    answer = await work();
  } catch (err) {
    const status = err instanceof Problem ? err.status : 500;
    if (status >= 500 || !(err instanceof Problem)) {
      await pool.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status = 'in_progress'`, [scope, key]);
    } else {
      const body = { type: `urn:zfb:problem:${err.slug}`, title: err.title, status: err.status, detail: err.detail, ...err.extra };
      await pool.query(`UPDATE idempotency_keys SET status = 'done', response_status = $3, response_body = $4 WHERE scope = $1 AND key = $2`, [scope, key, status, JSON.stringify(body)]);
    }
    throw err;
  }
  if (answer.status >= 500) {
    await pool.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status = 'in_progress'`, [scope, key]);
  } else {
    await pool.query(`UPDATE idempotency_keys SET status = 'done', response_status = $3, response_body = $4 WHERE scope = $1 AND key = $2`, [scope, key, answer.status, JSON.stringify(answer.body)]);
  }
  return reply.status(answer.status).send(answer.body);
}
