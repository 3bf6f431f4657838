/**
 * `zfb sign`: signs one gateway request offline with AlipayClient.sign() and prints every
 * parameter that would go on the wire, `sign` included. `--explain` also shows the exact string
 * that was signed, to compare with the one in an `isv.invalid-signature` sub_msg.
 *
 * Output (JSON, 2-space indent):
 *   plain       the parameter object: {"method": ..., "app_id": ..., ..., "sign": ...}
 *   --explain   {"params": {...the same object...}, "signContent": "the signed string"}
 */
import { createPublicKey } from 'node:crypto';
import { AlipayClient } from '../../alipay/client.js';
import { AlipayConfigError, AlipayValidationError } from '../../alipay/errors.js';
import { choice, parseCommandArgs, required } from '../args.js';
import { UsageError } from '../errors.js';
import { loadPrivateKey } from '../io.js';

const COMMAND = 'sign';

export const help = `Usage: zfb sign --app-id ID --private-key FILE --method METHOD [options]

Signs one Alipay gateway request offline and prints every request parameter, sign included,
as a JSON object. Nothing is sent.

Options:
  --app-id ID             the app id (digits)
  --private-key FILE      the app private key (应用私钥): PEM or bare base64, PKCS#1 or PKCS#8
  --method METHOD         e.g. alipay.trade.query
  --biz-content JSON      the business parameters, a JSON object; sent and signed exactly as
                          given (byte for byte, no re-serialisation)
  --timestamp TIME        "yyyy-MM-dd HH:mm:ss" (Asia/Shanghai); default now. Fix it to get a
                          reproducible signature.
  --charset utf-8|gbk     the charset whose bytes are signed (default utf-8)
  --sign-type RSA2|RSA    RSA2 = SHA256withRSA (default), RSA = SHA1withRSA
  --param KEY=VALUE       another top-level parameter (notify_url, return_url, app_auth_token,
                          ...); repeat for several. Empty values are left out, as on the wire.
  --explain               print {"params": {...}, "signContent": "..."} instead: the parameters
                          and, separately, the exact string that was signed

Example:
  zfb sign --app-id 2021000123456789 --private-key app-private-key.txt \\
    --method alipay.trade.query --biz-content '{"out_trade_no":"ORDER_1"}' --explain
`;

/** Flags for the client configuration fields, so config errors name what the user typed. */
const FLAG_OF: Record<string, string> = { appId: '--app-id', privateKey: '--private-key', signType: '--sign-type', charset: '--charset' };

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(COMMAND, args, {
    'app-id': { type: 'string' },
    'private-key': { type: 'string' },
    method: { type: 'string' },
    'biz-content': { type: 'string' },
    timestamp: { type: 'string' },
    charset: { type: 'string' },
    'sign-type': { type: 'string' },
    param: { type: 'string', multiple: true },
    explain: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const appId = required(COMMAND, values['app-id'], '--app-id');
  const keyPath = required(COMMAND, values['private-key'], '--private-key');
  const method = required(COMMAND, values.method, '--method');
  const charset = choice(COMMAND, values.charset, '--charset', ['utf-8', 'gbk'] as const, 'utf-8');
  const signType = choice(COMMAND, values['sign-type'], '--sign-type', ['RSA2', 'RSA'] as const, 'RSA2');
  const bizContent = values['biz-content'];
  if (bizContent !== undefined) checkBizContent(bizContent);
  const params = topLevelParams(values.param ?? []);

  const privateKey = (await loadPrivateKey(keyPath, '--private-key')).key;
  // The client wants a key to verify responses with; signing never uses it, so the app's own
  // public key stands in and no Alipay public key is needed to sign.
  const ownPublicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  let client: AlipayClient;
  try {
    client = new AlipayClient({
      appId,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      alipayPublicKey: ownPublicKey,
      signType,
      charset,
    });
  } catch (err) {
    if (err instanceof AlipayConfigError && FLAG_OF[err.field]) {
      throw new AlipayConfigError(FLAG_OF[err.field]!, err.message.slice(err.field.length + 2));
    }
    throw err;
  }
  let signed;
  try {
    signed = client.sign(method, {
      ...(bizContent !== undefined ? { bizContent } : {}),
      ...(values.timestamp !== undefined ? { timestamp: values.timestamp } : {}),
      params,
    });
  } catch (err) {
    // Name the flag the user typed: "timestamp" → "--timestamp", "params.app_id" → "--param app_id".
    if (err instanceof AlipayValidationError && err.issues.length === 1) {
      const flag = err.field.startsWith('params.') ? `--param ${err.field.slice(7)}` : `--${err.field}`;
      throw new AlipayValidationError(flag, err.expected);
    }
    throw err;
  }
  const output = values.explain ? { params: signed.params, signContent: signed.signContent } : signed.params;
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}

function checkBizContent(text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--biz-content is not valid JSON (${(err as Error).message})`, COMMAND);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError('--biz-content must be a JSON object, like {"out_trade_no":"ORDER_1"}', COMMAND);
  }
}

function topLevelParams(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param needs KEY=VALUE, got ${JSON.stringify(pair)}`, COMMAND);
    const key = pair.slice(0, eq);
    if (Object.hasOwn(params, key)) throw new UsageError(`--param ${key} is given twice`, COMMAND);
    params[key] = pair.slice(eq + 1);
  }
  return params;
}
