/**
 * issue10-E: older records for the demo, so the retention pages have something to show. The rest of
 * the demo data is from the last 18 months, so none of it is due. Per authority: three children now
 * in their mid-twenties with conversations from eleven years ago (two past their 25th birthday, one
 * turning 25 within the review window), one of them with a younger sister whose record keeps their
 * shared conversation, a call nobody answered seven years ago, and a partner's question from then.
 * They are made through the services with the clock set back, like every other demo record, and the
 * retention review is run once. Does nothing where an authority already has records that old.
 */
import type { AppContext, Clock } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import type { AuditContext } from '../../platform/audit.js';
import { randomUUID } from 'node:crypto';
import { addDays, londonDateOf } from '../../domain/dates.js';
import { addYears } from '../../domain/retention.js';
import { PeopleService } from '../people/people.service.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { completionListener } from '../conversations/completion.js';
import { BeforeYouCallService } from '../before-you-call/before-you-call.service.js';
import { RetentionService } from './retention.service.js';

const AUDIT: AuditContext = { principal: null, ip: null, requestId: 'demo-data' };

export async function seedDemoRetention(ctx: AppContext, now: Date): Promise<number> {
  const today = londonDateOf(now);
  const longAgo = new Date(now.getTime() - 10 * 365 * 24 * 3600_000);
  let made = 0;
  for (const profile of ctx.profiles.all()) {
    const old = await ctx.db.selectFrom('conversations').select('id').where('authority_id', '=', profile.id).where('started_at', '<', longAgo).limit(1).executeTakeFirst();
    if (old) continue;
    const u = await ctx.db.selectFrom('users').selectAll().where('authority_id', '=', profile.id).where('role', '=', 'cads-worker').where('disabled_at', 'is', null).orderBy('email').executeTakeFirst();
    if (!u) continue;
    const worker: Principal = { kind: 'user', id: u.id, authorityId: u.authority_id, role: u.role as Role, displayName: u.display_name, agencyCode: u.agency_code, teamId: u.team_id, email: u.email };
    let at = now;
    const clock: Clock = { now: () => new Date(at) };
    const then = { ...ctx, clock };
    const people = new PeopleService(ctx.db, clock, ctx.profiles);
    const conversations = new ConversationsService(ctx.db, clock, ctx.profiles, ctx.calendars, completionListener(then));
    const atDay = (date: string) => new Date(`${date}T10:30:00Z`);
    // A weekday eleven years ago (and the next weekdays after it).
    let day = addYears(today, -11);
    const weekday = () => {
      while ([0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay())) day = addDays(day, 1);
      const d = day;
      day = addDays(day, 7);
      return d;
    };
    const child = async (given: string, family: string, dob: string, householdOf?: string) => {
      const [y, m, d] = dob.split('-');
      const r = await people.create(worker, {
        givenName: given, familyName: family, aliasGiven: '', aliasFamily: '', unborn: false, dob: { day: d!, month: m!, year: y! }, sex: 'U', ethnicity: '', nhsNumber: '', upn: '',
        addressLine1: '', addressLine2: '', town: '', postcode: '', schoolSetting: '', gpPractice: '', firstLanguage: '', interpreterNeeded: '', disabilityCodes: [],
      }, AUDIT, { differentChildReason: 'Demo data', householdOf });
      if (!r.ok) throw new Error(`demo retention: ${given} ${family} could not be made`);
      return r.id;
    };
    const talk = async (children: string[], caller: string) => {
      at = atDay(weekday());
      await conversations.createWhole(worker, {
        caller_type: 'professional', caller_name: caller, caller_role: 'Designated safeguarding lead', caller_agency_code: profile.agencies.find((a) => a.code === 'school')?.code ?? profile.agencies[0]!.code,
        caller_agency_other: null, caller_phone: '01603 000000', caller_email: null, concern_categories: [profile.concernCategories[0]!.code], concern_detail: 'Attendance has dropped and the child seems withdrawn.',
        immediacy: 'not-immediate', support_to_date: 'Pastoral support in school', parents_informed: 'yes', consent_given: 'yes', consent_reason_codes: [], consent_reason_detail: null, lawful_basis_code: null,
        worries: 'Attendance and mood', strengths: 'A close relationship with a grandparent', needs_to_happen: 'Advice to the school',
      }, children.map((id, i) => ({
        person_id: id, position: i, where_now: 'At school', safe_tonight: 'yes' as const, outcome_code: 'advice-and-information', caller_agreed: true, disagreement_note: null,
        next_steps: 'School to follow the advice given', next_steps_by: 'School', level_code: profile.levels[0]!.code,
      })), true, AUDIT);
      made++;
    };
    // Born 25 years and a few months ago (past the disposal date), and 25 years less a month ago (due for review).
    const past = addDays(addYears(today, -25), -120);
    const soon = addDays(addYears(today, -25), 30);
    const first = await child('Corin', 'Ashdown-Vale', past);
    const second = await child('Maisie', 'Threlkeld', addDays(past, 40));
    const sister = await child('Ivy', 'Threlkeld', addYears(today, -12), second);
    const third = await child('Rafe', 'Okonedo-Price', soon);
    await talk([first], 'Mrs Hollis');
    await talk([second], 'Mr Dunmore');
    await talk([second, sister], 'Mr Dunmore');
    await talk([third], 'Ms Achebe');
    // A call nobody answered, and a question from a partner, seven years ago.
    const line = profile.phoneLines[0]!;
    const callAt = atDay(addYears(today, -7));
    await ctx.db.insertInto('calls').values({
      id: randomUUID(), authority_id: profile.id, source: 'cti', external_id: `demo-retention-${randomUUID()}`, line_id: line.id, dialled_number: line.number, caller_number: '+447700900999',
      state: 'ended', outcome: 'abandoned', offered_at: callAt, ended_at: new Date(callAt.getTime() + 120_000), updated_at: new Date(callAt.getTime() + 120_000),
    }).execute();
    at = callAt;
    await new BeforeYouCallService(then).submitQuestion(profile.id, { name: 'Demo Partner', email: 'partner@school.example.org', organisation: 'Demo Primary School', question: 'Who do I call about a child who has moved away?' }, AUDIT);
    await new RetentionService(ctx).review(profile.id, now);
  }
  return made;
}
