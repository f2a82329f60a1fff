import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';

// issue10-B: probes are sessionless (no session row per probe) and not rate limited (load balancers probe often).
export function healthRoutes(app: FastifyInstance, ctx: AppContext) {
  const started = Date.now();
  app.get('/healthz', { config: { access: { public: true, reason: 'liveness probe' }, sessionless: true, rateLimit: false } }, async () => ({
    status: 'ok',
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
  }));
  app.get('/readyz', { config: { access: { public: true, reason: 'readiness probe' }, sessionless: true, rateLimit: false } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(ctx.db);
      return { status: 'ready', database: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'not ready', database: 'unreachable' });
    }
  });
}
