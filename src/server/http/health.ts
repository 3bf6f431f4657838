/** /healthz (the process answers), /readyz (the database answers), /metrics (Prometheus text). */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await ctx.pool.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database unavailable' });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const orders = await ctx.pool.query('SELECT status, count(*)::int AS n FROM orders GROUP BY status');
    const jobs = await ctx.pool.query(`SELECT kind, count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL)::int AS pending, count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS failed FROM jobs GROUP BY kind`);
    const notifies = await ctx.pool.query('SELECT coalesce(outcome, \'unprocessed\') AS outcome, count(*)::int AS n FROM notifies GROUP BY 1');
    const lines = [
      '# HELP zfb_orders Orders by status.',
      '# TYPE zfb_orders gauge',
      ...orders.rows.map((r) => `zfb_orders{status="${r.status}"} ${r.n}`),
      '# HELP zfb_jobs_pending Durable jobs not yet done, by kind.',
      '# TYPE zfb_jobs_pending gauge',
      ...jobs.rows.map((r) => `zfb_jobs_pending{kind="${r.kind}"} ${r.pending}`),
      '# HELP zfb_jobs_failed Durable jobs that gave up, by kind.',
      '# TYPE zfb_jobs_failed gauge',
      ...jobs.rows.map((r) => `zfb_jobs_failed{kind="${r.kind}"} ${r.failed}`),
      '# HELP zfb_notifies Async notifies received, by outcome.',
      '# TYPE zfb_notifies gauge',
      ...notifies.rows.map((r) => `zfb_notifies{outcome="${r.outcome}"} ${r.n}`),
    ];
    return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
  });
}
