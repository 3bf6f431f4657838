/**
 * `zfb verify-notify`: checks a raw async notify body (application/x-www-form-urlencoded, as
 * Alipay POSTs it) with verifyCallbackParams: the same rule the server applies (sign and
 * sign_type left out, empty values dropped, sorted, sign_type pinned to the one expected).
 *
 * Valid:   exit 0, stdout "valid" then "key: value" lines for the fields a merchant checks.
 * Invalid: exit 1, stdout "invalid: <reason>" and, when the signature was checked, the exact
 *          string that was verified ("signed content: ...").
 */
import { AlipaySignatureError } from '../../alipay/errors.js';
import { verifyCallbackParams } from '../../alipay/notify/verify.js';
import { choice, parseCommandArgs, required } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { loadPublicKey, readInputFile, readStdin } from '../io.js';

const COMMAND = 'verify-notify';

export const help = `Usage: zfb verify-notify --alipay-public-key FILE [--sign-type RSA2|RSA] [--file BODY]

Verifies a raw async notify body (the application/x-www-form-urlencoded text Alipay POSTs to
notify_url), read from --file or, without it, from standard input. A trailing line break (as an
editor leaves it) is ignored; nothing else is changed.

Options:
  --alipay-public-key FILE  the Alipay public key (支付宝公钥) or Alipay's certificate
  --sign-type RSA2|RSA      the algorithm the app is configured for (default RSA2); a notify that
                            claims another sign_type is refused
  --file BODY               the notify body; default: standard input

Prints "valid" and out_trade_no, trade_no, trade_status, total_amount, app_id, seller_id
(exit 0), or "invalid: <reason>" and the exact string that was verified (exit 1). A valid
signature is not the whole check: compare out_trade_no, total_amount, seller_id and app_id
with your own order before fulfilling it.
`;

const SHOWN = ['out_trade_no', 'trade_no', 'trade_status', 'total_amount', 'app_id', 'seller_id'] as const;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(COMMAND, args, {
    'alipay-public-key': { type: 'string' },
    'sign-type': { type: 'string' },
    file: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const keyPath = required(COMMAND, values['alipay-public-key'], '--alipay-public-key');
  const signType = choice(COMMAND, values['sign-type'], '--sign-type', ['RSA2', 'RSA'] as const, 'RSA2');
  if (values.file === undefined && process.stdin.isTTY) {
    throw new UsageError('give the notify body with --file BODY or on standard input', COMMAND);
  }
  const key = (await loadPublicKey(keyPath, '--alipay-public-key')).key;
  const body = trimLineBreak(values.file !== undefined ? await readInputFile(values.file, '--file') : await readStdin());
  if (body.length === 0) {
    throw new CliError(`the notify body ${values.file !== undefined ? `in ${values.file} ` : 'on standard input '}is empty`);
  }

  let params: Record<string, string>;
  try {
    params = verifyCallbackParams(body, { keys: [key], signType });
  } catch (err) {
    if (!(err instanceof AlipaySignatureError)) throw err;
    let out = `invalid: ${err.message}\n`;
    if (err.signedContent !== undefined) out += `signed content: ${err.signedContent}\n`;
    process.stdout.write(out);
    return 1;
  }
  let out = 'valid\n';
  for (const field of SHOWN) {
    const value = params[field];
    if (value !== undefined) out += `${field}: ${value}\n`;
  }
  process.stdout.write(out);
  return 0;
}

/** Drops one trailing LF or CRLF: a real body has none, and a value's own line break is %0A. */
function trimLineBreak(body: Buffer): Buffer {
  let end = body.length;
  if (end > 0 && body[end - 1] === 0x0a) end--;
  if (end > 0 && body[end - 1] === 0x0d) end--;
  return body.subarray(0, end);
}
