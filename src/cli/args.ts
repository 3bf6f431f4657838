/** `node:util` parseArgs with its errors turned into UsageErrors that name the command. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Config<O extends Options> = { args: string[]; options: O; strict: true; allowPositionals: false };
type Parsed<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O): Parsed<O> {
  try {
    return parseArgs<Config<O>>({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes; their messages are already sentences.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command);
    }
    throw err;
  }
}

/** A required string option. */
export function required(command: string, value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`, command);
  return value;
}

/** A string option restricted to a few values (compared as given). */
export function choice<T extends string>(command: string, value: string | undefined, flag: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, command);
}
