import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { uuidParam } from '../../platform/http/params.js';
import { toErrorList } from '../../platform/http/errors.js';
import { DEFAULT_PERIOD_DAYS, DisagreementsService, FILTERS, LIST_ROLES, MI_ROLES, RAISE_ROLES, READ_ROLES, type Filter } from './disagreements.service.js';

const REPORTS_TITLE = 'Professional disagreements: figures';

/** Professional disagreements: recording one, answering each stage, the managers' list and the figures. */
export function disagreementsRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new DisagreementsService(ctx);

  app.get('/disagreements', { config: { access: { roles: LIST_ROLES } } }, async (request, reply) => {
    const asked = str((request.query as Record<string, unknown>).status);
    const filter: Filter = FILTERS.some((f) => f.code === asked) ? (asked as Filter) : 'open';
    const list = await service.list(request.principal!, filter, auditContext(request));
    return reply.view('disagreements/views/list.njk', { title: 'Professional disagreements', filter, filters: FILTERS, ...list });
  });

  const reports = async (request: FastifyRequest, reply: FastifyReply, csv: boolean) => {
    const parsed = service.parsePeriod(request.query as Record<string, unknown>);
    if (!parsed.ok) {
      reply.code(400);
      return reply.view('disagreements/views/reports.njk', { title: REPORTS_TITLE, values: parsed.values, errors: toErrorList(parsed.errors), figures: null, defaultDays: DEFAULT_PERIOD_DAYS });
    }
    const figures = await service.figures(request.principal!, parsed.period);
    if (csv) {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="professional-disagreements-${parsed.period.from}-to-${parsed.period.to}.csv"`)
        .send(service.figuresCsv(figures));
    }
    const csvHref = `/disagreements/reports.csv?from=${parsed.period.from}&to=${parsed.period.to}`;
    return reply.view('disagreements/views/reports.njk', { title: REPORTS_TITLE, values: parsed.values, figures, csvHref, defaultDays: DEFAULT_PERIOD_DAYS });
  };
  app.get('/disagreements/reports', { config: { access: { roles: MI_ROLES } } }, (request, reply) => reports(request, reply, false));
  app.get('/disagreements/reports.csv', { config: { access: { roles: MI_ROLES } } }, (request, reply) => reports(request, reply, true));

  const renderDisagreement = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const v = await service.view(request.principal!, uuidParam(request), auditContext(request));
    return reply.view('disagreements/views/disagreement.njk', { title: `Professional disagreement ${v.disagreement.reference}`, ...v, values: {}, ...extra });
  };

  app.get('/disagreements/:id', { config: { access: { roles: READ_ROLES } } }, (request, reply) => renderDisagreement(request, reply));

  app.post('/disagreements/:id/respond', { config: { access: { roles: RAISE_ROLES } } }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const input = { stage: str(body.stage), response: str(body.response), result: str(body.result), agreedOutcome: str(body['agreed-outcome']), nextSteps: str(body['next-steps']) };
    const r = await service.respond(request.principal!, id, input, auditContext(request));
    if (r.ok) {
      const text =
        r.status === 'open'
          ? `The disagreement is escalated to stage ${r.stage}. The next stage's due date is shown below.`
          : r.status === 'resolved'
            ? `The disagreement was resolved at stage ${r.stage} and is closed.`
            : `The disagreement was not resolved at stage ${r.stage} and is closed.`;
      request.session.flash = { heading: `Response recorded for ${r.reference}`, text };
      return reply.redirect(`/disagreements/${id}`);
    }
    if ('conflict' in r) {
      reply.code(409);
      return renderDisagreement(request, reply, { errors: [{ text: r.conflict, href: '#stages' }] });
    }
    reply.code(400);
    return renderDisagreement(request, reply, { errors: toErrorList(r.errors), values: body });
  });

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const form = await service.raiseForm(request.principal!, uuidParam(request));
    return reply.view('disagreements/views/new.njk', {
      title: 'Record a professional disagreement',
      ...form,
      values: { 'caller-name': form.caller?.caller_name ?? '' },
      backLink: `/conversations/${form.conversation.id}`,
      ...extra,
    });
  };

  app.get('/conversations/:id/disagreements/new', { config: { access: { roles: RAISE_ROLES } } }, (request, reply) => renderNew(request, reply));

  app.post('/conversations/:id/disagreements', { config: { access: { roles: RAISE_ROLES } } }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const r = await service.raiseByHand(request.principal!, id, { personId: str(body.person), disagreement: str(body.disagreement), callerName: str(body['caller-name']) }, auditContext(request));
    if (r.ok) {
      request.session.flash = { heading: `Professional disagreement ${r.reference} recorded`, text: 'It is open at stage 1. The due date is shown below.' };
      return reply.redirect(`/disagreements/${r.id}`);
    }
    reply.code(400);
    return renderNew(request, reply, { errors: toErrorList(r.errors), values: body });
  });
}
