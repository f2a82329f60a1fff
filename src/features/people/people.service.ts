import { randomUUID } from 'node:crypto';
import type { Database, Tx } from '../../platform/db/database.js';
import type { Person } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import type { Clock } from '../../platform/context.js';
import type { AuthorityProfiles } from '../../platform/authorities.js';
import { PeopleRepository, type ChronologyRow, type SearchCriteria } from './people.repository.js';
import { validatePerson, type FieldError, type PersonForm, type PersonRecord } from '../../domain/person-rules.js';
import { nameSearchText, foldName, displayName } from '../../domain/names.js';
import { parseDateParts, todayInLondon, ageInYears } from '../../domain/dates.js';
import { normaliseNhsNumber, isValidNhsNumber } from '../../domain/nhs-number.js';
import { normalisePostcode, isValidPostcode } from '../../domain/postcode.js';
import { evaluateAccumulation, type AccumulationFlag } from '../../domain/accumulation.js';
import { isCodeIn, RELATIONSHIP_TYPES } from '../../domain/codes.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { MatchingService, LIKELY_PROBABILITY, personMatchInput, type MatchCandidate, type MatchInput } from '../matching/matching.service.js';
import type { CandidateRow } from '../matching/matching.repository.js';
import type { Band } from '../../domain/matching/model.js';

export interface SearchInput {
  name: string;
  dobDay: string;
  dobMonth: string;
  dobYear: string;
  age: string;
  postcode: string;
  nhsNumber: string;
}

export interface SearchResult {
  person: CandidateRow;
  age: number | null;
  /** Plain-English evidence for, strongest first. */
  reasons: string[];
  /** Plain-English evidence against. */
  against: string[];
  probability: number;
  band: Band;
  /** Percentage for display and the API, 0–100. */
  score: number;
  /** Brothers, sisters and others in the same household, so the worker can tell which child is which. */
  household: { id: string; name: string; age: number | null; expected: string | null }[];
}

export interface ChronologyEntry {
  conversationId: string;
  reference: string;
  startedAt: Date;
  service: string;
  outOfHours: boolean;
  callerName: string | null;
  callerAgency: string;
  callerType: string | null;
  concernCategories: string[];
  workerName: string;
  children: { personId: string; name: string; outcomeCode: string | null; levelCode: string | null }[];
  aboutThisChild: boolean;
}

export class PeopleService {
  readonly repo = new PeopleRepository();
  readonly matching = new MatchingService();
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly profiles: AuthorityProfiles,
  ) {}

  parseSearch(input: SearchInput): { ok: true; criteria: SearchCriteria } | { ok: false; errors: FieldError[] } {
    const errors: FieldError[] = [];
    const today = todayInLondon(this.clock.now());
    const name = foldName(input.name) || null;
    let dob: string | null = null;
    if ([input.dobDay, input.dobMonth, input.dobYear].some((p) => p.trim())) {
      const r = parseDateParts({ day: input.dobDay, month: input.dobMonth, year: input.dobYear }, { label: 'date of birth', mustBePast: true, allowToday: true, today });
      // The matching engine also tries the day and month the other way round.
      if (r.ok) dob = r.date;
      else errors.push({ field: `dob-${r.field === 'all' ? 'day' : r.field}`, message: r.message });
    }
    let ageYears: number | null = null;
    if (input.age.trim()) {
      const n = Number(input.age.trim());
      if (!Number.isInteger(n) || n < 0 || n > 25) errors.push({ field: 'age', message: 'Age must be a whole number of years between 0 and 25' });
      else ageYears = n;
    }
    let postcode: string | null = null;
    if (input.postcode.trim()) {
      if (!isValidPostcode(input.postcode)) errors.push({ field: 'postcode', message: 'Enter a real postcode, like NR1 2DH' });
      else postcode = normalisePostcode(input.postcode);
    }
    let nhsNumber: string | null = null;
    if (input.nhsNumber.trim()) {
      nhsNumber = normaliseNhsNumber(input.nhsNumber);
      if (!nhsNumber || !isValidNhsNumber(nhsNumber)) {
        errors.push({ field: 'nhs-number', message: 'Enter a valid NHS number, like 943 476 5919' });
        nhsNumber = null;
      }
    }
    if (errors.length === 0 && !name && !dob && !postcode && !nhsNumber) {
      errors.push({ field: 'name', message: 'Enter a name, date of birth, postcode or NHS number to search for' });
    }
    if (errors.length) return { ok: false, errors };
    return { ok: true, criteria: { name, dob, ageYears, postcode, nhsNumber, today } };
  }

  async search(principal: Principal, criteria: SearchCriteria, audit: AuditContext): Promise<SearchResult[]> {
    return this.db.transaction().execute(async (tx) => {
      const found = (await this.matching.search(tx, principal.authorityId, searchInputOf(criteria), { limit: 15, minProbability: 0, ageYears: criteria.ageYears, today: criteria.today }))
        .filter((c) => c.reasons.length > 0);
      const households = await this.repo.householdMembers(tx, principal.authorityId, found.map((c) => c.person.household_id).filter((h): h is string => !!h));
      const results = found.map((c) =>
        searchResult(
          c,
          criteria.today,
          households
            .filter((m) => m.household_id === c.person.household_id && m.id !== c.personId)
            .map((m) => ({ id: m.id, name: displayName(m), age: m.date_of_birth ? ageInYears(m.date_of_birth, criteria.today) : null, expected: m.expected_date_of_birth })),
        ),
      );
      const used = Object.fromEntries(
        Object.entries({ name: criteria.name, dob: criteria.dob, age: criteria.ageYears?.toString() ?? null, postcode: criteria.postcode, nhsNumber: criteria.nhsNumber })
          .filter(([, v]) => v) as [string, string][],
      );
      await recordAudit(tx, audit, { action: 'person.searched', personIds: [], details: { criteria: used, results: results.length } });
      return results;
    });
  }

  /**
   * Likely existing records of the person about to be created (details already validated): if
   * any, the worker must use one of them or say why this is a different person.
   */
  private async likelyExisting(principal: Principal, input: MatchInput, today: string): Promise<SearchResult[]> {
    const found = await this.matching.search(this.db, principal.authorityId, input, { minProbability: LIKELY_PROBABILITY, limit: 5, today });
    return found.map((c) => searchResult(c, today, []));
  }

  /** The child's record page: details, family and chronology, read and audited in one transaction. */
  async record(principal: Principal, id: string, audit: AuditContext) {
    return this.db.transaction().execute(async (tx) => ({ ...(await this.viewIn(tx, principal, id, audit)), ...(await this.chronologyIn(tx, principal, id, audit)) }));
  }

  /** Reads a person for display; the read is audited in the same transaction. */
  async view(principal: Principal, id: string, audit: AuditContext) {
    return this.db.transaction().execute((tx) => this.viewIn(tx, principal, id, audit));
  }

  private async viewIn(tx: Tx, principal: Principal, id: string, audit: AuditContext) {
    const person = await this.repo.findById(tx, principal.authorityId, id);
    if (!person) throw notFound('child or person');
    // Records merged into this one show here too: their other names and their family.
    const merged = (await this.repo.mergedIds(tx, principal.authorityId, id)).filter((x) => x !== id);
    const ids = [id, ...merged];
    const aliases = [];
    const links = [];
    for (const x of ids) {
      aliases.push(...(await this.repo.aliases(tx, x)));
      links.push(...(await this.repo.family(tx, principal.authorityId, x)));
    }
    // Symmetric links (brothers and sisters) are stored both ways: show each person once, and a
    // relative linked from two merged records once. Links between the merged records themselves are left out.
    const outward = new Set(links.filter((l) => l.direction === 'outward').map((l) => l.id));
    const seen = new Set<string>();
    const family = links.filter((l) => {
      const key = `${l.id}|${l.relationship_type}|${l.direction}`;
      if (ids.includes(l.id) || seen.has(key) || (l.direction !== 'outward' && outward.has(l.id))) return false;
      seen.add(key);
      return true;
    });
    const mergedInto = person.merged_into_id ? ((await this.repo.mergedInto(tx, principal.authorityId, id)) ?? null) : null;
    const merges = await this.repo.mergesInto(tx, principal.authorityId, id);
    // Showing a merged record's details on this one is a view of that record too.
    for (const x of ids) await recordAudit(tx, audit, { action: 'person.viewed', personId: x });
    return { person, aliases, family, mergedInto, merges };
  }

  async get(principal: Principal, id: string): Promise<Person> {
    const person = await this.repo.findById(this.db, principal.authorityId, id);
    if (!person) throw notFound('child or person');
    return person;
  }

  async create(
    principal: Principal,
    form: PersonForm,
    audit: AuditContext,
    opts: { householdOf?: string; differentChildReason?: string | null } = {},
  ): Promise<{ ok: true; id: string } | { ok: false; errors: FieldError[]; likely?: SearchResult[] }> {
    const today = todayInLondon(this.clock.now());
    const v = validatePerson(form, today);
    if (!v.ok) return v;
    const input = personMatchInput(v.person, v.alias ? [v.alias] : []);
    // A record that is likely this child already exists: use it, or say why this is someone else.
    const reason = opts.differentChildReason?.trim() || null;
    if (reason && reason.length > 1000) return { ok: false, errors: [{ field: 'different-child-reason', message: 'The reason must be 1000 characters or fewer' }] };
    const likely = await this.likelyExisting(principal, input, today);
    if (likely.length && !reason) {
      return {
        ok: false,
        likely,
        errors: [{ field: 'different-child-reason', message: `${likely.length === 1 ? 'A record that is' : `${likely.length} records that are`} likely the same person already ${likely.length === 1 ? 'exists' : 'exist'}. Use ${likely.length === 1 ? 'it' : 'one of them'}, or explain why this is a different person` }],
      };
    }
    const id = randomUUID();
    await this.db.transaction().execute(async (tx) => {
      let householdId: string | null = null;
      if (opts.householdOf) {
        const other = await this.repo.findById(tx, principal.authorityId, opts.householdOf);
        if (!other) throw notFound('child or person');
        householdId = other.household_id;
      }
      if (!householdId) {
        householdId = randomUUID();
        await this.repo.createHousehold(tx, householdId, principal.authorityId);
        if (opts.householdOf) await this.repo.setHousehold(tx, opts.householdOf, householdId);
      }
      await this.repo.insert(tx, {
        ...v.person,
        id,
        authority_id: principal.authorityId,
        household_id: householdId,
        created_by: actorUserId(principal),
        name_search: nameSearchText(v.person, v.alias ? [v.alias] : []),
        ...MatchingService.columns(input),
      });
      if (v.alias) await this.repo.insertAlias(tx, id, randomUUID(), v.alias);
      await recordAudit(tx, audit, {
        action: 'person.created',
        personId: id,
        ...(likely.length ? { details: { likelyExisting: likely.map((l) => ({ personId: l.person.id, probability: l.probability })), differentChildReason: reason } } : {}),
      });
    });
    return { ok: true, id };
  }

  async update(
    principal: Principal,
    id: string,
    expectedVersion: number,
    form: PersonForm,
    audit: AuditContext,
  ): Promise<{ ok: true } | { ok: false; errors: FieldError[] }> {
    const v = validatePerson(form, todayInLondon(this.clock.now()));
    if (!v.ok) return v;
    return this.db.transaction().execute(async (tx) => {
      const before = await this.repo.findById(tx, principal.authorityId, id);
      if (!before) throw notFound('child or person');
      if (before.merged_into_id) {
        return { ok: false as const, errors: [{ field: 'given-name', message: 'This record was merged into another record. Change the details on the record that was kept' }] };
      }
      const aliases = await this.repo.aliases(tx, id);
      if (v.alias && !aliases.some((a) => a.given_name === v.alias!.given_name && a.family_name === v.alias!.family_name)) {
        await this.repo.insertAlias(tx, id, randomUUID(), v.alias);
        aliases.push({ id: '', person_id: id, created_at: new Date(), ...v.alias });
      }
      const ok = await this.repo.update(tx, principal.authorityId, id, expectedVersion, { ...v.person, name_search: nameSearchText(v.person, aliases), ...MatchingService.columns(personMatchInput(v.person, aliases)) }, this.clock.now());
      if (!ok) {
        return { ok: false as const, errors: [{ field: 'given-name', message: 'Someone else changed these details while you were editing. Your changes have not been saved: check the record and make them again' }] };
      }
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [k, to] of Object.entries(v.person) as [keyof PersonRecord, unknown][]) {
        const from = before[k];
        if (JSON.stringify(from) !== JSON.stringify(to)) changes[k] = { from, to };
      }
      if (v.alias) changes.alias = { from: null, to: v.alias };
      await recordAudit(tx, audit, { action: 'person.updated', personId: id, changes });
      return { ok: true as const };
    });
  }

  async addRelationship(
    principal: Principal,
    childId: string,
    input: { relatedPersonId: string; relationshipType: string; livesWithChild: boolean },
    audit: AuditContext,
  ): Promise<void> {
    if (!isCodeIn(RELATIONSHIP_TYPES, input.relationshipType)) throw new HttpError(400, 'Select a relationship', 'Choose how the person is related to the child.');
    if (childId === input.relatedPersonId) throw new HttpError(400, 'A person cannot be related to themselves', 'Choose somebody else.');
    await this.db.transaction().execute(async (tx) => {
      const [child, related] = await Promise.all([
        this.repo.findById(tx, principal.authorityId, childId),
        this.repo.findById(tx, principal.authorityId, input.relatedPersonId),
      ]);
      if (!child || !related) throw notFound('child or person');
      await this.repo.addRelationship(tx, {
        id: randomUUID(),
        authority_id: principal.authorityId,
        person_id: childId,
        related_person_id: input.relatedPersonId,
        relationship_type: input.relationshipType,
        lives_with_child: input.livesWithChild,
        created_by: actorUserId(principal),
      });
      // Brothers and sisters are each other's: record the other direction too.
      if (['sibling', 'half-sibling', 'step-sibling'].includes(input.relationshipType)) {
        await this.repo.addRelationship(tx, {
          id: randomUUID(),
          authority_id: principal.authorityId,
          person_id: input.relatedPersonId,
          related_person_id: childId,
          relationship_type: input.relationshipType,
          lives_with_child: input.livesWithChild,
          created_by: actorUserId(principal),
        });
      }
      if (input.livesWithChild && child.household_id && !related.household_id) {
        await this.repo.setHousehold(tx, related.id, child.household_id);
      }
      await recordAudit(tx, audit, { action: 'relationship.added', personId: childId, details: { relatedPersonId: related.id, relationshipType: input.relationshipType } });
    });
  }

  /**
   * Every completed conversation about the child and their household, newest first, and the
   * accumulation rules from the authority profile that fire on the child's own history.
   */
  async chronology(principal: Principal, id: string, audit: AuditContext | null) {
    return this.db.transaction().execute((tx) => this.chronologyIn(tx, principal, id, audit));
  }

  private async chronologyIn(tx: Tx, principal: Principal, id: string, audit: AuditContext | null) {
    const profile = this.profiles.get(principal.authorityId);
    const person = await this.repo.findById(tx, principal.authorityId, id);
    if (!person) throw notFound('child or person');
    const ids = await this.repo.householdIds(tx, principal.authorityId, person);
    // Conversations about a record merged into this one are about this child.
    const same = new Set(await this.repo.mergedIds(tx, principal.authorityId, id));
    const rows = await this.repo.chronology(tx, principal.authorityId, ids);
    if (audit) await recordAudit(tx, audit, { action: 'chronology.viewed', personId: id });
    const entries = groupChronology(rows, id, profile.agencies).map((e) => ({
      ...e,
      aboutThisChild: e.children.some((c) => same.has(c.personId)),
      children: e.children.map((c) => ({ ...c, thisChild: same.has(c.personId) })),
    }));
    const counted = new Set<string>();
    const own = rows
      .filter((r) => same.has(r.person_id) && !counted.has(r.conversation_id) && !!counted.add(r.conversation_id))
      .map((r) => ({ id: r.conversation_id, occurredAt: r.started_at, outcomeCode: r.outcome_code ?? '' }));
    const flags: AccumulationFlag[] = evaluateAccumulation(own, this.clock.now(), profile.accumulationRules, {
      outcomeLabels: Object.fromEntries(profile.outcomes.map((o) => [o.code, o.label])),
    });
    return { person, entries, flags };
  }
}

export function groupChronology(rows: ChronologyRow[], childId: string, agencies: { code: string; label: string }[]): ChronologyEntry[] {
  const byId = new Map<string, ChronologyEntry>();
  for (const r of rows) {
    let e = byId.get(r.conversation_id);
    if (!e) {
      e = {
        conversationId: r.conversation_id,
        reference: r.reference,
        startedAt: r.started_at,
        service: r.service,
        outOfHours: r.out_of_hours,
        callerName: r.caller_name,
        callerAgency: r.caller_agency_code === 'other' ? (r.caller_agency_other ?? 'Other') : (agencies.find((a) => a.code === r.caller_agency_code)?.label ?? ''),
        callerType: r.caller_type,
        concernCategories: r.concern_categories,
        workerName: r.worker_name,
        children: [],
        aboutThisChild: false,
      };
      byId.set(r.conversation_id, e);
    }
    e.children.push({ personId: r.person_id, name: displayName(r), outcomeCode: r.outcome_code, levelCode: r.level_code });
    if (r.person_id === childId) e.aboutThisChild = true;
  }
  return [...byId.values()];
}

/** A candidate from the matching engine as the search page and the "add a child" form show it. */
function searchResult(c: MatchCandidate, today: string, household: SearchResult['household']): SearchResult {
  return {
    person: c.person,
    age: c.person.date_of_birth ? ageInYears(c.person.date_of_birth, today) : null,
    reasons: c.reasons,
    against: c.against,
    probability: c.probability,
    band: c.band,
    score: Math.round(c.probability * 1000) / 10,
    household,
  };
}

/**
 * The search form has one name box. One word could be either name, so it is tried as both;
 * with more words, the last is the family name ("Ellie Smith-Jones", "Mary Ann Smith").
 */
export function searchInputOf(c: SearchCriteria): MatchInput {
  const words = (c.name ?? '').split(' ').filter(Boolean);
  let givenName: string | null = null;
  let familyName: string | null = null;
  const otherNames: MatchInput['otherNames'] = [];
  if (words.length === 1) {
    familyName = words[0]!;
    otherNames.push({ givenName: words[0]!, familyName: null });
  } else if (words.length > 1) {
    givenName = words.slice(0, -1).join(' ');
    familyName = words.at(-1)!;
    // "Ellie Smith Jones" typed without the hyphen: the last two words may be one surname.
    if (words.length > 2) otherNames.push({ givenName: words[0]!, familyName: words.slice(1).join(' ') });
  }
  return { givenName, familyName, otherNames, dateOfBirth: c.dob, nhsNumber: c.nhsNumber, postcode: c.postcode };
}

/** Rows record the staff member who made them; an integration's changes are attributed in the audit log instead. */
function actorUserId(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.id : null;
}
