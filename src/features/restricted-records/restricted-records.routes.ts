import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { toErrorList } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { GRANT_HOURS, MANAGE_RESTRICTIONS, RestrictedRecordsService, type RestrictionInput } from './restricted-records.service.js';
import { installRestrictedRecordsGuard, RESTRICTED_PROBLEM_PATH } from './restricted-records.guard.js';
import { subjectOfPath } from './subjects.js';

const VIEWS = 'restricted-records/views';

/** Every role that can meet a restricted record somewhere (a partner in a MASH request, an administrator in an audit trail). */
const MAY_OPEN = CAN.everyone;

export function restrictedRecordsRoutes(app: FastifyInstance, ctx: AppContext) {
  installRestrictedRecordsGuard(app, ctx);
  const service = new RestrictedRecordsService(ctx);
  const manage = { access: { roles: MANAGE_RESTRICTIONS }, restrictedRecords: 'manage' as const };

  // ---------------------------------------------------------------------------------------------
  // Break glass
  // ---------------------------------------------------------------------------------------------

  /** The page's address to go back to after opening: only a record page of this service. */
  const nextOf = (v: unknown) => {
    const s = str(v);
    return subjectOfPath(s) ? s : null;
  };

  const renderBreakGlass = async (request: FastifyRequest, reply: FastifyReply, next: string, extra: Record<string, unknown> = {}) => {
    const what = await service.whatToOpen(request.principal!, next);
    if (!what) return null;
    return reply.view(`${VIEWS}/break-glass.njk`, { title: 'Give a reason to open this record', next, references: what.references, hours: GRANT_HOURS, backLink: '/', values: {}, ...extra });
  };

  app.get('/break-glass', { config: { access: { roles: MAY_OPEN }, restrictedRecords: 'manage' } }, async (request, reply) => {
    const next = nextOf((request.query as Record<string, unknown>).next);
    const what = next ? await service.whatToOpen(request.principal!, next) : null;
    if (!next || !what) {
      reply.code(404);
      return reply.view('errors/not-found.njk', { title: 'Page not found' });
    }
    // Nothing here is withheld from them (named, already opened, or the restriction was lifted).
    if (what.restrictionIds.length === 0) return reply.redirect(next);
    return renderBreakGlass(request, reply, next);
  });

  app.post('/break-glass', { config: { access: { roles: MAY_OPEN }, restrictedRecords: 'manage' } }, async (request, reply) => {
    const body = bodyOf(request);
    const next = nextOf(body.next);
    if (!next) {
      reply.code(404);
      return reply.view('errors/not-found.njk', { title: 'Page not found' });
    }
    const result = await service.breakGlass(request.principal!, next, str(body.reason), auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return (await renderBreakGlass(request, reply, next, { errors: toErrorList(result.errors), values: body })) ?? reply.redirect(next);
    }
    if (result.expiresAt) {
      request.session.flash = { heading: 'You have opened a restricted record', text: `Your reason has been recorded and the record’s owner and a manager have been told. You can open it for ${GRANT_HOURS} hours.` };
    }
    return reply.redirect(next);
  });

  // ---------------------------------------------------------------------------------------------
  // Restricting a record (team managers and administrators)
  // ---------------------------------------------------------------------------------------------

  /** After a change: the child's record if this manager may open it now, otherwise the list of restricted records. */
  const backTo = async (request: FastifyRequest, personId: string) => {
    const p = request.principal!;
    if (!CAN.readChildRecords.includes(p.role)) return '/restricted-records';
    return (await service.withheldFor(p)).people.has(personId) ? '/restricted-records' : `/people/${personId}`;
  };

  const inputOf = (body: Record<string, unknown>): RestrictionInput => ({
    scope: str(body.scope),
    namedEmails: typeof body['named-users'] === 'string' ? body['named-users'] : '',
    ownerEmail: str(body.owner),
    reason: typeof body.reason === 'string' ? body.reason : '',
  });

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const id = uuidParam(request);
    const f = await service.formFor(request.principal!, id, auditContext(request));
    const values = f.restriction
      ? { scope: f.restriction.scope, 'named-users': f.named.map((u) => u.email).join('\n'), owner: f.owner?.email ?? '', reason: f.restriction.reason }
      : { scope: '', 'named-users': request.principal!.email ?? '', owner: request.principal!.role === 'team-manager' ? request.principal!.email ?? '' : '', reason: '' };
    return reply.view(`${VIEWS}/restriction-form.njk`, {
      title: f.restriction ? 'Change the restriction' : 'Restrict this record',
      ...f,
      values,
      backLink: CAN.readChildRecords.includes(request.principal!.role) ? `/people/${id}` : '/restricted-records',
      ...extra,
    });
  };

  app.get('/people/:id/restriction', { config: manage }, (request, reply) => renderForm(request, reply));

  app.post('/people/:id/restriction', { config: manage }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request) as Record<string, unknown>;
    const version = str(body.version);
    const input = inputOf(body);
    const result = version
      ? await service.change(request.principal!, id, Number(version), input, auditContext(request))
      : await service.restrict(request.principal!, id, input, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderForm(request, reply, { errors: toErrorList(result.errors), values: body });
    }
    request.session.flash = version
      ? { heading: 'Restriction changed', text: 'The people who may open this record have been updated.' }
      : { heading: 'Record restricted', text: 'Only the people you named can open it now. Anyone else sees that a restricted record exists and must give a reason to open it.' };
    return reply.redirect(await backTo(request, id));
  });

  const renderLift = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const id = uuidParam(request);
    const f = await service.formFor(request.principal!, id, auditContext(request));
    if (!f.restriction) {
      reply.code(404);
      return reply.view('errors/not-found.njk', { title: 'Page not found' });
    }
    return reply.view(`${VIEWS}/lift.njk`, { title: 'Lift the restriction', ...f, backLink: `/people/${id}/restriction`, values: {}, ...extra });
  };

  app.get('/people/:id/restriction/lift', { config: manage }, (request, reply) => renderLift(request, reply));

  app.post('/people/:id/restriction/lift', { config: manage }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await service.lift(request.principal!, id, Number(str(body.version)), typeof body.reason === 'string' ? body.reason : '', auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderLift(request, reply, { errors: toErrorList(result.errors), values: body });
    }
    request.session.flash = { heading: 'Restriction lifted', text: 'Everyone who could open this record before it was restricted can open it again.' };
    return reply.redirect(await backTo(request, id));
  });

  // The authority's restricted records, who may open them and who opened them recently.
  const renderList = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const restrictions = await service.list(request.principal!, auditContext(request));
    return reply.view(`${VIEWS}/list.njk`, { title: 'Restricted records', restrictions, hours: GRANT_HOURS, values: {}, ...extra });
  };

  app.get('/restricted-records', { config: manage }, (request, reply) => renderList(request, reply));

  // An administrator cannot search for children: they find one by the reference on a return or in the audit log.
  app.post('/restricted-records/find', { config: manage }, async (request, reply) => {
    const body = bodyOf(request);
    const raw = str(body.reference);
    const id = raw ? await service.findByReference(request.principal!, raw) : null;
    if (!id) {
      reply.code(400);
      return renderList(request, reply, {
        values: body,
        errors: [{ text: raw ? 'There is no record with that reference in your authority' : 'Enter the record’s reference, like NFK1234', href: '#reference' }],
      });
    }
    return reply.redirect(`/people/${id}/restriction`);
  });

  // The owner or manager told about an opening marks it as checked.
  app.post('/restricted-records/tasks/:id/reviewed', { config: { access: { roles: MAY_OPEN }, restrictedRecords: 'manage' } }, async (request, reply) => {
    await service.reviewed(request.principal!, uuidParam(request), auditContext(request));
    request.session.flash = { heading: 'Marked as checked', text: 'The opening of the restricted record is off your list.' };
    return reply.redirect('/');
  });

  // What the API's "restricted record" problem type means.
  app.get(RESTRICTED_PROBLEM_PATH, { config: { access: { public: true, reason: 'documents an API problem type' } } }, async (_request, reply) =>
    reply.view(`${VIEWS}/problem.njk`, { title: 'Restricted record (API problem)' }),
  );
}
