/**
 * Cuts the signed text out of a raw gateway body, exactly as Alipay's Java SDK does
 * (AlipaySignature.extractSignContent, alipay-protocol.md §2.2): find `"<method>_response"` (else
 * `"error_response"`), skip to the first `{` or `"`, then
 *  - `{`: walk to the matching `}`, ignoring braces inside strings; a quote toggles "in string"
 *    only when preceded by an even number of backslashes;
 *  - `"` (an AES response): up to the next quote, quotes included.
 * If the root node appears again after the cut, the body is refused: that is the duplicate-node
 * injection where a forged node is appended after a genuine signed one.
 */
import { AlipaySignatureError } from '../errors.js';

export interface Extracted {
  /** The response node's key: `<method>_response` or `error_response`. */
  rootKey: string;
  /** The exact signed text: the node's value as it appears in the body. */
  content: string;
  /** True when the node's value is a JSON string (AES-encrypted response). */
  encrypted: boolean;
}

export function responseKeyOf(method: string): string {
  return `${method.replace(/\./g, '_')}_response`;
}

function findNode(body: string, key: string): number {
  const needle = `"${key}"`;
  let i = body.indexOf(needle);
  while (i >= 0) {
    // Accept the key only where a colon follows (whitespace allowed): not inside a value.
    let j = i + needle.length;
    while (j < body.length && isSpace(body.charCodeAt(j))) j++;
    if (body[j] === ':') return j + 1;
    i = body.indexOf(needle, i + 1);
  }
  return -1;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

export function extractSignedContent(body: string, method: string): Extracted {
  let rootKey = responseKeyOf(method);
  let from = findNode(body, rootKey);
  if (from < 0) {
    rootKey = 'error_response';
    from = findNode(body, rootKey);
  }
  if (from < 0) {
    throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `the response has neither "${responseKeyOf(method)}" nor "error_response"`);
  }
  let start = from;
  while (start < body.length && body[start] !== '{' && body[start] !== '"') start++;
  if (start >= body.length) throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `"${rootKey}" has no object or string value`);

  let end: number;
  const encrypted = body[start] === '"';
  if (encrypted) {
    const close = body.indexOf('"', start + 1);
    if (close < 0) throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `"${rootKey}" string is not closed`);
    end = close + 1;
  } else {
    end = walkObject(body, start);
  }
  if (body.indexOf(`"${rootKey}"`, end) >= 0) {
    throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', `"${rootKey}" appears twice in the response: refusing a possibly injected node`);
  }
  return { rootKey, content: body.slice(start, end), encrypted };
}

/** Index just past the `}` that closes the object opening at `start`. */
function walkObject(body: string, start: number): number {
  let depth = 0;
  let inString = false;
  let backslashes = 0;
  for (let i = start; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      backslashes++;
      continue;
    }
    if (c === 0x22 /* " */ && backslashes % 2 === 0) inString = !inString;
    else if (!inString) {
      if (c === 0x7b /* { */) depth++;
      else if (c === 0x7d /* } */ && --depth === 0) return i + 1;
    }
    backslashes = 0;
  }
  throw new AlipaySignatureError('ERR_RESPONSE_MALFORMED', 'the response node is not closed');
}
