/**
 * Errors as `application/problem+json` (RFC 9457) with the field at fault. A client's mistake is
 * a 4xx with a sentence; only our own failures are 500, and they never leak internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (field: string, detail: string) => new Problem(400, 'invalid-request', 'The request is not valid', `${field}: ${detail}`, { field });
export const notFound = (what: string) => new Problem(404, 'not-found', 'Not found', what);
export const conflict = (slug: string, detail: string, extra: Record<string, unknown> = {}) => new Problem(409, slug, 'Conflict', detail, extra);

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply
    .status(p.status)
    .type('application/problem+json')
    .send({ type: `urn:zfb:problem:${p.slug}`, title: p.title, status: p.status, detail: p.detail, ...p.extra });
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof Problem) return sendProblem(reply, error);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0]!;
    const where = error.validationContext ?? 'body';
    const path = (first.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    const field = path ? `${where === 'body' ? '' : `${where}.`}${path}` : where;
    const detail = error.validation.map((v) => `${(v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || where}: ${v.message}`).join('; ');
    return sendProblem(reply, new Problem(400, 'invalid-request', 'The request is not valid', detail, { field }));
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, body too large, wrong content type.
    return sendProblem(reply, new Problem(error.statusCode, 'invalid-request', 'The request is not valid', error.message));
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, new Problem(500, 'internal', 'Internal error', 'something went wrong on our side; the request may be retried with the same Idempotency-Key'));
}
