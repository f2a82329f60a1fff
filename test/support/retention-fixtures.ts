/**
 * issue10-E: records made the way the service makes them (people, relationships, whole
 * conversations, decisions, merges), at a date in the past, for the retention and subject access
 * tests. Each helper sets the test clock to the date it is given.
 */
import type { TestContext } from './harness.js';
import type { Principal, Role } from '../../src/platform/auth/roles.js';
import type { AuditContext } from '../../src/platform/audit.js';
import { PeopleService } from '../../src/features/people/people.service.js';
import { ConversationsService } from '../../src/features/conversations/conversations.service.js';
import { completionListener } from '../../src/features/conversations/completion.js';
import { DuplicatesService } from '../../src/features/duplicates/duplicates.service.js';
import { nhsNumberCheckDigit } from '../../src/domain/nhs-number.js';

export const AUDIT: AuditContext = { principal: null, ip: '127.0.0.1', requestId: 'retention-test' };

export async function principalOf(ctx: TestContext, userId: string): Promise<Principal> {
  const u = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  return { kind: 'user', id: u.id, authorityId: u.authority_id, role: u.role as Role, displayName: u.display_name, agencyCode: u.agency_code, teamId: u.team_id, email: u.email };
}

/** A valid NHS number in the 999 test range, different for each seed. */
export function testNhsNumber(seed: number): string {
  for (let n = seed; ; n++) {
    const first = `999${String(n).padStart(6, '0')}`;
    const check = nhsNumberCheckDigit(first);
    if (check !== null && check !== 10) return `${first}${check}`;
  }
}

export async function person(
  ctx: TestContext,
  p: Principal,
  x: { given: string; family: string; dob: string; nhs?: string; postcode?: string; address?: string; householdOf?: string },
): Promise<string> {
  const [year, month, day] = x.dob.split('-');
  const r = await new PeopleService(ctx.db, ctx.clock, ctx.profiles).create(
    p,
    {
      givenName: x.given, familyName: x.family, aliasGiven: '', aliasFamily: '', unborn: false, dob: { day: day!, month: month!, year: year! }, sex: 'U', ethnicity: '',
      nhsNumber: x.nhs ?? '', upn: '', addressLine1: x.address ?? '', addressLine2: '', town: x.address ? 'Norwich' : '', postcode: x.postcode ?? '', schoolSetting: '', gpPractice: '',
      firstLanguage: '', interpreterNeeded: '', disabilityCodes: [],
    },
    AUDIT,
    { differentChildReason: 'Test fixture: a different person', householdOf: x.householdOf },
  );
  if (!r.ok) throw new Error(`person ${x.given} ${x.family}: ${JSON.stringify(r.errors)}`);
  return r.id;
}

export async function relate(ctx: TestContext, p: Principal, childId: string, relatedId: string, type: string): Promise<void> {
  await new PeopleService(ctx.db, ctx.clock, ctx.profiles).addRelationship(p, childId, { relatedPersonId: relatedId, relationshipType: type, livesWithChild: true }, AUDIT);
}

export interface ConversationFixture {
  at: string;
  children: { personId: string; outcome: string; whereNow?: string; nextSteps?: string }[];
  caller?: { name: string; email: string | null; phone?: string; type?: 'professional' | 'public'; agencyCode?: string | null };
  worries?: string;
  concernDetail?: string;
}

/** A whole conversation, completed, started at `at` (the clock is set there). */
export async function conversation(ctx: TestContext, p: Principal, c: ConversationFixture): Promise<{ id: string; reference: string }> {
  ctx.clock.set(c.at);
  const service = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars, completionListener(ctx));
  const caller = c.caller ?? { name: 'Dr Priya Ashdown', email: 'priya.ashdown@gp.example.org', phone: '020 7946 0123' };
  const r = await service.createWhole(
    p,
    {
      caller_type: caller.type ?? 'professional', caller_name: caller.name, caller_role: caller.type === 'public' ? null : 'GP', caller_agency_code: caller.type === 'public' ? null : (caller.agencyCode ?? 'gp'),
      caller_agency_other: null, caller_phone: caller.phone ?? '020 7946 0123', caller_email: caller.email,
      concern_categories: ['neglect'], concern_detail: c.concernDetail ?? 'Weight loss and missed appointments', immediacy: 'soon', support_to_date: 'Health visitor visits',
      parents_informed: 'yes', consent_given: 'yes', consent_reason_codes: [], consent_reason_detail: null, lawful_basis_code: null,
      worries: c.worries ?? 'Faltering growth', strengths: 'Grandmother helps', needs_to_happen: 'A check by the health visitor',
    },
    c.children.map((ch, i) => ({
      person_id: ch.personId, position: i, where_now: ch.whereNow ?? 'At home', safe_tonight: 'yes', outcome_code: ch.outcome, caller_agreed: true,
      disagreement_note: null, next_steps: ch.nextSteps ?? 'Health visitor to visit this week', next_steps_by: 'Health visitor', level_code: '2',
    })),
    true,
    AUDIT,
  );
  return { id: r.id, reference: r.reference };
}

export async function decide(ctx: TestContext, p: Principal, conversationId: string, personId: string, at: string, rationale: string): Promise<void> {
  ctx.clock.set(at);
  const service = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars, completionListener(ctx));
  const r = await service.recordDecision(p, conversationId, { personId, decisionCode: 'child-and-family-assessment', primaryNeed: 'N1', rationale }, AUDIT);
  if (!r.ok) throw new Error(`decision: ${JSON.stringify(r.errors)}`);
}

export async function merge(ctx: TestContext, p: Principal, mergedId: string, survivorId: string): Promise<void> {
  const r = await new DuplicatesService(ctx).merge(p, mergedId, survivorId, 'Test fixture: the same child recorded twice', AUDIT);
  if (!('ok' in r) || !r.ok) throw new Error(`merge: ${JSON.stringify(r)}`);
}
