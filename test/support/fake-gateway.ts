/**
 * A loopback HTTP gateway for client tests: records every request (query and form merged, its
 * signature checked against the test app key) and answers with whatever the test's responder
 * returns, by default a signed `{"code":"10000","msg":"Success"}` under the method's node.
 */
import { createServer } from 'node:http';
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { AlipayClient, type AlipayClientOptions } from '../../src/alipay/index.js';
import { parseForm } from '../../src/alipay/form.js';
import { requestSignContent } from '../../src/alipay/sign/content.js';
import { verifyText } from '../../src/alipay/sign/rsa.js';
import { alipayKeys, appKeys } from './keys.js';
import { signedResponse } from './alipay-signing.js';

export const TEST_APP_ID = '2021000123456789';

export type Responder = (params: Record<string, string>) => string;

export interface FakeGateway {
  /** http://127.0.0.1:<port>/gateway.do */
  url: string;
  /** Every request received, in order. */
  requests: Record<string, string>[];
  /** What the next requests are answered with. */
  respond(responder: Responder): void;
  /** A client configured for this gateway with the test keys. */
  client(extra?: Partial<AlipayClientOptions>): AlipayClient;
  close(): Promise<void>;
}

/** A signed success node for the request's method, with `fields` after code and msg. */
export function success(fields: Record<string, unknown> = {}): Responder {
  return (params) => signedResponse(params.method ?? '', { code: '10000', msg: 'Success', ...fields }, alipayKeys.privateKey);
}

/** `appPublicKey`: the key requests are checked with (default: the test app key). */
export async function startGateway(appPublicKey: KeyObject = appKeys.publicKey): Promise<FakeGateway> {
  const requests: Record<string, string>[] = [];
  let responder: Responder = success();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const query = parseForm(new URL(req.url ?? '/', 'http://x').search.slice(1)).params;
      const params = { ...query, ...parseForm(Buffer.concat(chunks)).params };
      requests.push(params);
      const signed = typeof params.sign === 'string' && verifyText(requestSignContent(params), params.sign, appPublicKey, 'RSA2');
      res.setHeader('content-type', 'text/html;charset=utf-8');
      // A request the gateway could not verify gets no success: the test sees a failure.
      res.end(signed ? responder(params) : '{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature"}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
  return {
    url,
    requests,
    respond: (r) => {
      responder = r;
    },
    client: (extra = {}) => new AlipayClient({ appId: TEST_APP_ID, privateKey: appKeys.pkcs1, alipayPublicKey: alipayKeys.spki, gateway: url, ...extra }),
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** How many times an offlineClient's fetch was called (tests assert it stays 0). */
export const offline = { fetchCalls: 0 };

/**
 * A client whose fetch counts the call and throws: for checking that nothing reaches the network.
 * (The client wraps the throw in a transport error, so a test expecting a validation error fails too.)
 */
export function offlineClient(extra: Partial<AlipayClientOptions> = {}): AlipayClient {
  return new AlipayClient({
    appId: TEST_APP_ID,
    privateKey: appKeys.pkcs1,
    alipayPublicKey: alipayKeys.spki,
    gateway: 'http://127.0.0.1:9/gateway.do',
    fetch: () => {
      offline.fetchCalls++;
      throw new Error('fetch was called: validation should have stopped this call before the network');
    },
    ...extra,
  });
}
