import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractSignedContent } from './extract.js';

const M = 'alipay.trade.query';
const cut = (body: string) => extractSignedContent(body, M).content;

test('cuts the node text exactly, with braces and quotes inside strings', () => {
  const node = '{"code":"10000","msg":"Success","a":"}{\\"}","b":{"c":[{"d":"x"}]},"e":"\\\\"}';
  assert.equal(cut(`{"alipay_trade_query_response":${node},"sign":"abc"}`), node);
  assert.equal(cut(`{"alipay_trade_query_response" : ${node} ,"alipay_cert_sn":"x","sign":"abc"}`), node);
  assert.equal(cut(`{"sign":"abc","alipay_trade_query_response":${node}}`), node);
});

test('even runs of backslashes before a quote end the string', () => {
  const node = '{"a":"x\\\\\\\\","b":"}"}';
  assert.equal(cut(`{"alipay_trade_query_response":${node},"sign":"s"}`), node);
});

test('a key named like the node inside a value does not confuse it', () => {
  const node = '{"code":"10000","note":"alipay_trade_query_response"}';
  assert.equal(cut(`{"alipay_trade_query_response":${node},"sign":"s"}`), node);
});

test('falls back to error_response', () => {
  const r = extractSignedContent('{"error_response":{"code":"40002","sub_code":"isv.code-invalid"},"sign":"s"}', M);
  assert.equal(r.rootKey, 'error_response');
  assert.equal(r.content, '{"code":"40002","sub_code":"isv.code-invalid"}');
});

test('encrypted node: the quoted ciphertext, quotes included', () => {
  const r = extractSignedContent('{"alipay_trade_query_response" : "4AOY/HE0r+==" ,"sign":"s"}', M);
  assert.equal(r.content, '"4AOY/HE0r+=="');
  assert.equal(r.encrypted, true);
});

test('refuses a duplicated node (injection) and unclosed or missing nodes', () => {
  assert.throws(() => cut('{"alipay_trade_query_response":{"code":"10000"},"sign":"s","alipay_trade_query_response":{"code":"10000","x":1}}'), /appears twice/);
  assert.throws(() => cut('{"alipay_trade_query_response":{"code":"10000"'), /not closed/);
  assert.throws(() => cut('{"other_response":{}}'), /neither/);
});
