import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str, type FormBody } from '../../platform/http/forms.js';
import { toErrorList } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { formatDateTimeLondon } from '../../domain/dates.js';
import { displayName } from '../../domain/names.js';
import { ALLOCATION_KINDS, ACKNOWLEDGE_ROLES, AllocatedWorkersService, MANAGE_ALLOCATIONS, type AllocationInput } from './allocated-workers.service.js';

const read = { access: { roles: CAN.readChildRecords } };
const manage = { access: { roles: MANAGE_ALLOCATIONS } };
const acknowledge = { access: { roles: ACKNOWLEDGE_ROLES } };

function inputFrom(body: FormBody): AllocationInput {
  return {
    kind: str(body.kind),
    workerName: str(body['worker-name']),
    team: str(body.team),
    phone: str(body.phone),
    email: str(body.email),
    userId: str(body.user),
    start: { day: str(body['start-day']), month: str(body['start-month']), year: str(body['start-year']) },
  };
}

/** Form values from a saved allocation, for the change page. */
function valuesOf(a: { kind: string; worker_name: string; team: string; phone: string; email: string; user_id: string | null; start_date: string }) {
  const [y, m, d] = a.start_date.split('-');
  return { kind: a.kind, 'worker-name': a.worker_name, team: a.team, phone: a.phone, email: a.email, user: a.user_id ?? '', 'start-day': String(Number(d)), 'start-month': String(Number(m)), 'start-year': y };
}

/**
 * A child's allocated worker: the history on the child's record, recording one, correcting their
 * details and ending the allocation; and the worker acknowledging a conversation passed to them.
 */
export function allocatedWorkersRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new AllocatedWorkersService(ctx);

  app.get('/people/:id/allocated-workers', { config: read }, async (request, reply) => {
    const p = request.principal!;
    const { person, allocations } = await service.history(p, uuidParam(request), auditContext(request));
    return reply.view('allocated-workers/views/history.njk', {
      title: `Allocated workers for ${displayName(person)}`, person, allocations, canManage: MANAGE_ALLOCATIONS.includes(p.role), backLink: `/people/${person.id}`,
    });
  });

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, personId: string, extra: { values: Record<string, unknown>; allocationId?: string; errors?: unknown }) => {
    const { person, users } = await service.formFor(request.principal!, personId);
    const current = extra.allocationId ? null : (await service.activeForPeople(request.principal!, [personId]))[personId] ?? null;
    return reply.view('allocated-workers/views/form.njk', {
      title: extra.allocationId ? 'Change the allocated worker’s details' : 'Record an allocated worker',
      person, users, kinds: ALLOCATION_KINDS, current, backLink: `/people/${personId}`,
      action: extra.allocationId ? `/allocated-workers/${extra.allocationId}/edit` : `/people/${personId}/allocated-workers`, ...extra,
    });
  };

  app.get('/people/:id/allocated-workers/new', { config: manage }, (request, reply) => renderForm(request, reply, uuidParam(request), { values: {} }));

  app.post('/people/:id/allocated-workers', { config: manage }, async (request, reply) => {
    const personId = uuidParam(request);
    const body = bodyOf(request);
    const result = await service.add(request.principal!, personId, inputFrom(body), auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderForm(request, reply, personId, { values: body, errors: toErrorList(result.errors) });
    }
    request.session.flash = { heading: 'Allocated worker recorded', text: 'Anyone who finds this child now sees their allocated worker and how to reach them.' };
    return reply.redirect(`/people/${personId}`);
  });

  app.get('/allocated-workers/:id/edit', { config: manage }, async (request, reply) => {
    const a = await service.get(request.principal!, uuidParam(request));
    return renderForm(request, reply, a.person_id, { values: valuesOf(a), allocationId: a.id });
  });

  app.post('/allocated-workers/:id/edit', { config: manage }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await service.change(request.principal!, id, inputFrom(body), auditContext(request));
    if (!result.ok) {
      const a = await service.get(request.principal!, id);
      reply.code(400);
      return renderForm(request, reply, a.person_id, { values: body, allocationId: id, errors: toErrorList(result.errors) });
    }
    request.session.flash = { heading: 'Allocated worker’s details changed', text: 'The new details show on the child’s record.' };
    return reply.redirect(`/people/${result.personId}`);
  });

  const renderEnd = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const a = await service.get(request.principal!, uuidParam(request));
    const { person } = await service.formFor(request.principal!, a.person_id);
    return reply.view('allocated-workers/views/end.njk', { title: 'End the allocation', allocation: a, person, values: {}, backLink: `/people/${a.person_id}`, ...extra });
  };

  app.get('/allocated-workers/:id/end', { config: manage }, (request, reply) => renderEnd(request, reply));

  app.post('/allocated-workers/:id/end', { config: manage }, async (request, reply) => {
    const body = bodyOf(request);
    const result = await service.end(request.principal!, uuidParam(request), { day: str(body['end-day']), month: str(body['end-month']), year: str(body['end-year']), reason: str(body.reason) }, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderEnd(request, reply, { values: body, errors: toErrorList(result.errors) });
    }
    request.session.flash = { heading: 'Allocation ended', text: 'It stays in the child’s history of allocated workers.' };
    return reply.redirect(`/people/${result.personId}`);
  });

  app.post('/allocated-worker-notices/:id/acknowledge', { config: acknowledge }, async (request, reply) => {
    const result = await service.acknowledge(request.principal!, uuidParam(request), auditContext(request));
    request.session.flash = result.ok
      ? { heading: `${result.reference} acknowledged`, text: 'CADS can see that you have it. It is no longer on your home page.' }
      : { heading: `${result.reference} was already acknowledged`, text: `${result.acknowledgedBy} acknowledged it on ${formatDateTimeLondon(result.acknowledgedAt)}.` };
    return reply.redirect('/');
  });
}
