/**
 * The one place where a zod failure becomes an AlipayValidationError: every issue gets a dotted
 * path that names the field as it goes on the wire (`biz_content.total_amount`, `grant_type`) and
 * an `expected` text a person can act on. Field schemas in fields.ts carry their own wording;
 * the error map below words the generic checks (required, length, enum, type) the same way.
 */
import { z } from 'zod';
import { AlipayValidationError } from '../errors.js';

type Issue = z.core.$ZodRawIssue;

/** A short rendering of what the caller passed, for "…, got X". */
export function shown(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input.length > 80 ? `${input.slice(0, 77)}...` : input);
  if (typeof input === 'number' || typeof input === 'boolean' || typeof input === 'bigint') return String(input);
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : typeof input;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

/** Wording for the checks that field schemas do not word themselves. */
function genericMessage(iss: Issue): string {
  switch (iss.code) {
    case 'invalid_type': {
      const want = iss.expected === 'int' ? 'whole number' : String(iss.expected);
      return iss.input === undefined ? `required (${article(want)})` : `${article(want)}, got ${shown(iss.input)}`;
    }
    case 'too_big':
      if (iss.origin === 'string') return `at most ${String(iss.maximum)} characters, got ${String((iss.input as string).length)}`;
      if (iss.origin === 'array') return `at most ${String(iss.maximum)} items`;
      return `at most ${String(iss.maximum)}, got ${shown(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'string') return Number(iss.minimum) <= 1 ? 'a non-empty string' : `at least ${String(iss.minimum)} characters`;
      if (iss.origin === 'array') return `at least ${String(iss.minimum)} item${Number(iss.minimum) === 1 ? '' : 's'}`;
      return `at least ${String(iss.minimum)}, got ${shown(iss.input)}`;
    case 'invalid_value':
      return `${iss.values.length === 1 ? '' : 'one of '}${iss.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${shown(iss.input)}`;
    case 'invalid_union': {
      const options = (iss as { options?: unknown[] }).options;
      return options ? `one of ${options.map((v) => JSON.stringify(v)).join(' | ')}, got ${shown(iss.input)}` : `a valid value, got ${shown(iss.input)}`;
    }
    case 'invalid_format':
      return `a string matching ${iss.pattern ?? iss.format}, got ${shown(iss.input)}`;
    default:
      return `a valid value, got ${shown(iss.input)}`;
  }
}

/**
 * Parses `input` with `schema` and returns the parsed value (defaults applied, unknown fields
 * kept where the schema allows them), or throws AlipayValidationError naming every field at fault.
 * `prefix` is where the input goes on the wire: 'biz_content', or '' for top-level parameters.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(input, { error: genericMessage });
  if (result.success) return result.data;
  const issues: { field: string; expected: string }[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: dotted(prefix, [...path, key]), expected: 'not a parameter of this method' });
    } else {
      issues.push({ field: dotted(prefix, path), expected: issue.message });
    }
  }
  const first = issues[0] ?? { field: prefix || 'input', expected: 'valid input' };
  throw new AlipayValidationError(first.field, first.expected, issues);
}

function dotted(prefix: string, path: string[]): string {
  const parts = prefix ? [prefix, ...path] : path;
  return parts.length > 0 ? parts.join('.') : 'input';
}
