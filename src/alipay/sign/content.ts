/**
 * The string that gets signed. One rule for requests and one for notifies (alipay-protocol.md
 * §1.2 and §3.3), pinned against the official alipay-sdk in test/interop.
 *
 * Request ("自行实现签名"): every parameter except `sign`; empty values dropped; keys sorted by
 * code unit (all keys are ASCII, so this is byte order); `key=value` joined by `&`; values raw.
 * Notify / return_url (rsaCheckV1): the same, but `sign_type` is dropped too.
 */
export type Params = Readonly<Record<string, string | undefined>>;

function build(params: Params, skipSignType: boolean): string {
  const keys = Object.keys(params).sort();
  let out = '';
  for (const key of keys) {
    if (key === 'sign' || (skipSignType && key === 'sign_type')) continue;
    const value = params[key];
    if (value === undefined || value === '') continue;
    out += out === '' ? `${key}=${value}` : `&${key}=${value}`;
  }
  return out;
}

export function requestSignContent(params: Params): string {
  return build(params, false);
}

export function notifySignContent(params: Params): string {
  return build(params, true);
}
