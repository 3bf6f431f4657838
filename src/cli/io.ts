/**
 * Reading the files and stdin a command is given, with one-sentence errors (no stack, no content),
 * and loading keys from files so that a key in the wrong place is named by its flag and path.
 */
import { readFile } from 'node:fs/promises';
import { parseAnyKey, parsePrivateKey, parsePublicKey, type ParsedKey } from '../alipay/keys/parse.js';
import { CliError } from './errors.js';

const WHY: Record<string, string> = {
  ENOENT: 'there is no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/** Reads a whole file; `flag` is the option it came from, for the message. */
export async function readInputFile(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new CliError(`cannot read ${flag} ${path}: ${WHY[code] ?? `error ${code || 'unknown'}`}`);
  }
}

export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The field name src/alipay puts in front of its key errors: the flag and the file. */
const field = (flag: string, path: string) => `${flag} ${path}`;

export async function loadPrivateKey(path: string, flag: string): Promise<ParsedKey> {
  return parsePrivateKey(await readInputFile(path, flag), field(flag, path));
}

export async function loadPublicKey(path: string, flag: string): Promise<ParsedKey> {
  return parsePublicKey(await readInputFile(path, flag), field(flag, path));
}

export async function loadAnyKey(path: string, flag: string): Promise<ParsedKey> {
  return parseAnyKey(await readInputFile(path, flag), field(flag, path));
}

const FORMAT_NAME: Record<ParsedKey['format'], string> = {
  pkcs1: 'RSA private key, PKCS#1',
  pkcs8: 'private key, PKCS#8',
  spki: 'public key, SPKI',
  'pkcs1-public': 'RSA public key, PKCS#1',
  x509: 'X.509 certificate',
};

/** "private key, PKCS#8, bare base64, 2048 bits": what a file holds, without any of its content. */
export function describeKey(k: ParsedKey): string {
  return `${FORMAT_NAME[k.format]}, ${k.armour === 'pem' ? 'PEM' : 'bare base64'}, ${k.bits} bits`;
}
