/**
 * GET /zfb/tradepay.js: the browser helper (src/web/browser/tradepay.ts) as the ES module the
 * package publishes as `zfb/browser`, for the checkout page and for merchants' own pages.
 *
 * `npm start` runs compiled code, so the compiled file sits beside this one's compiled twin.
 * Under the test runner (TypeScript run from source by tsx) there is no compiled file: the
 * source is transpiled once with TypeScript (a devDependency, present wherever tests run).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { HELPER_PATH } from '../../web/checkout/page.js';

let cached: Promise<string> | undefined;

async function load(): Promise<string> {
  const compiled = new URL('../../web/browser/tradepay.js', import.meta.url);
  try {
    return await readFile(compiled, 'utf8');
  } catch {
    const source = await readFile(new URL('../../web/browser/tradepay.ts', import.meta.url), 'utf8');
    const ts = (await import('typescript')).default;
    return ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext } }).outputText;
  }
}

export function registerHelperScript(app: FastifyInstance): void {
  app.get(HELPER_PATH, { schema: { hide: true } }, async (_req, reply) => {
    cached ??= load();
    const body = await cached;
    return reply.header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*').type('application/javascript; charset=utf-8').send(body);
  });
}
