/**
 * Reading what a client sends to the admin API: a JSON object body checked against a zod schema
 * (unknown members refused, so a typo like `balance` for `balanceFen` is an error and not a
 * silent no-op), and query parameters. The first fault becomes a 400 problem naming the field.
 */
import { z } from 'zod';
import type { SandboxRequest } from '../http/router.js';
import { invalid } from './problem.js';

type Issue = z.core.$ZodRawIssue;

function show(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'object') return 'an object';
  return String(input);
}

/** Wording for checks whose schema did not word them itself. */
function wording(iss: Issue): string {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `must be ${iss.expected === 'int' ? 'a whole number' : `a ${String(iss.expected)}`}, got ${show(iss.input)}`;
    case 'invalid_value':
      return `must be ${iss.values.length === 1 ? '' : 'one of '}${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${show(iss.input)}`;
    case 'too_small':
      return iss.origin === 'string' ? 'must not be empty' : `must be at least ${String(iss.minimum)}, got ${show(iss.input)}`;
    case 'too_big':
      return iss.origin === 'string' ? `must be at most ${String(iss.maximum)} characters` : `must be at most ${String(iss.maximum)}, got ${show(iss.input)}`;
    case 'invalid_format':
      return `is not a valid ${iss.format}, got ${show(iss.input)}`;
    default:
      return `is not valid, got ${show(iss.input)}`;
  }
}

/** Parses `value` with `schema` or throws a 400 problem naming the first field at fault. */
export function check<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value, { error: wording });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    throw invalid(join(prefix, [...path, key]), 'is not a field of this request');
  }
  throw invalid(join(prefix, path), issue.message);
}

function join(prefix: string, path: string[]): string {
  const parts = prefix ? [prefix, ...path] : path;
  return parts.length ? parts.join('.') : 'body';
}

/** The body as a JSON object; an empty body is `{}`. */
export function jsonBody(req: SandboxRequest): Record<string, unknown> {
  const text = req.body.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid('body', `is not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('body', `must be a JSON object, got ${show(value)}`);
  return value as Record<string, unknown>;
}

/** Query parameters, refusing ones the route does not know and repeated ones. */
export function query(req: SandboxRequest, allowed: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of req.url.searchParams) {
    if (!allowed.includes(name)) throw invalid(name, `is not a query parameter of this route${allowed.length ? ` (it takes ${allowed.join(', ')})` : ''}`);
    if (out[name] !== undefined) throw invalid(name, 'is given more than once');
    out[name] = value;
  }
  return out;
}

// ── shared field schemas ───────────────────────────────────────────────

/** Money in this API: a whole number of fen, never a float or a string. */
export const fen = z
  .number({ error: (iss) => (iss.input === undefined ? 'is required' : `must be a whole number of fen (integer), got ${show(iss.input)}`) })
  .refine((n) => Number.isSafeInteger(n), { message: 'must be a whole number of fen (integer), not a fraction' })
  .refine((n) => n >= 0, { message: 'must be 0 or more' });

export const httpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an absolute http:// or https:// URL' },
);
