/**
 * Errors of the admin API as RFC 9457 problem details (`application/problem+json`): `type`,
 * `title`, `status`, `detail`, plus `field` (the body member, query parameter or path segment at
 * fault) and, for a refusal by the ledger, `code` (Alipay's sub_code, e.g.
 * ACQ.BUYER_BALANCE_NOT_ENOUGH). A client's mistake is always a 4xx: 400 bad input, 404 an
 * unknown id in the path, 405 a method the path does not take, 409 the state forbids it.
 */
import type { SandboxResponse } from '../http/router.js';

export type ProblemKind = 'invalid-input' | 'not-found' | 'method-not-allowed' | 'conflict' | 'unavailable' | 'internal';

const TITLES: Record<ProblemKind, { status: number; title: string }> = {
  'invalid-input': { status: 400, title: 'The request is not valid' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The resource is not in a state that allows this' },
  unavailable: { status: 503, title: 'Not available in this sandbox' },
  internal: { status: 500, title: 'Sandbox error' },
};

/** A problem an admin handler throws; the admin router turns it into the response. */
export class AdminProblem extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extra: { field?: string; code?: string; allow?: string[] } = {},
  ) {
    super(detail);
    this.status = TITLES[kind].status;
    this.title = TITLES[kind].title;
  }

  toResponse(): SandboxResponse {
    const body: Record<string, unknown> = {
      type: `urn:zfb:sandbox:problem:${this.kind}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
    };
    if (this.extra.field !== undefined) body.field = this.extra.field;
    if (this.extra.code !== undefined) body.code = this.extra.code;
    const headers: Record<string, string> = { 'content-type': 'application/problem+json; charset=utf-8' };
    if (this.extra.allow) headers.allow = this.extra.allow.join(', ');
    return { status: this.status, headers, body: JSON.stringify(body, null, 2) };
  }
}

export const invalid = (field: string, detail: string) => new AdminProblem('invalid-input', `${field}: ${detail}`, { field });
export const notFound = (field: string, detail: string) => new AdminProblem('not-found', detail, { field });
export const conflict = (detail: string, extra: { field?: string; code?: string } = {}) => new AdminProblem('conflict', detail, extra);
