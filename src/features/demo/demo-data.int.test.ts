import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { evaluateAccumulation, type AccumulationRule } from '../../domain/accumulation.js';
import { validateForCompletion } from '../../domain/conversation-rules.js';
import { addDays, daysBetween, londonDateOf } from '../../domain/dates.js';
import { isValidNhsNumber } from '../../domain/nhs-number.js';
import { isValidPostcode, normalisePostcode } from '../../domain/postcode.js';
import { isValidUpn } from '../../domain/upn.js';
import { readAuthorityProfiles, syncAuthorityProfiles } from '../../platform/authorities.js';
import { verifyPassword } from '../../platform/auth/passwords.js';
import { loadWorkingCalendar } from '../../platform/context.js';
import { AuthorityProfiles } from '../../platform/authorities.js';
import { ServiceCalendars } from '../../platform/calendars.js';
import { openDatabase, type Database, type DatabaseHandle } from '../../platform/db/database.js';
import { migrate } from '../../platform/db/migrate.js';
import { DEMO_PASSWORD, demoUsers, loadDemoData } from './demo-data.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NOW = new Date('2026-11-23T10:00:00Z');
const profiles = readAuthorityProfiles();
const calendar = loadWorkingCalendar();
const ROLES = ['cads-worker', 'team-manager', 'mash-coordinator', 'partner-practitioner', 'edt-worker', 'mi-analyst', 'administrator', 'early-help-practitioner'];
const TABLES = [
  'users', 'households', 'persons', 'person_aliases', 'relationships', 'conversations',
  'conversation_versions', 'conversation_children', 'decisions', 'audit_events',
] as const;

interface TestDb {
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

async function freshSchema(connection: string): Promise<TestDb> {
  const schema = `demo_test_${randomBytes(6).toString('hex')}`;
  const admin = openDatabase({ url: connection, poolSize: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  const handle = openDatabase({ url: connection, schema });
  await migrate(handle.db);
  await syncAuthorityProfiles(handle.db, profiles);
  return {
    handle,
    drop: async () => {
      await handle.close();
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    },
  };
}

async function tableCounts(db: Database): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of TABLES) {
    const row = await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[t] = Number(row.n);
  }
  return counts;
}

async function childrenPerAuthority(db: Database): Promise<Map<string, number>> {
  const eighteenYearsAgo = addDays(londonDateOf(NOW), -Math.ceil(18 * 365.25));
  const rows = await db
    .selectFrom('persons')
    .select(['authority_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where((eb) => eb.or([eb('expected_date_of_birth', 'is not', null), eb('date_of_birth', '>', eighteenYearsAgo)]))
    .groupBy('authority_id')
    .execute();
  return new Map(rows.map((r) => [r.authority_id, Number(r.n)]));
}

async function conversationsOf(db: Database, personId: string) {
  return db
    .selectFrom('conversation_children as cc')
    .innerJoin('conversations as c', (j) => j.onRef('c.id', '=', 'cc.conversation_id').onRef('c.current_version', '=', 'cc.version'))
    .select(['c.id', 'c.started_at', 'c.status', 'cc.outcome_code'])
    .where('cc.person_id', '=', personId)
    .orderBy('c.started_at')
    .execute();
}

async function findPerson(db: Database, authorityId: string, given: string, family: string) {
  return db
    .selectFrom('persons')
    .selectAll()
    .where('authority_id', '=', authorityId)
    .where('given_name', '=', given)
    .where('family_name', '=', family)
    .execute();
}

/** Everything but the random ids, so two loads can be compared. */
async function fingerprint(db: Database): Promise<string> {
  const { rows } = await sql<{ persons: string; conversations: string }>`
    select
      (select md5(string_agg(concat_ws('|', authority_id, given_name, family_name, date_of_birth, expected_date_of_birth,
              nhs_number, upn, postcode, name_search), ',' order by authority_id, name_search, date_of_birth, nhs_number, postcode))
         from persons) as persons,
      (select md5(string_agg(concat_ws('|', c.reference, c.started_at, c.status, v.caller_name, v.concern_detail, cc.position, cc.outcome_code),
              ',' order by c.reference, cc.position))
         from conversations c join conversation_versions v on v.conversation_id = c.id
         join conversation_children cc on cc.conversation_id = c.id) as conversations`.execute(db);
  return JSON.stringify(rows[0]);
}

describe('demo data', () => {
  let t: TestDb;
  let db: Database;

  before(async () => {
    t = await freshSchema(url);
    db = t.handle.db;
    const result = await loadDemoData(db, { profiles, now: NOW, calendar });
    assert.equal(result.loaded, true);
    assert.deepEqual(result.users, demoUsers(profiles));
  });

  after(async () => {
    await t?.drop();
  });

  it('creates every role in every authority, all signing in with the demo password', async () => {
    const users = await db.selectFrom('users').selectAll().execute();
    for (const p of profiles) {
      const mine = users.filter((u) => u.authority_id === p.id);
      for (const role of ROLES) assert.ok(mine.some((u) => u.role === role), `${p.id} has a ${role}`);
      // Two at the front door, and a locality social worker who is some children's allocated worker.
      assert.equal(mine.filter((u) => u.role === 'cads-worker').length, 3);
      assert.equal(mine.filter((u) => u.role === 'cads-worker' && u.team_id === null).map((u) => u.email.split('@')[0]).join(), 'locality.worker');
      const teams = await db.selectFrom('teams').selectAll().where('authority_id', '=', p.id).execute();
      const teamName = (id: string | null) => teams.find((x) => x.id === id)?.name;
      for (const u of mine.filter((x) => (x.role === 'cads-worker' && x.team_id !== null) || x.role === 'team-manager')) {
        assert.equal(teamName(u.team_id), p.teams[0]);
      }
      // The out-of-hours team is the profile's last team (Staffordshire calls it a service, not a team).
      assert.equal(teamName(mine.find((u) => u.role === 'edt-worker')!.team_id), p.teams.at(-1));
      assert.match(p.teams.at(-1)!, /^Emergency Duty (Team|Service)$/);
      assert.match(teamName(mine.find((u) => u.role === 'mash-coordinator')!.team_id) ?? '', /MASH/);
      assert.equal(mine.find((u) => u.role === 'partner-practitioner')!.agency_code, 'police');
    }
    assert.ok(users.some((u) => u.email === 'cads.worker@norfolk.example'));
    assert.ok(users.some((u) => u.email === 'admin@stoke.example'));
    assert.equal(new Set(users.map((u) => u.password_hash)).size, 1);
    assert.ok(await verifyPassword(users[0]!.password_hash!, DEMO_PASSWORD));
  });

  it('has at least 200 children in each authority, some of them unborn', async () => {
    const children = await childrenPerAuthority(db);
    for (const p of profiles) assert.ok((children.get(p.id) ?? 0) >= 200, `${p.id}: ${children.get(p.id)} children`);
    const unborn = await db.selectFrom('persons').selectAll().where('expected_date_of_birth', 'is not', null).execute();
    assert.ok(unborn.length >= 4);
    const today = londonDateOf(NOW);
    for (const u of unborn) {
      assert.equal(u.given_name, null);
      assert.equal(u.sex, 'U');
      const days = daysBetween(today, u.expected_date_of_birth!);
      assert.ok(days > 0 && days <= 153, `expected in ${days} days`);
    }
  });

  it('uses only synthetic identifiers and contact details', async () => {
    const persons = await db.selectFrom('persons').selectAll().execute();
    const nhs = persons.filter((p) => p.nhs_number !== null).map((p) => p.nhs_number!);
    assert.ok(nhs.length > 300);
    for (const n of nhs) {
      assert.ok(n.startsWith('999'), n);
      assert.ok(isValidNhsNumber(n), n);
    }
    assert.equal(new Set(nhs).size, nhs.length, 'NHS numbers are unique');
    const upns = persons.filter((p) => p.upn !== null).map((p) => p.upn!);
    assert.ok(upns.length > 200);
    for (const u of upns) assert.ok(isValidUpn(u), u);
    for (const p of persons) {
      assert.ok(p.postcode && isValidPostcode(p.postcode) && normalisePostcode(p.postcode) === p.postcode, `${p.postcode}`);
      assert.ok(p.address_line_1 && p.town);
      assert.ok(p.household_id);
      assert.ok(p.name_search.length > 0 || (p.given_name === null && p.family_name === null));
      const area = {
        norfolk: /^(NR([1-9]|[12]\d|3[0-4])|PE3[0-4]) /,
        'stoke-on-trent': /^ST[1-6] /,
        staffordshire: /^(ST(5|1[3-7])|WS1[12]|DE1[34]) /,
      }[p.authority_id];
      assert.ok(area, `a postcode area for ${p.authority_id}`);
      assert.match(p.postcode, area);
      assert.match(p.postcode, area);
    }
    const drama = /^\+44(1632960\d{3}|7700900\d{3}|2079460\d{3})$/;
    const versions = await db.selectFrom('conversation_versions').select(['caller_phone', 'caller_email']).execute();
    const users = await db.selectFrom('users').select(['phone', 'email']).execute();
    for (const ph of [...versions.map((v) => v.caller_phone), ...users.map((u) => u.phone)]) {
      if (ph !== null) assert.match(ph, drama);
    }
    for (const e of [...versions.map((v) => v.caller_email), ...users.map((u) => u.email)]) {
      if (e !== null) assert.match(e, /^[a-z0-9.]+@([a-z-]+\.)*(example|example\.org|example\.com)$/, e);
    }
  });

  it('links families with relationships that read both ways for siblings', async () => {
    const rels = await db.selectFrom('relationships').selectAll().execute();
    const key = (a: string, b: string) => `${a}>${b}`;
    const all = new Map(rels.map((r) => [key(r.person_id, r.related_person_id), r]));
    for (const r of rels) {
      if (r.relationship_type === 'sibling' || r.relationship_type === 'half-sibling') {
        assert.equal(all.get(key(r.related_person_id, r.person_id))?.relationship_type, r.relationship_type);
      }
    }
    const types = new Set(rels.map((r) => r.relationship_type));
    for (const t of ['mother', 'father', 'step-parent', 'carer', 'sibling', 'half-sibling', 'grandparent']) assert.ok(types.has(t), t);
    assert.ok(rels.some((r) => r.relationship_type === 'father' && !r.lives_with_child));
    const aliases = await db.selectFrom('person_aliases').select('person_id').execute();
    assert.ok(aliases.length >= 10);
  });

  it('includes the showcase families', async () => {
    const [ellie] = await findPerson(db, 'norfolk', 'Ellie', 'Smith-Jones');
    const [alfie] = await findPerson(db, 'norfolk', 'Alfie', 'Smith-Jones');
    const [kerry] = await findPerson(db, 'norfolk', 'Kerry', 'Smith-Jones');
    assert.ok(ellie && alfie && kerry);
    assert.match(ellie.name_search, /eleanor smith jones/);
    const rel = await db.selectFrom('relationships').selectAll().where('person_id', '=', ellie.id).where('related_person_id', '=', kerry.id).executeTakeFirst();
    assert.equal(rel?.relationship_type, 'mother');
    for (const child of [ellie, alfie]) {
      const convs = await conversationsOf(db, child.id);
      assert.equal(convs.length, 3);
      for (const c of convs) assert.ok(daysBetween(londonDateOf(c.started_at), londonDateOf(NOW)) <= 305);
      const nfa = convs.findIndex((c) => c.outcome_code === 'no-further-action');
      assert.ok(nfa >= 0 && convs[nfa + 1]);
      assert.ok(daysBetween(londonDateOf(convs[nfa]!.started_at), londonDateOf(convs[nfa + 1]!.started_at)) <= 28);
    }

    const [libby] = await findPerson(db, 'stoke-on-trent', 'Libby', 'Hart');
    assert.ok(libby);
    const libbys = await conversationsOf(db, libby.id);
    assert.equal(libbys.length, 2);
    assert.equal(daysBetween(londonDateOf(libbys[0]!.started_at), londonDateOf(libbys[1]!.started_at)), 3);

    const poppies = await findPerson(db, 'norfolk', 'Poppy', 'Turner');
    assert.equal(poppies.length, 1);
    assert.equal((await conversationsOf(db, poppies[0]!.id)).length, 0);
  });

  it('gives the accumulation rules something to find in each authority', async () => {
    const rows = await db
      .selectFrom('conversation_children as cc')
      .innerJoin('conversations as c', 'c.id', 'cc.conversation_id')
      .select(['c.id', 'c.authority_id', 'c.started_at', 'cc.person_id', 'cc.outcome_code'])
      .where('c.status', '=', 'completed')
      .execute();
    for (const p of profiles) {
      const byChild = new Map<string, { id: string; occurredAt: Date; outcomeCode: string }[]>();
      for (const r of rows.filter((x) => x.authority_id === p.id)) {
        const list = byChild.get(r.person_id) ?? [];
        list.push({ id: r.id, occurredAt: r.started_at, outcomeCode: r.outcome_code ?? '' });
        byChild.set(r.person_id, list);
      }
      const fired = p.accumulationRules.map(() => 0);
      for (const history of byChild.values()) {
        const flags = evaluateAccumulation(history, NOW, p.accumulationRules as AccumulationRule[]);
        p.accumulationRules.forEach((rule, i) => {
          if (flags.some((f) => JSON.stringify(f.rule) === JSON.stringify(rule))) fired[i]! += 1;
        });
      }
      const expected = p.accumulationRules.map((r) => (r.kind === 'count-in-window' && r.count >= 3 ? 5 : 2));
      fired.forEach((n, i) => assert.ok(n >= expected[i]!, `${p.id} rule ${i}: ${n} children`));
    }
  });

  it('records completed conversations the app itself would accept', async () => {
    const versions = await db
      .selectFrom('conversation_versions as v')
      .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
      .selectAll('v')
      .select(['c.authority_id', 'c.status as conversation_status', 'c.started_at', 'c.completed_at as c_completed_at', 'c.reference', 'c.service'])
      .execute();
    const children = await db.selectFrom('conversation_children').selectAll().execute();
    const byConversation = new Map<string, typeof children>();
    for (const c of children) byConversation.set(c.conversation_id, [...(byConversation.get(c.conversation_id) ?? []), c]);

    for (const p of profiles) {
      const mine = versions.filter((v) => v.authority_id === p.id);
      const completed = mine.filter((v) => v.conversation_status === 'completed');
      assert.ok(completed.length >= 380 && completed.length <= 420, `${p.id}: ${completed.length}`);
      assert.ok(completed.filter((v) => v.service === 'edt').length >= 5);
      assert.ok(completed.filter((v) => v.consent_given === 'no').length >= completed.length * 0.1);
      const ref = new RegExp(`^${p.service.referencePrefix}-\\d{4}-\\d{6}$`);
      const conversationProfile = {
        outcomeCodes: p.outcomes.map((o) => o.code),
        concernCategoryCodes: p.concernCategories.map((c) => c.code),
        levelCodes: p.levels.map((l) => l.code),
        agencyCodes: p.agencies.map((a) => a.code),
      };
      for (const v of completed) {
        assert.equal(v.status, 'completed');
        assert.match(v.reference, ref);
        assert.ok(v.started_at <= NOW && v.completed_at! <= NOW && v.started_at >= new Date(NOW.getTime() - 550 * 86_400_000));
        const kids = byConversation.get(v.conversation_id) ?? [];
        assert.ok(kids.length >= 1 && kids.length <= 3);
        const errors = validateForCompletion(
          {
            caller: {
              name: v.caller_name, role: v.caller_role, agencyCode: v.caller_agency_code, agencyOther: v.caller_agency_other,
              phone: v.caller_phone, email: v.caller_email, callerType: v.caller_type,
            },
            children: kids.map((k) => ({
              personId: k.person_id, whereNow: k.where_now, safeTonight: k.safe_tonight, outcomeCode: k.outcome_code,
              callerAgreed: k.caller_agreed, disagreementNote: k.disagreement_note, nextSteps: k.next_steps, levelCode: k.level_code,
            })),
            concernCategories: v.concern_categories,
            concernDetail: v.concern_detail,
            immediacy: v.immediacy as never,
            supportToDate: v.support_to_date,
            parentsInformed: v.parents_informed,
            consentGiven: v.consent_given,
            consentReasonCodes: v.consent_reason_codes,
            consentReasonDetail: v.consent_reason_detail,
            lawfulBasisCode: v.lawful_basis_code,
            worries: v.worries,
            strengths: v.strengths,
            needsToHappen: v.needs_to_happen,
          },
          conversationProfile,
        );
        assert.deepEqual(errors, [], `${v.reference}: ${JSON.stringify(errors)}`);
      }
    }
    const references = versions.map((v) => v.reference);
    assert.equal(new Set(references).size, references.length);
  });

  it('decides every conversation that needs a decision, except the first worker’s queue', async () => {
    const rows = await db
      .selectFrom('conversations as c')
      .innerJoin('users as u', 'u.id', 'c.worker_id')
      .select(['c.id', 'c.authority_id', 'c.status', 'c.started_at', 'c.completed_at', 'c.decision_due_at', 'u.email'])
      .execute();
    const decisions = await db.selectFrom('decisions').selectAll().execute();
    const children = await db.selectFrom('conversation_children').select(['conversation_id', 'outcome_code']).execute();
    const decided = new Set(decisions.map((d) => d.conversation_id));

    for (const p of profiles) {
      const needs = new Set(p.outcomes.filter((o) => o.requiresDecision).map((o) => o.code));
      const needing = new Set(children.filter((c) => c.outcome_code && needs.has(c.outcome_code)).map((c) => c.conversation_id));
      const firstWorker = demoUsers([p]).find((u) => u.role === 'cads-worker')!.email;
      const awaiting = rows.filter((r) => r.authority_id === p.id && r.status === 'completed' && needing.has(r.id) && !decided.has(r.id));
      for (const r of rows.filter((x) => x.authority_id === p.id && x.status === 'completed')) {
        assert.equal(r.decision_due_at !== null, needing.has(r.id), 'due date set exactly when a decision is needed');
      }
      assert.ok(awaiting.every((r) => r.email === firstWorker), 'only the first worker has a queue');
      const overdue = awaiting.filter((r) => r.decision_due_at! < NOW);
      const due = awaiting.filter((r) => r.decision_due_at! >= NOW);
      assert.equal(overdue.length, 3, `${p.id} overdue`);
      assert.equal(due.length, 3, `${p.id} due`);
      for (const r of [...overdue, ...due]) assert.ok(r.started_at <= NOW);

      const drafts = rows.filter((r) => r.authority_id === p.id && r.status === 'draft');
      assert.equal(drafts.length, 2);
      assert.ok(drafts.every((d) => d.email === firstWorker && d.completed_at === null && d.decision_due_at === null));
      for (const d of drafts) {
        const kids = children.filter((c) => c.conversation_id === d.id);
        assert.equal(kids.length, 1);
        assert.equal(kids[0]!.outcome_code, null);
      }
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const d of decisions) {
      const c = byId.get(d.conversation_id)!;
      assert.ok(d.decided_at > c.completed_at! && d.decided_at <= c.decision_due_at! && d.decided_at <= NOW);
    }
  });

  it('flags out-of-hours conversations as the app would, accepts the older ones and leaves some on the handover list', async () => {
    const calendars = ServiceCalendars.load(new AuthorityProfiles(profiles));
    const rows = await db
      .selectFrom('conversations as c')
      .leftJoin('users as a', 'a.id', 'c.handover_accepted_by')
      .select(['c.authority_id', 'c.reference', 'c.service', 'c.started_at', 'c.out_of_hours', 'c.handover_due_at', 'c.handover_accepted_at', 'a.role as accepted_role'])
      .execute();
    for (const p of profiles) {
      const cal = calendars.forAuthority(p.id);
      const mine = rows.filter((r) => r.authority_id === p.id);
      for (const r of mine) {
        const expected = r.service === 'edt' || !cal.isOpen(r.started_at);
        assert.equal(r.out_of_hours, expected, `${r.reference} out of hours`);
        if (!expected) {
          assert.equal(r.handover_due_at, null);
          assert.equal(r.handover_accepted_at, null);
          continue;
        }
        assert.equal(r.handover_due_at?.toISOString(), cal.addWorkingHours(r.started_at, p.edtHandover.acceptWithinWorkingHours).toISOString(), r.reference);
        if (r.handover_accepted_at) {
          assert.ok(r.handover_accepted_at >= cal.nextOpening(r.started_at)! && r.handover_accepted_at <= NOW, r.reference);
          assert.ok(r.handover_accepted_at <= r.handover_due_at!, `${r.reference} accepted in time`);
          assert.equal(r.accepted_role, 'cads-worker');
        }
      }
      const edt = mine.filter((r) => r.service === 'edt');
      assert.ok(edt.filter((r) => r.handover_accepted_at).length >= 5, `${p.id}: older EDT conversations accepted`);
      const waiting = mine.filter((r) => r.out_of_hours && !r.handover_accepted_at && cal.nextOpening(r.started_at)! <= NOW);
      assert.ok(waiting.some((r) => r.handover_due_at! < NOW), `${p.id}: one overdue`);
      assert.ok(waiting.some((r) => r.handover_due_at! >= NOW), `${p.id}: one due`);
    }
  });

  it('generates the same families and conversations from the same seed', async () => {
    const other = await freshSchema(url);
    try {
      await loadDemoData(other.handle.db, { profiles, now: NOW, calendar });
      assert.equal(await fingerprint(other.handle.db), await fingerprint(db));
    } finally {
      await other.drop();
    }
  });

  it('writes no audit events, and a second load changes nothing', async () => {
    const before = await tableCounts(db);
    assert.equal(before.audit_events, 0);
    const again = await loadDemoData(db, { profiles, now: NOW, calendar });
    assert.equal(again.loaded, false);
    assert.deepEqual(again.users, demoUsers(profiles));
    assert.deepEqual(await tableCounts(db), before);
  });
});
