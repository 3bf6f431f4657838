/**
 * `zfb keys check`: what a key file holds (format, armour, size) and whether a private and a public
 * key belong together, by signing a random message with one and verifying it with the other.
 * Prints descriptions only, never key content.
 */
import { randomBytes } from 'node:crypto';
import { signText, verifyText } from '../../alipay/sign/rsa.js';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { describeKey, loadPrivateKey, loadPublicKey } from '../io.js';

const COMMAND = 'keys check';

export const help = `Usage: zfb keys check --private-key FILE [--public-key FILE]

Says what each file holds (PKCS#1 / PKCS#8 private key, SPKI public key or certificate; PEM or
bare base64; size) and, given both, whether they are one pair: a random message is signed with
the private key (RSA2) and verified with the public key. No key content is ever printed.

Options:
  --private-key FILE  the app private key (应用私钥)
  --public-key FILE   a public key or certificate to match against it (应用公钥 / app cert)

Exit status: 0 when the keys are fine (and match), 1 when a file is unreadable or not the
right kind of key, or when the pair does not match.
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(COMMAND, args, {
    'private-key': { type: 'string' },
    'public-key': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const privatePath = values['private-key'];
  const publicPath = values['public-key'];
  if (!privatePath && !publicPath) throw new UsageError('give --private-key FILE, and --public-key FILE to check a pair', COMMAND);

  const out: string[] = [];
  const priv = privatePath ? await loadPrivateKey(privatePath, '--private-key') : undefined;
  if (priv) out.push(`private key ${privatePath}: ${describeKey(priv)}${sizeNote(priv.bits)}`);
  const pub = publicPath ? await loadPublicKey(publicPath, '--public-key') : undefined;
  if (pub) out.push(`public key  ${publicPath}: ${describeKey(pub)}${sizeNote(pub.bits)}`);

  let status = 0;
  if (priv && pub) {
    const message = `zfb keys check ${randomBytes(16).toString('hex')}`;
    const matches = verifyText(message, signText(message, priv.key, 'RSA2'), pub.key, 'RSA2');
    if (matches) {
      out.push('pair: match (a test message signed with the private key verifies with the public key)');
    } else {
      out.push(
        'pair: NO MATCH: the public key does not belong to this private key (is it the Alipay public key 支付宝公钥, or a key from another app?)',
      );
      status = 1;
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return status;
}

function sizeNote(bits: number): string {
  return bits < 2048 ? ' (too small: Alipay expects 2048-bit keys)' : '';
}
