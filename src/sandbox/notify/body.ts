/**
 * One send of a notify: the stored parameters plus a fresh notify_time, signed the V1 way
 * (alipay-protocol.md §3.3, §8: `sign` and `sign_type` are sent but left out of the signed text,
 * empty values dropped, keys sorted, raw values joined) over the bytes of the trade's charset, and
 * percent-encoded in that charset (§1.4): a GBK notify's escapes are GBK bytes.
 */
import type { KeyObject } from 'node:crypto';
import { encodeForm, type Charset } from '../../alipay/charset.js';
import { notifySignContent } from '../../alipay/sign/content.js';
import { isSignType, signText, type SignType } from '../../alipay/sign/rsa.js';
import { formatAlipayTime } from '../../alipay/time.js';

export interface SignedNotify {
  /** The form body, ASCII only (every other byte is a %XX escape). */
  body: string;
  /** Every parameter sent, sign included. */
  params: Record<string, string>;
  notifyTime: string;
}

export function signNotify(stored: Readonly<Record<string, string>>, o: { key: KeyObject; charset: Charset; now: Date }): SignedNotify {
  const notifyTime = formatAlipayTime(o.now);
  const signType: SignType = isSignType(stored.sign_type) ? stored.sign_type : 'RSA2';
  const { notify_time: _old, sign: _oldSign, ...rest } = stored;
  const params: Record<string, string> = { notify_time: notifyTime, ...rest, sign_type: signType };
  params.sign = signText(notifySignContent(params), o.key, signType, o.charset);
  return { body: encodeForm(params, o.charset), params, notifyTime };
}
