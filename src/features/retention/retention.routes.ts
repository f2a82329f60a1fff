/**
 * issue10-E: retention for administrators: what is due for review or deletion under each record
 * type's rule, decisions, deleting the approved records, and legal holds. Changing anything here is a
 * sensitive action (`recentAuth`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, list, str } from '../../platform/http/forms.js';
import { recordAudit } from '../../platform/audit.js';
import { uuidParam } from '../../platform/http/params.js';
import { notFound, toErrorList } from '../../platform/http/errors.js';
import { parseDateParts } from '../../domain/dates.js';
import { DELETABLE_RECORD_TYPES, RECORD_TYPE_INFO, describeRule, recordTypeFromSlug, type RetentionRecordType } from '../../domain/retention.js';
import { LIST_LIMIT, RetentionService, type ListFilter } from './retention.service.js';

const FILTERS: { value: ListFilter; text: string }[] = [
  { value: 'waiting', text: 'Waiting for a decision' },
  { value: 'approved', text: 'Approved for deletion' },
  { value: 'kept', text: 'Kept for longer' },
  { value: 'deleted', text: 'Deleted' },
];

export function retentionRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new RetentionService(ctx);
  const read = { access: { roles: CAN.administer } };
  const change = { access: { roles: CAN.administer }, recentAuth: true };

  const typeParam = (request: FastifyRequest): RetentionRecordType => {
    const t = recordTypeFromSlug((request.params as Record<string, string>).type ?? '');
    if (!t) throw notFound();
    return t;
  };

  app.get('/admin/retention', { config: read }, async (request, reply) => {
    const overview = await service.overview(request.principal!);
    return reply.view('retention/views/overview.njk', { title: 'Retention', overview });
  });

  app.post('/admin/retention/run', { config: change }, async (request, reply) => {
    const r = await service.review(request.principal!.authorityId);
    request.session.flash = { heading: 'Retention review finished', text: `${r.listed} ${r.listed === 1 ? 'record has' : 'records have'} reached the review date; ${r.due} ${r.due === 1 ? 'is' : 'are'} past the disposal date.` };
    return reply.redirect('/admin/retention', 303);
  });

  app.get('/admin/retention/holds', { config: read }, async (request, reply) => holdsPage(request, reply, {}));

  const holdsPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>) => {
    const holds = await service.holds(request.principal!, auditContext(request));
    if ((extra.errors as unknown[] | undefined)?.length && reply.statusCode < 400) reply.code(400);
    return reply.view('retention/views/holds.njk', { title: 'Legal holds', holds, values: {}, ...extra });
  };

  // Finding by reference or NHS number keeps identifiers out of the address bar.
  app.post('/admin/retention/holds/find', { config: read }, async (request, reply) => {
    const q = str(bodyOf(request).query);
    if (!q) return holdsPage(request, reply, { errors: [{ text: 'Enter a reference or an NHS number', href: '#query' }], values: { query: q } });
    const p = request.principal!;
    const found = await ctx.db.transaction().execute(async (tx) => {
      const f = await service.find(tx, p.authorityId, q);
      if (f?.people.length) {
        await recordAudit(tx, auditContext(request), { action: 'retention.people-found', personIds: f.people.map((x) => x.id), details: { by: f.record ? 'reference' : 'nhs-number', found: f.people.length } });
      }
      return f;
    });
    if (!found) {
      reply.code(404);
      return holdsPage(request, reply, { errors: [{ text: 'Nothing in your authority has that reference or NHS number', href: '#query' }], values: { query: q }, searched: true });
    }
    return holdsPage(request, reply, { found, values: { query: q } });
  });

  app.post('/admin/retention/holds', { config: change }, async (request, reply) => {
    const body = bodyOf(request);
    const [subjectType, subjectId] = str(body.subject).split(':');
    const reason = str(body.reason);
    const values = { subject: str(body.subject), reason, query: str(body.query) };
    if (!subjectType || !subjectId || !/^[0-9a-f-]{36}$/.test(subjectId)) {
      return holdsPage(request, reply, { errors: [{ text: 'Find the record first, then select the record or the person to put on hold', href: '#query' }], values });
    }
    const result = await service.placeHold(request.principal!, { subjectType, subjectId, reason }, auditContext(request));
    if (result.errors.length) {
      const found = values.query ? await service.find(ctx.db, request.principal!.authorityId, values.query) : null;
      return holdsPage(request, reply, { errors: toErrorList(result.errors), values, found });
    }
    request.session.flash = { heading: 'Legal hold placed', text: 'Nothing it covers will be deleted until the hold is released.' };
    return reply.redirect('/admin/retention/holds', 303);
  });

  app.get('/admin/retention/holds/:id/release', { config: read }, async (request, reply) => {
    const hold = await service.getHold(request.principal!, uuidParam(request));
    return reply.view('retention/views/release.njk', { title: 'Release a legal hold', hold, values: {} });
  });

  app.post('/admin/retention/holds/:id/release', { config: change }, async (request, reply) => {
    const id = uuidParam(request);
    const reason = str(bodyOf(request).reason);
    const result = await service.releaseHold(request.principal!, id, reason, auditContext(request));
    if (result.errors.length) {
      reply.code(400);
      return reply.view('retention/views/release.njk', { title: 'Release a legal hold', hold: await service.getHold(request.principal!, id), values: { reason }, errors: toErrorList(result.errors) });
    }
    request.session.flash = { heading: 'Legal hold released', text: 'What it covered can be deleted again when it is due and approved.' };
    return reply.redirect('/admin/retention/holds', 303);
  });

  app.get('/admin/retention/delete', { config: read }, async (request, reply) => {
    return reply.view('retention/views/delete.njk', { title: 'Delete approved records', ...(await planView(request)) });
  });

  const planView = async (request: FastifyRequest) => {
    const plan = await service.deletionPlan(request.principal!);
    const rows = DELETABLE_RECORD_TYPES.filter((t) => plan.eligible.has(t)).map((t) => ({ label: RECORD_TYPE_INFO[t].label, n: plan.eligible.get(t)!.length }));
    return { rows, total: rows.reduce((n, r) => n + r.n, 0), held: plan.held, open: plan.open, notDue: plan.notDue };
  };

  app.post('/admin/retention/delete', { config: change }, async (request, reply) => {
    if (str(bodyOf(request).confirm) !== 'yes') {
      reply.code(400);
      return reply.view('retention/views/delete.njk', { title: 'Delete approved records', ...(await planView(request)), errors: [{ text: 'Confirm that you have reviewed these records and they can be deleted', href: '#confirm' }] });
    }
    const r = await service.erase(request.principal!, auditContext(request));
    const n = Object.values(r.records).reduce((a, b) => a + (b ?? 0), 0);
    request.session.flash = n
      ? { heading: 'Personal data deleted', text: `${n} ${n === 1 ? 'record' : 'records'} and ${r.people} ${r.people === 1 ? 'person’s record' : 'people’s records'} no longer hold personal data. The anonymous figures are kept.` }
      : { heading: 'Nothing was deleted', text: 'No approved record is past its disposal date without a hold.' };
    return reply.redirect('/admin/retention', 303);
  });

  app.get('/admin/retention/reviews/:id', { config: read }, async (request, reply) => reviewPage(request, reply, {}));

  const reviewPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>) => {
    const row = await service.getReview(request.principal!, uuidParam(request));
    const type = row.record_type as RetentionRecordType;
    const rule = service.rules(request.principal!.authorityId)[type];
    if ((extra.errors as unknown[] | undefined)?.length) reply.code(400);
    return reply.view('retention/views/review.njk', { title: `Review ${row.label}`, row, info: RECORD_TYPE_INFO[type], rule, described: describeRule(type, rule), values: {}, ...extra });
  };

  app.post('/admin/retention/reviews/:id', { config: change }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const decision = str(body.decision);
    const reason = str(body.reason);
    const values = { decision, reason, 'keep-until-day': str(body['keep-until-day']), 'keep-until-month': str(body['keep-until-month']), 'keep-until-year': str(body['keep-until-year']) };
    let keepUntil: string | null = null;
    const errors: { field: string; message: string }[] = [];
    if (decision === 'keep' && (values['keep-until-day'] || values['keep-until-month'] || values['keep-until-year'])) {
      const d = parseDateParts({ day: values['keep-until-day'], month: values['keep-until-month'], year: values['keep-until-year'] }, { label: 'the date to keep the record until' });
      if (d.ok) keepUntil = d.date;
      else errors.push({ field: `keep-until-${d.field === 'all' ? 'day' : d.field}`, message: d.message });
    }
    const result = errors.length ? { errors } : await service.decide(request.principal!, id, { decision, keepUntil, reason }, auditContext(request));
    if (result.errors.length) return reviewPage(request, reply, { values, errors: toErrorList(result.errors) });
    const row = await service.getReview(request.principal!, id);
    request.session.flash = { heading: decision === 'keep' ? 'Decision recorded: keep' : 'Approved for deletion', text: decision === 'keep' ? `${row.label} will be kept and listed again for review then.` : `${row.label} will be deleted with the other approved records.` };
    return reply.redirect(`/admin/retention/${RECORD_TYPE_INFO[row.record_type as RetentionRecordType].slug}`, 303);
  });

  const listPage = async (request: FastifyRequest, reply: FastifyReply, type: RetentionRecordType, filter: ListFilter, extra: Record<string, unknown> = {}) => {
    const { rows, capped } = await service.list(request.principal!, type, filter);
    const rule = service.rules(request.principal!.authorityId)[type];
    if ((extra.errors as unknown[] | undefined)?.length) reply.code(400);
    return reply.view('retention/views/list.njk', {
      title: RECORD_TYPE_INFO[type].label, type, info: RECORD_TYPE_INFO[type], rule, described: describeRule(type, rule), rows, capped, limit: LIST_LIMIT, filter,
      filters: FILTERS.map((f) => ({ ...f, href: `/admin/retention/${RECORD_TYPE_INFO[type].slug}?show=${f.value}`, current: f.value === filter })),
      ...extra,
    });
  };

  app.get('/admin/retention/:type', { config: read }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const filter = (FILTERS.find((f) => f.value === str(q.show))?.value ?? 'waiting') as ListFilter;
    return listPage(request, reply, typeParam(request), filter);
  });

  app.post('/admin/retention/:type/approve', { config: change }, async (request, reply) => {
    const type = typeParam(request);
    const ids = list(bodyOf(request).ids).filter((x) => /^[0-9a-f-]{36}$/.test(x));
    if (ids.length === 0) return listPage(request, reply, type, 'waiting', { errors: [{ text: 'Select the records to approve for deletion', href: '#records' }] });
    const n = await service.approveMany(request.principal!, type, ids, auditContext(request));
    request.session.flash = { heading: 'Approved for deletion', text: `${n} ${n === 1 ? 'record' : 'records'} will be deleted when you delete the approved records.` };
    return reply.redirect(`/admin/retention/${RECORD_TYPE_INFO[type].slug}`, 303);
  });
}
