#!/usr/bin/env node
/**
 * `zfb`: the command line. Each command lives in its own file under commands/ and is loaded only
 * when asked for. Exit status: 0 done, 1 the work failed (a ZfbError from src/alipay, an
 * unreadable file, a verdict of "no"), 2 the command line was wrong. Failures are one sentence
 * on stderr: no stack trace, no key material.
 */
import { ZfbError } from '../alipay/errors.js';
import { CliError, UsageError } from './errors.js';

interface Command {
  help: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  'keys generate': { summary: 'make a new RSA-2048 app key pair', load: () => import('./commands/keys-generate.js') },
  'keys check': { summary: 'say what key files hold and whether a pair matches', load: () => import('./commands/keys-check.js') },
  sign: { summary: 'sign a gateway request offline and print every parameter', load: () => import('./commands/sign.js') },
  'verify-notify': { summary: 'verify an async notify body with the Alipay public key', load: () => import('./commands/verify-notify.js') },
  sandbox: { summary: 'run the offline Alipay: gateway, cashier, notifies, admin API', load: () => import('./commands/sandbox.js') },
  serve: { summary: 'the payment server (arrives in a later version)', load: () => import('./commands/serve.js') },
};

const USAGE = `Usage: zfb <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(15)} ${c.summary}`)
  .join('\n')}

Run \`zfb help <command>\` or \`zfb <command> --help\` for a command's options.
`;

/** Splits argv into a command name and its arguments; `keys` takes a sub-command. */
function resolve(argv: string[]): { name: string; args: string[] } | undefined {
  const [first, second, ...rest] = argv;
  if (first === 'keys') {
    if (second === undefined || second.startsWith('-')) return undefined;
    return { name: `keys ${second}`, args: rest };
  }
  if (first === undefined) return undefined;
  return { name: first, args: argv.slice(1) };
}

async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    return report(err);
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === '--help' || first === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (first === 'help') {
    const topic = argv.slice(1);
    if (topic.length === 0 || (topic.length === 1 && topic[0] === 'keys')) {
      process.stdout.write(USAGE);
      return 0;
    }
    const target = resolve(topic);
    const command = target && COMMANDS[target.name];
    if (!target || !command || target.args.length > 0) throw new UsageError(`no command ${JSON.stringify(topic.join(' '))}`);
    process.stdout.write((await command.load()).help);
    return 0;
  }
  if (first === 'keys' && (argv[1] === '--help' || argv[1] === '-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const target = resolve(argv);
  if (!target) throw new UsageError(first === 'keys' ? 'keys needs a sub-command: generate or check' : 'no command given');
  const command = COMMANDS[target.name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(target.name)}`);
  return (await command.load()).run(target.args);
}

function report(err: unknown): number {
  if (err instanceof UsageError) {
    const helpHint = err.command ? `Run \`zfb help ${err.command}\` for its options.` : '';
    process.stderr.write(`zfb: ${err.message}\n${err.command ? `${helpHint}\n` : `\n${USAGE}`}`);
    return 2;
  }
  if (err instanceof ZfbError || err instanceof CliError) {
    process.stderr.write(`zfb: ${err.message}\n`);
    return 1;
  }
  // Not expected: still one line, and no stack (it could show arguments or file content).
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`zfb: unexpected error (${what})\n`);
  return 1;
}

// `zfb keys generate | head -1`: a reader that hangs up early is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
