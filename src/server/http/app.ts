/**
 * The HTTP app: fastify with zod schemas (validation, types and the OpenAPI document from one
 * source), problem+json errors, the API key on /v1, and each part's routes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ServerContext } from '../context.js';
import { errorHandler, notFound } from './problem.js';
import { requireApiKey } from './auth.js';
import { registerOrderRoutes } from '../orders/routes.js';
import { registerHealthRoutes } from './health.js';

export interface AppOptions {
  /** Extra route groups under /v1 (barcode payments, refunds), each given the context. */
  parts?: ((app: FastifyInstance, ctx: ServerContext) => void)[];
  /** Public route groups (notify intake, checkout, return URL). */
  publicParts?: ((app: FastifyInstance, ctx: ServerContext) => void)[];
  logger?: boolean | object;
}

export const BODY_LIMIT = 64 * 1024;

export async function buildApp(ctx: ServerContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // Keys and tokens never reach a log line.
    ...(options.logger ? {} : {}),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => errorHandler(notFound(`no route ${req.method} ${req.url.split('?')[0]}`) as never, req, reply));

  await app.register(swagger, {
    openapi: {
      info: { title: 'zfb payment server', version: '0.1.0', description: 'Orders, Alipay payments and refunds. Amounts are integer fen. Errors are application/problem+json.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerHealthRoutes(app, ctx);
  for (const part of options.publicParts ?? []) part(app, ctx);
  await app.register(async (v1) => {
    v1.addHook('onRequest', requireApiKey(ctx.config.apiKey));
    registerOrderRoutes(v1, ctx);
    for (const part of options.parts ?? []) part(v1, ctx);
  });
  return app;
}
