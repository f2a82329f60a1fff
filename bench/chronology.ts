/**
 * Measurements 2 and 3: a child with a long history (200 completed conversations, and their
 * brothers and sisters with more), then the chronology (service alone and the whole HTTP page)
 * and the accumulation check (pure, and with the history fetched from the database).
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../src/platform/auth/roles.js';
import type { AuditContext } from '../src/platform/audit.js';
import type { Clock } from '../src/platform/context.js';
import { ConversationsService } from '../src/features/conversations/conversations.service.js';
import { ConversationsRepository } from '../src/features/conversations/conversations.repository.js';
import { PeopleService } from '../src/features/people/people.service.js';
import { evaluateAccumulation, type ConversationSummary } from '../src/domain/accumulation.js';
import { nameSearchText } from '../src/domain/names.js';
import { createServer } from '../src/server.js';
import { signedInAgent } from '../test/support/harness.js';
import { analyzeTables, type BenchContext } from './engine.js';
import { profileRoundTrips } from './roundtrips.js';
import { londonDateOf } from '../src/domain/dates.js';
import { conversationInput } from './data.js';
import { sampleSerial, type Rng } from './stats.js';

export interface ChronologyConfig {
  ownConversations: number;
  siblingOnlyConversations: number;
  runs: number;
  warmup: number;
  accumulationPureRuns: number;
  accumulationDbRuns: number;
}

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

class SettableClock implements Clock {
  constructor(private t: Date) {}
  now() {
    return new Date(this.t);
  }
  set(t: Date) {
    this.t = t;
  }
}

export interface ChronologySubject {
  childId: string;
  householdPeople: number;
  conversationsAboutChild: number;
  conversationsInChronology: number;
  firstStartedAt: string;
  lastStartedAt: string;
}

/**
 * The child, two brothers or sisters and their mother in one household (linked as relationships),
 * then conversations spread over the last three years, each recorded with createWhole at its
 * own time: every conversation about the child also names one sibling; some name only siblings.
 */
export async function seedChronology(ctx: BenchContext, principal: Principal, r: Rng, cfg: ChronologyConfig): Promise<ChronologySubject> {
  const authorityId = principal.authorityId;
  const householdId = randomUUID();
  await ctx.db.insertInto('households').values({ id: householdId, authority_id: authorityId }).execute();
  const person = (given: string, dob: string) => ({
    id: randomUUID(), authority_id: authorityId, household_id: householdId, given_name: given, family_name: 'Benchmark',
    name_search: nameSearchText({ given_name: given, family_name: 'Benchmark' }), date_of_birth: dob, sex: 'F', created_by: principal.id,
  });
  const child = person('Ellie', '2015-03-14');
  const sib1 = person('Jack', '2012-07-02');
  const sib2 = person('Rosie', '2019-11-30');
  const mother = person('Ann', '1988-01-09');
  await ctx.db.insertInto('persons').values([child, sib1, sib2, mother]).execute();
  const rel = (a: string, b: string, type: string) => ({ id: randomUUID(), authority_id: authorityId, person_id: a, related_person_id: b, relationship_type: type, lives_with_child: true, created_by: principal.id });
  await ctx.db.insertInto('relationships').values([
    rel(child.id, sib1.id, 'sibling'), rel(sib1.id, child.id, 'sibling'), rel(child.id, sib2.id, 'sibling'), rel(sib2.id, child.id, 'sibling'),
    rel(sib1.id, sib2.id, 'sibling'), rel(sib2.id, sib1.id, 'sibling'), rel(child.id, mother.id, 'mother'), rel(sib1.id, mother.id, 'mother'), rel(sib2.id, mother.id, 'mother'),
  ]).execute();

  const clock = new SettableClock(new Date());
  const service = new ConversationsService(ctx.db, clock, ctx.profiles, ctx.calendars);
  const audit: AuditContext = { principal, ip: '127.0.0.1', requestId: null };
  const profile = ctx.profiles.get(authorityId);
  const end = Date.now() - 24 * 3600 * 1000;
  const start = end - 3 * 365 * 24 * 3600 * 1000;
  const plan = [
    ...Array.from({ length: cfg.ownConversations }, (_, i) => ({ children: [child.id, i % 2 ? sib1.id : sib2.id] })),
    ...Array.from({ length: cfg.siblingOnlyConversations }, () => ({ children: [sib1.id, sib2.id] })),
  ].map((p) => {
    // Working hours on a random day in the period, so dates look like a real front door's.
    const d = new Date(start + r.next() * (end - start));
    d.setUTCHours(r.int(8, 16), r.int(0, 59), r.int(0, 59), 0);
    return { ...p, at: d };
  }).sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const p of plan) {
    clock.set(p.at);
    const c = conversationInput(r, profile, p.children);
    await service.createWhole(principal, c.fields, c.children, true, audit);
  }
  return {
    childId: child.id,
    householdPeople: 4,
    conversationsAboutChild: cfg.ownConversations,
    conversationsInChronology: plan.length,
    firstStartedAt: plan[0]!.at.toISOString(),
    lastStartedAt: plan[plan.length - 1]!.at.toISOString(),
  };
}

export async function benchChronology(ctx: BenchContext, principal: Principal, email: string, subject: ChronologySubject, cfg: ChronologyConfig) {
  const people = new PeopleService(ctx.db, ctx.clock, ctx.profiles);
  const audit: AuditContext = { principal, ip: '127.0.0.1', requestId: null };
  const id = subject.childId;

  await analyzeTables(ctx);
  const check = await people.chronology(principal, id, audit);
  if (check.entries.length !== subject.conversationsInChronology) {
    throw new Error(`chronology has ${check.entries.length} entries, expected ${subject.conversationsInChronology}`);
  }
  log(`${ctx.engine}: chronology service x${cfg.runs}`);
  const service = await sampleSerial(cfg.runs, cfg.warmup, () => people.chronology(principal, id, audit));
  log(`${ctx.engine}:   p50 ${service.p50} ms, p99 ${service.p99} ms`);
  const view = await sampleSerial(cfg.runs, cfg.warmup, () => people.view(principal, id, audit));
  const profile = await profileRoundTrips(Math.min(50, cfg.runs), () => people.chronology(principal, id, audit));

  const app = await createServer(ctx);
  await app.ready();
  let page;
  let pageProfile;
  let pageBytes = 0;
  try {
    const agent = await signedInAgent(app, email);
    const get = async () => {
      const res = await agent.get(`/people/${id}`);
      if (res.status !== 200) throw new Error(`GET /people/:id answered ${res.status}`);
      pageBytes = res.body.length;
    };
    await get();
    log(`${ctx.engine}: GET /people/:id x${cfg.runs}`);
    page = await sampleSerial(cfg.runs, cfg.warmup, get);
    log(`${ctx.engine}:   p50 ${page.p50} ms, p99 ${page.p99} ms`);
    pageProfile = await profileRoundTrips(Math.min(30, cfg.runs), get);
  } finally {
    await app.close();
  }
  return {
    subject,
    entries: check.entries.length,
    flags: check.flags.map((f) => f.message),
    serviceChronologyMs: { method: 'PeopleService.chronology(principal, childId, audit): one transaction (person, household ids, chronology rows, audit insert) + grouping + accumulation', ...service },
    serviceViewMs: { method: 'PeopleService.view (the other service call the page makes): person, aliases, family, audit insert', ...view },
    httpPageMs: { method: 'app.inject GET /people/:id as a signed-in CADS worker: session + principal lookup, view, chronology, Nunjucks render', htmlBytes: pageBytes, ...page! },
    pageMinusServiceCallsP50Ms: Math.round((page!.p50 - service.p50 - view.p50) * 1000) / 1000,
    chronologyRoundTrips: profile,
    pageRoundTrips: pageProfile,
  };
}

export async function benchAccumulation(ctx: BenchContext, principal: Principal, subject: ChronologySubject, cfg: ChronologyConfig) {
  const repo = new ConversationsRepository();
  const profile = ctx.profiles.get(principal.authorityId);
  const options = { outcomeLabels: Object.fromEntries(profile.outcomes.map((o) => [o.code, o.label])) };
  const toSummary = (h: { id: string; started_at: Date; outcome_code: string | null }[]): ConversationSummary[] =>
    h.map((x) => ({ id: x.id, occurredAt: x.started_at, outcomeCode: x.outcome_code ?? '' }));
  const history = toSummary(await repo.childrenHistory(ctx.db, principal.authorityId, [subject.childId], new Date(Date.now() - 366 * 86_400_000)));
  const asOf = new Date();
  const flags = evaluateAccumulation(history, asOf, profile.accumulationRules, options);

  log(`${ctx.engine}: accumulation pure x${cfg.accumulationPureRuns}, db-backed x${cfg.accumulationDbRuns}`);
  const pure = await sampleSerial(cfg.accumulationPureRuns, Math.min(500, cfg.accumulationPureRuns), () => {
    evaluateAccumulation(history, asOf, profile.accumulationRules, options);
  });
  // The part of the pure evaluation spent turning instants into London dates (Intl formatToParts).
  const dates = await sampleSerial(cfg.accumulationPureRuns, Math.min(500, cfg.accumulationPureRuns), () => {
    for (const h of history) londonDateOf(h.occurredAt);
  });
  const db = await sampleSerial(cfg.accumulationDbRuns, Math.min(50, cfg.accumulationDbRuns), async () => {
    const h = await repo.childrenHistory(ctx.db, principal.authorityId, [subject.childId], new Date(Date.now() - 366 * 86_400_000));
    evaluateAccumulation(toSummary(h), new Date(), profile.accumulationRules, options);
  });
  return {
    historyLength: history.length,
    rules: profile.accumulationRules.length,
    flagsRaised: flags.map((f) => f.message),
    pureMs: { method: `evaluateAccumulation(${history.length} conversations, now, norfolk rules) — synchronous, no I/O`, ...pure },
    londonDateOfForEachConversationMs: { method: 'londonDateOf(occurredAt) for each of the history\'s conversations, as evaluateAccumulation does first', ...dates },
    dbBackedMs: { method: 'ConversationsRepository.childHistory (outside a transaction) + evaluateAccumulation, as completeIn does per child', ...db },
  };
}
