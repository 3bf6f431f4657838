/**
 * `zfb keys generate`: a new RSA-2048 app key pair laid out the way Alipay's key tool lays it out.
 *
 * The private key defaults to PKCS#8: it is what the Java SDK reads, what the key tool now offers
 * first ("PKCS8(JAVA适用)"), and zfb's client takes PKCS#1 or PKCS#8 alike. `--format pkcs1` gives
 * the other layout (the Python SDK and older tools). The public key is always SPKI, the form the
 * Alipay console asks for. Bare base64 on one line by default, PEM with `--pem`.
 */
import { generateKeyPair } from 'node:crypto';
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toBareBase64, toPem } from '../../alipay/keys/parse.js';
import { choice, parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../errors.js';

const COMMAND = 'keys generate';
const generate = promisify(generateKeyPair);

export const help = `Usage: zfb keys generate [--format pkcs8|pkcs1] [--pem | --bare] [--out DIR]

Generates a new RSA-2048 app key pair (应用私钥 and 应用公钥).

Options:
  --format pkcs8|pkcs1  layout of the private key (default pkcs8: the Java SDK needs it and
                        Alipay's key tool offers it first; zfb accepts either)
  --bare                keys as bare base64 on one line, as Alipay's key tool writes them (default)
  --pem                 keys as PEM, with BEGIN/END lines
  --out DIR             write app-private-key.txt and app-public-key.txt (.pem with --pem) into
                        DIR, creating it if needed; the private key file gets mode 0600.
                        Existing files are never overwritten.
                        Without --out both keys are printed on standard output.

Upload the PUBLIC key to the Alipay console; the private key stays with you.
`;

const ADVICE =
  'Next: upload the PUBLIC key to the Alipay console (开发设置 → 接口加签方式 → 公钥) and keep the private key secret: never commit it, never send it to anyone, Alipay included.';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(COMMAND, args, {
    format: { type: 'string' },
    pem: { type: 'boolean' },
    bare: { type: 'boolean' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const format = choice(COMMAND, values.format, '--format', ['pkcs8', 'pkcs1'] as const, 'pkcs8');
  if (values.pem && values.bare) throw new UsageError('--pem and --bare cannot be used together', COMMAND);
  if (values.out === '') throw new UsageError('--out needs a directory', COMMAND);
  const pem = values.pem === true;

  const { privateKey, publicKey } = await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const privateText = pem ? toPem(privateKey, format) : `${toBareBase64(privateKey, format)}\n`;
  const publicText = pem ? toPem(publicKey, 'spki') : `${toBareBase64(publicKey, 'spki')}\n`;
  const privateLabel = `${format === 'pkcs8' ? 'PKCS#8' : 'PKCS#1'}, ${pem ? 'PEM' : 'bare base64'}`;
  const publicLabel = `SPKI, ${pem ? 'PEM' : 'bare base64'}`;

  if (values.out === undefined) {
    process.stdout.write(
      `App private key (应用私钥, ${privateLabel}): keep it secret\n${privateText}\n` +
        `App public key (应用公钥, ${publicLabel}): upload this one\n${publicText}\n` +
        `${ADVICE}\n`,
    );
    return 0;
  }

  const dir = values.out;
  const ext = pem ? 'pem' : 'txt';
  const privatePath = join(dir, `app-private-key.${ext}`);
  const publicPath = join(dir, `app-public-key.${ext}`);
  await ensureDirectory(dir);
  for (const path of [privatePath, publicPath]) {
    if (await exists(path)) throw new CliError(`refusing to overwrite ${path}: move it away or choose another --out directory`);
  }
  await writeNew(privatePath, privateText, 0o600);
  try {
    await writeNew(publicPath, publicText, 0o644);
  } catch (err) {
    await unlink(privatePath).catch(() => undefined); // leave no half pair behind
    throw err;
  }
  process.stdout.write(
    `Wrote ${privatePath} (app private key, ${privateLabel}, mode 0600)\n` +
      `Wrote ${publicPath} (app public key, ${publicLabel})\n` +
      `${ADVICE}\n`,
  );
  return 0;
}

async function ensureDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new CliError(`--out ${dir} is not a directory`);
    throw new CliError(`cannot create the --out directory ${dir}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `error ${code ?? 'unknown'}`}`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Creates the file; fails rather than replace one that appeared meanwhile. */
async function writeNew(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx', mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`refusing to overwrite ${path}: move it away or choose another --out directory`);
    throw new CliError(`cannot write ${path}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : `error ${code ?? 'unknown'}`}`);
  }
}
