import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { toErrorList } from '../../platform/http/errors.js';
import { MashMiService, MI_ROLES, DEFAULT_PERIOD_DAYS } from './mash-mi.js';

const TITLE = 'MASH reports';

/** MASH management information for the signed-in user's own authority: counts and durations only. */
export function mashMiRoutes(app: FastifyInstance, ctx: AppContext) {
  const mi = new MashMiService(ctx);

  app.get('/mash/reports', { config: { access: { roles: MI_ROLES } } }, async (request, reply) => {
    const parsed = mi.parsePeriod(request.query as Record<string, unknown>);
    if (!parsed.ok) {
      reply.code(400);
      return reply.view('mash/views/mash/reports.njk', { title: TITLE, values: parsed.values, errors: toErrorList(parsed.errors), figures: null, defaultDays: DEFAULT_PERIOD_DAYS });
    }
    const figures = await mi.figures(request.principal!, parsed.period);
    return reply.view('mash/views/mash/reports.njk', { title: TITLE, values: parsed.values, figures, defaultDays: DEFAULT_PERIOD_DAYS });
  });
}
