import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, list, opt, str, type FormBody } from '../../platform/http/forms.js';
import { toErrorList } from '../../platform/http/errors.js';
import { PeopleService, type SearchInput } from './people.service.js';
import { MashChronology } from '../mash/mash-chronology.js';
import { AllocatedWorkersService } from '../allocated-workers/allocated-workers.service.js';
import { gatherPanels } from '../../platform/http/panels.js';
import { CHRONOLOGY_NOTES, PERSON_PANELS } from '../panels.js';
import type { PersonForm } from '../../domain/person-rules.js';
import { ETHNICITY_CODES, SEX_CODES, DISABILITY_CODES, RELATIONSHIP_TYPES } from '../../domain/codes.js';
import { uuidParam } from '../../platform/http/params.js';
import type { Person } from '../../platform/db/schema.js';

export function personFormFrom(body: FormBody): PersonForm {
  return {
    givenName: str(body['given-name']),
    familyName: str(body['family-name']),
    aliasGiven: str(body['alias-given']),
    aliasFamily: str(body['alias-family']),
    unborn: str(body.unborn) === 'yes',
    dob: { day: str(body['dob-day']), month: str(body['dob-month']), year: str(body['dob-year']) },
    sex: str(body.sex),
    ethnicity: str(body.ethnicity),
    nhsNumber: str(body['nhs-number']),
    upn: str(body.upn),
    addressLine1: str(body['address-line-1']),
    addressLine2: str(body['address-line-2']),
    town: str(body.town),
    postcode: str(body.postcode),
    schoolSetting: str(body['school-setting']),
    gpPractice: str(body['gp-practice']),
    firstLanguage: str(body['first-language']),
    interpreterNeeded: str(body['interpreter-needed']),
    disabilityCodes: list(body.disability),
  };
}

function formFromPerson(p: Person): Record<string, unknown> {
  const date = p.date_of_birth ?? p.expected_date_of_birth;
  const [y, m, d] = date ? date.split('-') : ['', '', ''];
  return {
    'given-name': p.given_name, 'family-name': p.family_name, unborn: p.expected_date_of_birth ? 'yes' : '',
    'dob-day': d ? String(Number(d)) : '', 'dob-month': m ? String(Number(m)) : '', 'dob-year': y,
    sex: p.sex, ethnicity: p.ethnicity, 'nhs-number': p.nhs_number, upn: p.upn,
    'address-line-1': p.address_line_1, 'address-line-2': p.address_line_2, town: p.town, postcode: p.postcode,
    'school-setting': p.school_setting, 'gp-practice': p.gp_practice, 'first-language': p.first_language,
    'interpreter-needed': p.interpreter_needed === null ? '' : p.interpreter_needed ? 'yes' : 'no',
    disability: p.disability_codes,
  };
}

function searchInputFrom(body: FormBody): SearchInput {
  return {
    name: str(body.name),
    dobDay: str(body['dob-day']),
    dobMonth: str(body['dob-month']),
    dobYear: str(body['dob-year']),
    age: str(body.age),
    postcode: str(body.postcode),
    nhsNumber: str(body['nhs-number']),
  };
}

const codeLists = { ethnicities: ETHNICITY_CODES, sexes: SEX_CODES, disabilities: DISABILITY_CODES, relationshipTypes: RELATIONSHIP_TYPES };

export function peopleRoutes(app: FastifyInstance, ctx: AppContext) {
  const people = new PeopleService(ctx.db, ctx.clock, ctx.profiles);
  const mashChronology = new MashChronology(ctx);
  const allocated = new AllocatedWorkersService(ctx);
  const read = { access: { roles: CAN.readChildRecords } };
  const write = { access: { roles: CAN.readChildRecords } };

  /** Where the worker came from: a conversation they are adding children to. */
  const contextOf = (src: FormBody | Record<string, unknown>) => {
    const c = str(src.conversation);
    return /^[0-9a-f-]{36}$/.test(c) ? c : null;
  };

  app.get('/people/search', { config: read }, async (request, reply) => {
    const conversation = contextOf(request.query as Record<string, unknown>);
    return reply.view('people/views/search.njk', { title: 'Find a child', values: {}, conversation, results: null });
  });

  // A POST, so that names and dates of birth never appear in addresses or server logs.
  app.post('/people/search', { config: read }, async (request, reply) => {
    const body = bodyOf(request);
    const conversation = contextOf(body);
    const parsed = people.parseSearch(searchInputFrom(body));
    if (!parsed.ok) {
      reply.code(400);
      return reply.view('people/views/search.njk', { title: 'Find a child', values: body, conversation, results: null, errors: toErrorList(parsed.errors) });
    }
    const results = await people.search(request.principal!, parsed.criteria, auditContext(request));
    // A child with an allocated worker says so in the results: callers should contact that worker directly.
    const allocatedWorkers = await allocated.activeForPeople(request.principal!, results.map((r) => r.person.id));
    return reply.view('people/views/search.njk', { title: 'Find a child', values: body, conversation, results, allocatedWorkers });
  });

  const renderNew = (reply: FastifyReply, values: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    reply.view('people/views/person-form.njk', {
      title: 'Add a child',
      heading: 'Add a child',
      action: '/people',
      values,
      ...codeLists,
      ...extra,
    });

  app.get('/people/new', { config: write }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    return renderNew(reply, {}, { conversation: contextOf(q), householdOf: uuidOrNull(q['household-of']) });
  });

  // From the search results: carry what was searched for into the new record without putting it in the address.
  app.post('/people/new', { config: write }, async (request, reply) => {
    const body = bodyOf(request);
    const [given, ...rest] = str(body.name).split(/\s+/);
    const values = {
      'given-name': given ?? '', 'family-name': rest.join(' '), 'dob-day': body['dob-day'], 'dob-month': body['dob-month'],
      'dob-year': body['dob-year'], postcode: body.postcode, 'nhs-number': body['nhs-number'],
    };
    return renderNew(reply, values, { conversation: contextOf(body) });
  });

  app.post('/people', { config: write }, async (request, reply) => {
    const body = bodyOf(request);
    const conversation = null;
    const householdOf = uuidOrNull(body['household-of']);
    const result = await people.create(request.principal!, personFormFrom(body), auditContext(request), { householdOf: householdOf ?? undefined, differentChildReason: opt(body['different-child-reason']) });
    if (!result.ok) {
      reply.code(400);
      return renderNew(reply, body, { conversation, householdOf, errors: toErrorList(result.errors), likely: result.likely });
    }
    request.session.flash = { heading: 'Child added', text: 'The record has been created.' };
    return reply.redirect(`/people/${result.id}`);
  });

  app.get('/people/:id', { config: read }, async (request, reply) => {
    const id = uuidParam(request);
    const principal = request.principal!;
    const { person, aliases, family, entries, flags, mergedInto, merges } = await people.record(principal, id, auditContext(request));
    // MASH enquiries about this child, or about records merged into this one.
    const personIds = [person.id, ...(merges ?? []).map((m) => m.person_id)];
    const mashEnquiries = await mashChronology.forPeople(principal, personIds);
    const panels = await gatherPanels(PERSON_PANELS.map((provider) => () => provider(ctx, principal, personIds, auditContext(request))));
    const conversationIds = entries.map((e) => e.conversationId);
    const notes = [];
    for (const provider of CHRONOLOGY_NOTES) notes.push(...(conversationIds.length ? await provider(ctx, principal, conversationIds) : []));
    for (const e of entries) Object.assign(e, { notes: notes.filter((n) => n.conversationId === e.conversationId) });
    return reply.view('people/views/person.njk', {
      title: displayTitle(person), person, aliases, family, entries, flags, mergedInto, merges, mashEnquiries, canUnmerge: CAN.mergePeople.includes(principal.role), ...codeLists,
      topPanels: panels.filter((x) => x.place === 'top'), sectionPanels: panels.filter((x) => x.place === 'sections'),
    });
  });

  app.get('/people/:id/edit', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const person = await people.get(request.principal!, id);
    return reply.view('people/views/person-form.njk', {
      title: 'Change details', heading: `Change details for ${displayTitle(person)}`, action: `/people/${id}/edit`,
      values: formFromPerson(person), version: person.version, backLink: `/people/${id}`, ...codeLists,
    });
  });

  app.post('/people/:id/edit', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const version = Number(str(body.version));
    const result = await people.update(request.principal!, id, version, personFormFrom(body), auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return reply.view('people/views/person-form.njk', {
        title: 'Change details', heading: 'Change details', action: `/people/${id}/edit`, values: body, version,
        backLink: `/people/${id}`, errors: toErrorList(result.errors), ...codeLists,
      });
    }
    request.session.flash = { heading: 'Details updated', text: 'The changes have been saved.' };
    return reply.redirect(`/people/${id}`);
  });

  const renderFamily = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>) => {
    const id = uuidParam(request);
    const person = await people.get(request.principal!, id);
    const q = { ...(request.query as Record<string, unknown>), ...bodyOf(request) };
    return reply.view('people/views/family-add.njk', {
      title: 'Add a family member', person, conversation: contextOf(q), values: {}, results: null, ...codeLists, ...extra,
    });
  };

  app.get('/people/:id/family', { config: write }, (request, reply) => renderFamily(request, reply, {}));

  app.post('/people/:id/family/search', { config: write }, async (request, reply) => {
    const body = bodyOf(request);
    const parsed = people.parseSearch(searchInputFrom(body));
    if (!parsed.ok) {
      reply.code(400);
      return renderFamily(request, reply, { searchValues: body, errors: toErrorList(parsed.errors) });
    }
    const results = await people.search(request.principal!, parsed.criteria, auditContext(request));
    return renderFamily(request, reply, { searchValues: body, results });
  });

  app.post('/people/:id/family', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const conversation = contextOf(body);
    const relationshipType = str(body['relationship-type']);
    const lives = str(body['lives-with-child']);
    const errors = [];
    if (!RELATIONSHIP_TYPES.some((r) => r.code === relationshipType)) errors.push({ field: 'relationship-type', message: 'Select how they are related to the child' });
    if (lives !== 'yes' && lives !== 'no') errors.push({ field: 'lives-with-child', message: 'Select whether they live with the child' });
    let relatedId = uuidOrNull(body['related-person-id']);
    if (!relatedId) {
      // A new person: only the basics are needed for a family member.
      const form = personFormFrom(body);
      if (!form.sex) form.sex = 'U';
      if (errors.length) {
        reply.code(400);
        return renderFamily(request, reply, { values: body, errors: toErrorList(errors) });
      }
      const created = await people.create(request.principal!, form, auditContext(request), { ...(lives === 'yes' ? { householdOf: id } : {}), differentChildReason: opt(body['different-child-reason']) });
      if (!created.ok) {
        reply.code(400);
        return renderFamily(request, reply, { values: body, errors: toErrorList(created.errors), likely: created.likely });
      }
      relatedId = created.id;
    } else if (errors.length) {
      reply.code(400);
      return renderFamily(request, reply, { values: body, errors: toErrorList(errors), selectedId: relatedId });
    }
    await people.addRelationship(request.principal!, id, { relatedPersonId: relatedId, relationshipType, livesWithChild: lives === 'yes' }, auditContext(request));
    request.session.flash = { heading: 'Family member added', text: 'They now appear in the child’s family composition.' };
    return reply.redirect(conversation ? `/conversations/${conversation}/family` : `/people/${id}`);
  });
}

function uuidOrNull(v: unknown): string | null {
  const s = str(v);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s) ? s : null;
}

function displayTitle(p: Person): string {
  const n = [p.given_name, p.family_name].filter(Boolean).join(' ');
  return n || (p.expected_date_of_birth ? 'Unborn child' : 'Name not known');
}
