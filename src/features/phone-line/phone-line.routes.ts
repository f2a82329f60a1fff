import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { notFound } from '../../platform/http/errors.js';
import { PhoneLineService } from './phone-line.service.js';

const access = { access: { roles: CAN.checkPhoneLine } };

/** The administrator's phone-line page: set-up, status, checks, "what a caller hears", and versions. */
export function phoneLineRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new PhoneLineService(ctx);

  app.get('/admin/phone-line', { config: access }, async (request, reply) => {
    const overview = await service.overview(request.principal!);
    return reply.view('phone-line/views/overview.njk', { title: 'Phone line', ...overview, values: { line: '' } });
  });

  // A GET form: nothing changes, and nothing personal is asked for, so the answers can sit in the address.
  app.get('/admin/phone-line/check', { config: access }, async (request, reply) => {
    const p = request.principal!;
    const answer = service.check(p, (request.query ?? {}) as Record<string, unknown>);
    const profile = ctx.profiles.get(p.authorityId);
    const base = { title: 'Check what a caller hears', backLink: '/admin/phone-line', values: answer.values, lineItems: service.lineItems(profile, answer.values.line) };
    if (!answer.asked) return reply.view('phone-line/views/check.njk', base);
    if ('result' in answer) return reply.view('phone-line/views/check.njk', { ...base, result: answer.result });
    reply.code(400);
    return reply.view('phone-line/views/check.njk', { ...base, errors: answer.errors, dateError: answer.dateError });
  });

  app.get('/admin/phone-line/versions/:version', { config: access }, async (request, reply) => {
    const raw = (request.params as Record<string, string>).version ?? '';
    if (!/^[1-9]\d{0,8}$/.test(raw)) throw notFound('version');
    const v = await service.version(request.principal!, Number(raw));
    return reply.view('phone-line/views/version.njk', { title: `Phone line profile version ${v.version}`, backLink: '/admin/phone-line#versions', ...v });
  });
}
