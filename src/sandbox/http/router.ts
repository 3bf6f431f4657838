/**
 * A small router over node:http: each part of the sandbox (gateway, pages, admin API) registers
 * its routes; a handler gets the parsed request and returns what to send. A handler that throws
 * gets a 500 with the error's message (the sandbox must never crash on a request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SandboxRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Path parameters from the route pattern's named groups. */
  params: Record<string, string>;
}

export interface SandboxResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Returning HANG keeps the connection open without answering (the "hang" fault). */
export const HANG = Symbol('hang');

export type Handler = (req: SandboxRequest) => SandboxResponse | typeof HANG | Promise<SandboxResponse | typeof HANG>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export class Router {
  readonly #routes: Route[] = [];

  /** `path` is an exact path or a RegExp with named groups; method '*' matches any. */
  on(method: string, path: string | RegExp, handler: Handler): void {
    const pattern = typeof path === 'string' ? new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : path;
    this.#routes.push({ method, pattern, handler });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      send(res, { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: (err as Error).message });
      return;
    }
    const method = req.method ?? 'GET';
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== '*' && route.method !== method) continue;
      try {
        const out = await route.handler({ method, url, headers: req.headers, body, params: { ...m.groups } });
        if (out === HANG) {
          // Keep the socket open until the client gives up; never answer.
          req.socket.setTimeout(0);
          return;
        }
        send(res, out);
      } catch (err) {
        send(res, { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `sandbox error: ${(err as Error).message}` });
      }
      return;
    }
    send(res, { status: pathMatched ? 405 : 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: pathMatched ? 'method not allowed' : 'not found' });
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, out: SandboxResponse): void {
  res.statusCode = out.status ?? 200;
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  res.end(out.body ?? '');
}

export const html = (body: string, status = 200): SandboxResponse => ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body });
export const json = (value: unknown, status = 200): SandboxResponse => ({ status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value, null, 2) });
export const redirect = (location: string): SandboxResponse => ({ status: 302, headers: { location }, body: '' });
