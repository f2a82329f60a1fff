/**
 * issue10-E: subject access requests for administrators: find the person, see what is held, and
 * download it (a JSON file with everything, and a readable HTML summary of the same), with
 * third-party information marked for redaction review. Each download is audited.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { uuidParam } from '../../platform/http/params.js';
import { todayInLondon } from '../../domain/dates.js';
import { REVIEW_CATEGORIES, SECTION_TITLES, SubjectAccessService, sectionCounts } from './subject-access.service.js';

export function subjectAccessRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new SubjectAccessService(ctx);
  const read = { access: { roles: CAN.administer } };
  const download = { access: { roles: CAN.administer }, recentAuth: true };

  const findPage = (reply: FastifyReply, extra: Record<string, unknown>) => {
    if ((extra.errors as unknown[] | undefined)?.length) reply.code(extra.notFound ? 404 : 400);
    return reply.view('subject-access/views/find.njk', { title: 'Subject access requests', values: {}, ...extra });
  };

  app.get('/admin/subject-access', { config: read }, async (_request, reply) => findPage(reply, {}));

  // Finding by reference or NHS number keeps identifiers out of the address bar.
  app.post('/admin/subject-access', { config: read }, async (request, reply) => {
    const q = str(bodyOf(request).query);
    if (!q) return findPage(reply, { errors: [{ text: 'Enter a reference or an NHS number', href: '#query' }], values: { query: q } });
    const found = await service.find(request.principal!, q, auditContext(request));
    if (!found || found.people.length === 0) return findPage(reply, { errors: [{ text: 'Nothing in your authority has that reference or NHS number', href: '#query' }], values: { query: q }, notFound: true });
    return findPage(reply, { found, values: { query: q } });
  });

  app.get('/admin/subject-access/people/:id', { config: read }, async (request, reply) => {
    const bundle = await service.summary(request.principal!, uuidParam(request), auditContext(request));
    const counts = sectionCounts(bundle);
    return reply.view('subject-access/views/person.njk', {
      title: 'Subject access export',
      personId: uuidParam(request),
      bundle,
      counts: Object.entries(counts).map(([key, n]) => ({ key: SECTION_TITLES[key] ?? key, n })),
      categories: Object.entries(REVIEW_CATEGORIES).map(([key, reason]) => ({ key: key[0]!.toUpperCase() + key.slice(1).replace(/-/g, ' '), reason, n: bundle.redactionReview.byCategory[key as keyof typeof REVIEW_CATEGORIES] ?? 0 })),
    });
  });

  const send = async (request: FastifyRequest, reply: FastifyReply, format: 'json' | 'html') => {
    const id = uuidParam(request);
    const { body } = await service.export(request.principal!, id, format, auditContext(request));
    // The file name says what it is, never who: it ends up in a downloads folder.
    const name = `subject-access-${id.slice(0, 8)}-${todayInLondon(ctx.clock.now())}.${format}`;
    return reply
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .type(format === 'json' ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8')
      .send(body);
  };

  app.get('/admin/subject-access/people/:id/export/json', { config: download }, async (request, reply) => send(request, reply, 'json'));
  app.get('/admin/subject-access/people/:id/export/html', { config: download }, async (request, reply) => send(request, reply, 'html'));
}
