import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { PRIMARY_NEEDS } from '../../domain/cin-census.js';
import { auditContext, bodyOf, list, opt, str, type FormBody } from '../../platform/http/forms.js';
import { toErrorList, HttpError } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { WrittenRecordsService } from '../written-records/written-records.service.js';
import { completionListener } from './completion.js';
import { gatherPanels } from '../../platform/http/panels.js';
import { CONVERSATION_PANELS, HOME_PANELS } from '../panels.js';
import { HandoverService } from '../handover/handover.service.js';
import { ProfessionalsService } from '../professionals/professionals.service.js';
import { AllocatedWorkersService } from '../allocated-workers/allocated-workers.service.js';
import { ConversationsService, SECTIONS, sectionOfField, type SectionKey } from './conversations.service.js';
import type { ChildFields, VersionFields } from './conversations.repository.js';
import { PeopleService } from '../people/people.service.js';
import { personFormFrom } from '../people/people.routes.js';
import { childFieldId, EMAIL_FORMAT_MESSAGE, PHONE_FORMAT_MESSAGE, type FieldError } from '../../domain/conversation-rules.js';
import { normaliseUkPhone, isPlausibleEmail } from '../../domain/phone.js';
import { CALLER_TYPES, CONSENT_NOT_SOUGHT_REASONS, IMMEDIACY_OPTIONS, LAWFUL_BASES, RELATIONSHIP_TYPES, ETHNICITY_CODES, SEX_CODES, DISABILITY_CODES } from '../../domain/codes.js';
import { displayName } from '../../domain/names.js';

const MAX_TEXT = 20000;
const codes = {
  callerTypes: CALLER_TYPES, consentReasons: CONSENT_NOT_SOUGHT_REASONS, immediacyOptions: IMMEDIACY_OPTIONS,
  lawfulBases: LAWFUL_BASES, relationshipTypes: RELATIONSHIP_TYPES, ethnicities: ETHNICITY_CODES, sexes: SEX_CODES, disabilities: DISABILITY_CODES,
};
const EDITABLE_SECTIONS = ['caller', 'concern', 'consent', 'analysis', 'outcome'] as const;
type EditableSection = (typeof EDITABLE_SECTIONS)[number];

function nextSection(key: SectionKey): string {
  const i = SECTIONS.findIndex((s) => s.key === key);
  return SECTIONS[i + 1]?.key ?? 'check';
}

/** Turns a section's form into column values, with format checks only. */
function parseSection(section: EditableSection, body: FormBody, childIds: string[], allowed: { agencies: string[]; categories: string[]; outcomes: string[]; levels: string[] }) {
  const errors: FieldError[] = [];
  const fields: VersionFields = {};
  const childFields = new Map<string, ChildFields>();
  const text = (name: string, id = name) => {
    const v = opt(body[name]);
    if (v && v.length > MAX_TEXT) errors.push({ field: id, message: `Must be ${MAX_TEXT.toLocaleString('en-GB')} characters or fewer` });
    return v;
  };
  const oneOf = (name: string, options: readonly string[], message: string) => {
    const v = opt(body[name]);
    if (v !== null && !options.includes(v)) {
      errors.push({ field: name, message });
      return null;
    }
    return v;
  };
  switch (section) {
    case 'caller': {
      fields.caller_type = oneOf('caller-type', ['professional', 'public'], 'Select whether the caller is a professional or a member of the public') as VersionFields['caller_type'];
      fields.caller_name = text('caller-name');
      fields.caller_role = text('caller-role');
      fields.caller_agency_code = oneOf('caller-agency', allowed.agencies, "Select the caller's agency from the list");
      fields.caller_agency_other = fields.caller_agency_code === 'other' ? text('caller-agency-other') : null;
      const phone = opt(body['caller-phone']);
      if (phone && !normaliseUkPhone(phone)) errors.push({ field: 'caller-phone', message: PHONE_FORMAT_MESSAGE });
      fields.caller_phone = phone ? (normaliseUkPhone(phone)?.national ?? phone) : null;
      const email = opt(body['caller-email']);
      if (email && !isPlausibleEmail(email)) errors.push({ field: 'caller-email', message: EMAIL_FORMAT_MESSAGE });
      fields.caller_email = email;
      break;
    }
    case 'concern': {
      const cats = list(body['concern-categories']);
      if (cats.some((c) => !allowed.categories.includes(c))) errors.push({ field: 'concern-categories', message: 'Select categories from the list' });
      fields.concern_categories = cats;
      fields.concern_detail = text('concern-detail');
      fields.immediacy = oneOf('immediacy', IMMEDIACY_OPTIONS.map((o) => o.code), 'Select how urgent the concern is');
      fields.support_to_date = text('support-to-date');
      childIds.forEach((pid, i) => {
        const safe = opt(body[childFieldId(i, 'safe-tonight')]);
        if (safe && !['yes', 'no', 'unknown'].includes(safe)) errors.push({ field: childFieldId(i, 'safe-tonight'), message: 'Select whether the child is safe tonight' });
        childFields.set(pid, { where_now: text(childFieldId(i, 'where-now')), safe_tonight: (safe as ChildFields['safe_tonight']) ?? null });
      });
      break;
    }
    case 'consent': {
      fields.parents_informed = oneOf('parents-informed', ['yes', 'no'], 'Select yes or no') as VersionFields['parents_informed'];
      fields.consent_given = oneOf('consent-given', ['yes', 'no'], 'Select yes or no') as VersionFields['consent_given'];
      const reasons = list(body['consent-reason']);
      if (reasons.some((r) => !CONSENT_NOT_SOUGHT_REASONS.some((c) => c.code === r))) errors.push({ field: 'consent-reason', message: 'Select reasons from the list' });
      // Reasons only belong with a "no": clear them when consent was given so the record cannot contradict itself.
      const no = fields.consent_given === 'no';
      fields.consent_reason_codes = no ? reasons : [];
      fields.consent_reason_detail = no ? text('consent-reason-detail') : null;
      fields.lawful_basis_code = no ? oneOf('lawful-basis', LAWFUL_BASES.map((b) => b.code), 'Select the lawful basis from the list') : null;
      break;
    }
    case 'analysis': {
      fields.worries = text('worries');
      fields.strengths = text('strengths');
      fields.needs_to_happen = text('needs-to-happen');
      break;
    }
    case 'outcome': {
      childIds.forEach((pid, i) => {
        const outcome = oneOf(childFieldId(i, 'outcome'), allowed.outcomes, 'Select an outcome from the list');
        const level = oneOf(childFieldId(i, 'level'), allowed.levels, 'Select a level from the list');
        const agreed = opt(body[childFieldId(i, 'caller-agreed')]);
        childFields.set(pid, {
          outcome_code: outcome,
          level_code: level,
          caller_agreed: agreed === 'yes' ? true : agreed === 'no' ? false : null,
          disagreement_note: agreed === 'no' ? text(childFieldId(i, 'disagreement-note')) : null,
          next_steps: text(`children-${i}-next-steps`),
          next_steps_by: text(`children-${i}-next-steps-by`),
        });
      });
      break;
    }
  }
  return { errors, fields, childFields };
}

export function conversationsRoutes(app: FastifyInstance, ctx: AppContext) {
  const writtenRecords = new WrittenRecordsService(ctx);
  const conversations = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars, completionListener(ctx));
  const people = new PeopleService(ctx.db, ctx.clock, ctx.profiles);
  const handovers = new HandoverService(ctx);
  const allocated = new AllocatedWorkersService(ctx);
  const read = { access: { roles: CAN.readChildRecords } };
  const write = { access: { roles: CAN.recordConversations } };
  const decide = { access: { roles: CAN.recordDecisions } };

  app.get('/', { config: { access: { roles: CAN.everyone } } }, async (request, reply) => {
    const p = request.principal!;
    const works = CAN.recordConversations.includes(p.role) || CAN.recordDecisions.includes(p.role);
    const work = works ? await conversations.workList(p, 'mine') : null;
    const tasks = await writtenRecords.openTasks(p);
    const handover = CAN.acceptHandover.includes(p.role) ? await handovers.summary(p) : null;
    const panels = await gatherPanels(HOME_PANELS.map((provider) => () => provider(ctx, p)));
    return reply.view('conversations/views/work-list.njk', { title: 'Your work', heading: 'Your work', work, tasks, handover, panels, now: ctx.clock.now(), scope: 'mine' });
  });

  app.get('/team', { config: { access: { roles: CAN.manageTeam } } }, async (request, reply) => {
    const work = await conversations.workList(request.principal!, 'team');
    return reply.view('conversations/views/work-list.njk', { title: "Team's work", heading: "Your team's work", work, now: ctx.clock.now(), scope: 'team' });
  });

  app.get('/conversations/new', { config: write }, async (_request, reply) => reply.view('conversations/views/start.njk', { title: 'Start a conversation' }));

  app.post('/conversations', { config: write }, async (request, reply) => {
    const body = bodyOf(request);
    const phone = opt(body['caller-phone']);
    const id = await conversations.start(request.principal!, auditContext(request), phone && normaliseUkPhone(phone) ? normaliseUkPhone(phone)!.national : null);
    return reply.redirect(`/conversations/${id}/caller`);
  });

  app.get('/conversations/:id', { config: read }, async (request, reply) => {
    const id = uuidParam(request);
    const p = request.principal!;
    const c = await conversations.repo.find(ctx.db, p.authorityId, id);
    if (c?.status === 'draft' && CAN.recordConversations.includes(p.role)) {
      const d = await conversations.loadDraft(p, id, auditContext(request));
      return reply.view('conversations/views/task-list.njk', { title: `Conversation ${d.conversation.reference}`, ...d, sections: SECTIONS });
    }
    const v = await conversations.view(p, id, auditContext(request));
    const profile = conversations.profileFor(p);
    const needingDecision = v.conversation.status === 'completed'
      && v.children.some((c) => profile.outcomes.find((o) => o.code === c.outcome_code)?.requiresDecision && !v.decisions.some((d) => d.person_id === c.person_id));
    const deliveries = await writtenRecords.deliveries(p, id);
    const panels = await gatherPanels(CONVERSATION_PANELS.map((provider) => () => provider(ctx, p, v.conversation, v.children.map((x) => x.person_id))));
    return reply.view('conversations/views/record.njk', { title: `Conversation ${v.conversation.reference}`, ...v, ...codes, needingDecision, deliveries, panels, canAmend: CAN.recordConversations.includes(p.role), canDecide: CAN.recordDecisions.includes(p.role) });
  });

  app.get('/conversations/:id/versions/:version', { config: read }, async (request, reply) => {
    const id = uuidParam(request);
    const n = Number((request.params as Record<string, string>).version);
    if (!Number.isInteger(n) || n < 1) throw new HttpError(404, 'Version not found', 'There is no such version.');
    const v = await conversations.view(request.principal!, id, auditContext(request), n);
    return reply.view('conversations/views/record.njk', { title: `Conversation ${v.conversation.reference} version ${n}`, ...v, ...codes, deliveries: [], oldVersion: n !== v.conversation.current_version, canAmend: false, canDecide: false });
  });

  // The task list for a draft or a correction in progress.
  app.get('/conversations/:id/edit', { config: write }, async (request, reply) => {
    const d = await conversations.loadDraft(request.principal!, uuidParam(request), auditContext(request));
    return reply.view('conversations/views/task-list.njk', { title: `Conversation ${d.conversation.reference}`, ...d, sections: SECTIONS });
  });

  const renderSection = async (request: FastifyRequest, reply: FastifyReply, section: SectionKey, extra: Record<string, unknown> = {}) => {
    const d = await conversations.loadDraft(request.principal!, uuidParam(request), auditContext(request));
    const title = SECTIONS.find((s) => s.key === section)!.title;
    let family: unknown[] = [];
    if (section === 'family') {
      family = await Promise.all(d.children.map(async (c) => ({ child: c, ...(await people.view(request.principal!, c.person_id, auditContext(request))) })));
    }
    // Each child's allocated worker, shown at once when they are added (callers should contact them directly).
    const allocatedWorkers = section === 'children' || section === 'outcome' ? await allocated.activeForPeople(request.principal!, d.children.map((c) => c.person_id)) : {};
    // A known caller (professional directory) for the number or email already on the draft.
    const knownCallers = section === 'caller' ? await new ProfessionalsService(ctx).knownCallers(request.principal!, { phone: d.version.caller_phone, email: d.version.caller_email }) : [];
    return reply.view(`conversations/views/section-${section}.njk`, {
      title, section, ...d, ...codes, family, allocatedWorkers, knownCallers, values: null, backLink: `/conversations/${d.conversation.id}/edit`, ...extra,
    });
  };

  for (const section of EDITABLE_SECTIONS) {
    app.get(`/conversations/:id/${section}`, { config: write }, (request, reply) => renderSection(request, reply, section));
    app.post(`/conversations/:id/${section}`, { config: write }, async (request, reply) => {
      const id = uuidParam(request);
      const p = request.principal!;
      const body = bodyOf(request);
      const profile = conversations.profileFor(p);
      const d = await conversations.loadDraft(p, id);
      const parsed = parseSection(section, body, d.children.map((c) => c.person_id), {
        agencies: profile.agencies.map((a) => a.code),
        categories: profile.concernCategories.map((c) => c.code),
        outcomes: profile.outcomes.map((o) => o.code),
        levels: profile.levels.map((l) => l.code),
      });
      if (parsed.errors.length) {
        reply.code(400);
        return renderSection(request, reply, section, { errors: toErrorList(parsed.errors), values: body });
      }
      await conversations.saveSection(p, id, Number(str(body['lock-version'])), section, parsed.fields, parsed.childFields, auditContext(request));
      const next = str(body.action) === 'save' ? 'edit' : nextSection(section);
      return reply.redirect(`/conversations/${id}/${next}`);
    });
  }

  app.get('/conversations/:id/children', { config: write }, (request, reply) => renderSection(request, reply, 'children', { searchValues: {} }));
  app.get('/conversations/:id/family', { config: write }, (request, reply) => renderSection(request, reply, 'family'));

  app.post('/conversations/:id/children', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const personId = str(bodyOf(request)['person-id']);
    if (!/^[0-9a-f-]{36}$/.test(personId)) throw new HttpError(400, 'Choose a child', 'Select a child from the search results.');
    await conversations.addChild(request.principal!, id, personId, auditContext(request));
    return reply.redirect(`/conversations/${id}/children`);
  });

  app.post('/conversations/:id/children/remove', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const personId = str(bodyOf(request)['person-id']);
    if (!/^[0-9a-f-]{36}$/.test(personId)) throw new HttpError(400, 'Choose a child', 'Select a child to remove.');
    await conversations.removeChild(request.principal!, id, personId, auditContext(request));
    return reply.redirect(`/conversations/${id}/children`);
  });

  // Adding a child who is not yet known: the full person form, then straight back into the conversation.
  app.post('/conversations/:id/children/new', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const d = await conversations.loadDraft(request.principal!, id);
    const render = (values: Record<string, unknown>, errors?: unknown, likely?: unknown) =>
      reply.view('people/views/person-form.njk', {
        title: 'Add a child', heading: 'Add a child to this conversation', action: `/conversations/${id}/children/new`,
        values, errors, likely, backLink: `/conversations/${id}/children`, submitText: 'Add child', ...codes,
      });
    if (str(body.prefill) === 'yes') {
      const [given, ...rest] = str(body.name).split(/\s+/);
      return render({ 'given-name': given ?? '', 'family-name': rest.join(' '), 'dob-day': body['dob-day'], 'dob-month': body['dob-month'], 'dob-year': body['dob-year'], postcode: body.postcode, 'nhs-number': body['nhs-number'] });
    }
    // Siblings share a household: a second child joins the first child's household.
    const householdOf = d.children[0]?.person_id;
    const created = await people.create(request.principal!, personFormFrom(body), auditContext(request), { ...(householdOf ? { householdOf } : {}), differentChildReason: opt(body['different-child-reason']) });
    if (!created.ok) {
      reply.code(400);
      return render(body, toErrorList(created.errors), created.likely);
    }
    await conversations.addChild(request.principal!, id, created.id, auditContext(request));
    return reply.redirect(`/conversations/${id}/children`);
  });

  app.get('/conversations/:id/check', { config: write }, async (request, reply) => {
    const d = await conversations.loadDraft(request.principal!, uuidParam(request), auditContext(request));
    return reply.view('conversations/views/check.njk', { title: 'Check the record before completing', ...d, ...codes, backLink: `/conversations/${d.conversation.id}/edit` });
  });

  app.post('/conversations/:id/complete', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    let result: Awaited<ReturnType<typeof conversations.complete>>;
    try {
      result = await conversations.complete(request.principal!, id, Number(str(body['lock-version'])), auditContext(request));
    } catch (err) {
      // A completion hook may refuse an outcome (say, "Passed to the allocated worker" for a child who has none): nothing was saved, and it shows like any other error.
      if (!(err instanceof HttpError && Array.isArray(err.extra.fieldErrors))) throw err;
      result = { ok: false, errors: err.extra.fieldErrors as FieldError[] };
    }
    if (!result.ok) {
      const d = await conversations.loadDraft(request.principal!, id);
      reply.code(400);
      const errors = result.errors.map((e) => ({ text: e.message, href: `/conversations/${id}/${sectionOfField(e.field) === 'children' ? 'children' : sectionOfField(e.field)}#${e.field}` }));
      return reply.view('conversations/views/check.njk', { title: 'Check the record before completing', ...d, ...codes, errors, backLink: `/conversations/${id}/edit` });
    }
    request.session.flash = { heading: 'Conversation completed', text: 'The record is locked. Any correction will create a new version.' };
    return reply.redirect(`/conversations/${id}`);
  });

  app.get('/conversations/:id/amend', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const c = await conversations.repo.find(ctx.db, request.principal!.authorityId, id);
    if (!c) throw new HttpError(404, 'Conversation not found', 'There is no conversation at this address.');
    return reply.view('conversations/views/amend.njk', { title: 'Correct this record', conversation: c, backLink: `/conversations/${id}` });
  });

  app.post('/conversations/:id/amend', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const reason = str(bodyOf(request).reason);
    if (!reason || reason.length > 2000) {
      const c = await conversations.repo.find(ctx.db, request.principal!.authorityId, id);
      if (!c) throw new HttpError(404, 'Conversation not found', 'There is no conversation at this address.');
      reply.code(400);
      return reply.view('conversations/views/amend.njk', {
        title: 'Correct this record', conversation: c, backLink: `/conversations/${id}`,
        errors: [{ text: reason ? 'Reason must be 2,000 characters or fewer' : 'Enter why the record needs correcting', href: '#reason' }],
      });
    }
    await conversations.startAmendment(request.principal!, id, reason, auditContext(request));
    return reply.redirect(`/conversations/${id}/edit`);
  });

  const renderDecision = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const v = await conversations.view(request.principal!, uuidParam(request), auditContext(request));
    const profile = conversations.profileFor(request.principal!);
    const needing = v.children.filter((c) => profile.outcomes.find((o) => o.code === c.outcome_code)?.requiresDecision && !v.decisions.some((d) => d.person_id === c.person_id));
    return reply.view('conversations/views/decision.njk', { title: 'Record the decision', ...v, needing, primaryNeeds: PRIMARY_NEEDS.map((n) => ({ code: n.code, label: `${n.code} ${n.label}` })), values: {}, backLink: `/conversations/${v.conversation.id}`, ...extra });
  };
  app.get('/conversations/:id/decision', { config: decide }, (request, reply) => renderDecision(request, reply));
  app.post('/conversations/:id/decision', { config: decide }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await conversations.recordDecision(request.principal!, id, { personId: str(body['person-id']), decisionCode: str(body.decision), primaryNeed: str(body['primary-need']), rationale: str(body.rationale) }, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderDecision(request, reply, { errors: toErrorList(result.errors), values: body });
    }
    request.session.flash = { heading: 'Decision recorded', text: 'The decision has been added to the record.' };
    return reply.redirect(`/conversations/${id}`);
  });
}

export { displayName };
