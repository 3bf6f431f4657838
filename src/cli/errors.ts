/**
 * The two ways a command fails on its own account (errors from src/alipay are ZfbErrors and are
 * reported by main.ts the same way). Messages are one sentence for a person and never carry key
 * text.
 */

/** The command line itself is wrong: unknown option, missing flag, bad value. Exit status 2. */
export class UsageError extends Error {
  /** The command whose help to point at ('keys generate', 'sign', ...); undefined for zfb itself. */
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command line was fine but the work could not be done (unreadable file, existing file). Exit status 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
