import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { auditContext, bodyOf, list, opt, str, type FormBody } from '../../platform/http/forms.js';
import { toErrorList } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { EarlyHelpService, EARLY_HELP_ROLES, QUEUE_STATUSES } from './early-help.service.js';
import { STATUS_LABELS, type EarlyHelpInput, type TeamAction } from './early-help-rules.js';
import { RELATIONSHIP_TYPES } from '../../domain/codes.js';

const VIEWS = 'early-help/views';

function inputFrom(body: FormBody): EarlyHelpInput {
  const consent = opt(body.consent);
  return {
    familyMemberIds: list(body.family),
    needCodes: list(body.needs),
    needsDetail: opt(body.needsDetail),
    consent,
    consentNotGivenReason: opt(body.consentNotGivenReason),
    leadName: opt(body.leadName),
    leadRole: opt(body.leadRole),
    leadAgency: opt(body.leadAgency),
    leadPhone: opt(body.leadPhone),
    leadEmail: opt(body.leadEmail),
  };
}

/** The stored request as the form's values. */
function valuesFrom(r: { family_member_ids: string[] | null; need_codes: string[]; needs_detail: string | null; consent: string | null; consent_not_given_reason: string | null; lead_name: string | null; lead_role: string | null; lead_agency: string | null; lead_phone: string | null; lead_email: string | null }, family: { id: string }[]): EarlyHelpInput {
  return {
    // Until the worker has chosen, everyone in the child's household and family is ticked.
    familyMemberIds: r.family_member_ids ?? family.map((f) => f.id),
    needCodes: r.need_codes, needsDetail: r.needs_detail, consent: r.consent, consentNotGivenReason: r.consent_not_given_reason,
    leadName: r.lead_name, leadRole: r.lead_role, leadAgency: r.lead_agency, leadPhone: r.lead_phone, leadEmail: r.lead_email,
  };
}

/**
 * Early Help requests: CADS completes and sends one from a conversation; the Early Help team works
 * them from their queue, and exports them. The rules live in EarlyHelpService.
 */
export function earlyHelpRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new EarlyHelpService(ctx);
  const team = { access: { roles: EARLY_HELP_ROLES.team } };
  const read = { access: { roles: EARLY_HELP_ROLES.read } };
  const complete = { access: { roles: EARLY_HELP_ROLES.complete } };

  app.get('/early-help', { config: team }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const status = ['all', ...QUEUE_STATUSES].includes(str(q.status)) ? str(q.status) : 'sent';
    const order = str(q.order) === 'oldest' ? 'oldest' : 'newest';
    const d = await service.queue(request.principal!, { status, order }, auditContext(request));
    return reply.view(`${VIEWS}/queue.njk`, { title: 'Early Help requests', ...d, f: { status, order }, statusLabels: STATUS_LABELS, statuses: QUEUE_STATUSES });
  });

  app.get('/early-help/export.csv', { config: team }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const csv = await service.exportCsv(request.principal!, { from: opt(q.from), to: opt(q.to), status: opt(q.status) ?? 'all' }, auditContext(request));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="early-help-requests.csv"')
      .header('cache-control', 'no-store')
      .send(csv);
  });

  const renderRequest = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) => {
    const p = request.principal!;
    const d = await service.view(p, id, auditContext(request));
    return reply.view(`${VIEWS}/request.njk`, {
      title: `Early Help request ${d.request.reference}`, ...d, statusLabels: STATUS_LABELS,
      isTeam: EARLY_HELP_ROLES.team.includes(p.role), canComplete: EARLY_HELP_ROLES.complete.includes(p.role),
      canSeeConversation: EARLY_HELP_ROLES.complete.includes(p.role) || p.role === 'mash-coordinator',
      backLink: EARLY_HELP_ROLES.team.includes(p.role) ? '/early-help' : `/conversations/${d.request.conversation_id}`,
      values: {}, ...extra,
    });
  };

  app.get('/early-help/:id', { config: read }, async (request, reply) => renderRequest(request, reply, uuidParam(request)));

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, id: string, body: FormBody | null, errors: { text: string; href: string }[] = []) => {
    const d = await service.editForm(request.principal!, id, auditContext(request));
    if (!d.editable) return reply.redirect(`/early-help/${id}`);
    const values = body ? inputFrom(body) : valuesFrom(d.request, d.family);
    return reply.view(`${VIEWS}/edit.njk`, { title: `Early Help request ${d.request.reference}`, ...d, values, errors, relationshipTypes: RELATIONSHIP_TYPES, backLink: `/conversations/${d.request.conversation_id}` });
  };

  app.get('/early-help/:id/edit', { config: complete }, async (request, reply) => renderForm(request, reply, uuidParam(request), null));

  app.post('/early-help/:id/edit', { config: complete }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const action = str(body.action) === 'send' ? 'send' : 'save';
    const result = await service.save(request.principal!, id, inputFrom(body), action, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderForm(request, reply, id, body, toErrorList(result.errors));
    }
    request.session.flash =
      result.status === 'sent'
        ? { heading: `Early Help request ${result.reference} sent`, text: 'The Early Help team have been told by email. You can follow its status on the conversation and the child’s chronology.' }
        : result.status === 'consent-not-given'
          ? { heading: `Early Help request ${result.reference} not sent`, text: 'The family have not agreed to Early Help, so the request has not been sent. The reason has been recorded.' }
          : { heading: `Early Help request ${result.reference} saved`, text: 'It has not been sent yet. Come back to it to finish and send it.' };
    return reply.redirect(`/early-help/${id}`);
  });

  const teamAction = (action: TeamAction) => async (request: FastifyRequest, reply: FastifyReply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const note = opt(body[`${action}Note`]);
    const result = await service.teamAction(request.principal!, id, action, { allocatedTo: opt(body.allocatedTo), reasonCode: opt(body.reasonCode), note }, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderRequest(request, reply, id, { errors: toErrorList(result.errors), values: body, openAction: action });
    }
    const words = { accepted: 'accepted', declined: 'declined: CADS can see why on the conversation', closed: 'closed' } as Record<string, string>;
    request.session.flash = { heading: `Early Help request ${result.reference} ${result.status}`, text: `The request is ${words[result.status] ?? result.status}.` };
    return reply.redirect(`/early-help/${id}`);
  };
  app.post('/early-help/:id/accept', { config: team }, teamAction('accept'));
  app.post('/early-help/:id/decline', { config: team }, teamAction('decline'));
  app.post('/early-help/:id/close', { config: team }, teamAction('close'));
}
