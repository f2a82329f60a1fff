/**
 * The MASH coordinator's dashboard at scale (issue 7): one authority with 5,000 open enquiries and
 * 30,000 check requests (plus decided history), timed through MashService.dashboard – the same call
 * the /mash page makes, under the same row-level-security role – and, when the page exists, as the
 * whole page over the app's HTTP stack (Fastify inject: routing, session, audit, rendering).
 */
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { DB } from '../src/platform/db/schema.js';
import type { Principal } from '../src/platform/auth/roles.js';
import { MashService } from '../src/features/mash/mash.service.js';
import { createTestApp, createUser, signedInAgent } from '../test/support/harness.js';
import { openBenchContext, type BenchContext, type EngineName } from './engine.js';
import { seedHouseholds } from './data.js';
import { msSince, now, rng, sampleSerial } from './stats.js';

export interface MashBenchConfig {
  openEnquiries: number;
  /** Check requests across the open, rated enquiries (each asks 6 or 7 of the profile's agencies). */
  requests: number;
  closedEnquiries: number;
  households: number;
  runs: number;
  warmup: number;
}

export const MASH_CONFIG: MashBenchConfig = { openEnquiries: 5000, requests: 30000, closedEnquiries: 5000, households: 4000, runs: 200, warmup: 20 };

const HOUR = 3_600_000;

/** Seeds one authority's MASH: people, open and decided enquiries, and check requests. */
export async function seedMash(ctx: BenchContext, cfg: MashBenchConfig) {
  const authorityId = 'norfolk';
  const profile = ctx.profiles.get(authorityId);
  const coordinator = await createUser(ctx, { role: 'mash-coordinator', authorityId, teamName: profile.teams.find((t) => /MASH/.test(t)) ?? profile.teams[0] });
  const r = rng(7);
  const seedStart = now();
  const people = await seedHouseholds(ctx.db, r, { households: cfg.households, authorityId, userId: coordinator.id });
  const t0 = new Date();
  const agencies = profile.mash.checkAgencies.map((a) => a.code);
  const statuses = ['awaiting-rating', 'checks', 'checks', 'checks', 'checks', 'checks', 'collation', 'collation', 'decision'] as const;
  const rags = ['red', 'amber', 'amber', 'green', 'green'] as const;
  let enquiries: Insertable<DB['mash_enquiries']>[] = [];
  let children: Insertable<DB['mash_enquiry_children']>[] = [];
  let requests: Insertable<DB['mash_check_requests']>[] = [];
  let requestCount = 0;
  const flush = async () => {
    for (let i = 0; i < enquiries.length; i += 1000) await ctx.db.insertInto('mash_enquiries').values(enquiries.slice(i, i + 1000)).execute();
    for (let i = 0; i < children.length; i += 2000) await ctx.db.insertInto('mash_enquiry_children').values(children.slice(i, i + 2000)).onConflict((oc) => oc.doNothing()).execute();
    for (let i = 0; i < requests.length; i += 2000) await ctx.db.insertInto('mash_check_requests').values(requests.slice(i, i + 2000)).execute();
    enquiries = [];
    children = [];
    requests = [];
  };
  const total = cfg.openEnquiries + cfg.closedEnquiries;
  const ratedOpen = Array.from({ length: cfg.openEnquiries }, (_, n) => statuses[n % statuses.length] !== 'awaiting-rating').filter(Boolean).length;
  const base = Math.floor(cfg.requests / ratedOpen);
  let extra = cfg.requests - base * ratedOpen;
  if (base + 1 > agencies.length) throw new Error(`${cfg.requests} requests need more agencies than the profile has`);
  for (let n = 0; n < total; n++) {
    const closed = n >= cfg.openEnquiries;
    const status = closed ? 'closed' : statuses[n % statuses.length]!;
    const rated = status !== 'awaiting-rating';
    const created = new Date(t0.getTime() - (closed ? r.int(5, 400) * 24 * HOUR : r.int(0, 96) * HOUR));
    // Open work is due from a day ago to three days ahead, so some requests are overdue and some due soon.
    const due = rated ? new Date(t0.getTime() + r.int(-24, 72) * HOUR + r.int(0, 59) * 60_000) : null;
    const id = randomUUID();
    enquiries.push({
      id, authority_id: authorityId, hub_id: profile.mash.hub.id, reference: `NFK-MASH-2026-${String(n + 1).padStart(6, '0')}`,
      conversation_id: null, reason: 'Bench enquiry', questions: 'What does each agency know?',
      rag: rated ? rags[n % rags.length]! : null, rated_at: rated ? created : null, rated_by: rated ? coordinator.id : null, due_at: due,
      status, decision_code: closed ? 'no-further-action' : null, decision_rationale: closed ? 'Bench' : null,
      decided_at: closed ? new Date(created.getTime() + 20 * HOUR) : null, created_by: coordinator.id, created_at: created,
    });
    const kids = r.int(1, 2);
    for (let k = 0; k < kids; k++) children.push({ enquiry_id: id, person_id: people.childIds[r.int(0, people.childIds.length - 1)]! });
    if (!closed && rated) {
      const asked = agencies.slice(0, base + (extra-- > 0 ? 1 : 0));
      const answeredBefore = r.int(0, asked.length);
      for (const [i, agency] of asked.entries()) {
        const answered = status !== 'checks' || i < answeredBefore;
        requests.push({
          id: randomUUID(), enquiry_id: id, authority_id: authorityId, agency_code: agency, due_at: due!, sent_at: created, sent_by: coordinator.id,
          status: answered ? 'answered' : 'open', answered_at: answered ? new Date(created.getTime() + r.int(1, 30) * HOUR) : null,
        });
        requestCount++;
      }
    }
    if (enquiries.length >= 2000) await flush();
  }
  await flush();
  const raw = await ctx.raw();
  await raw.query('analyze mash_enquiries, mash_enquiry_children, mash_check_requests, persons');
  const seedSeconds = Math.round(msSince(seedStart) / 100) / 10;
  return { authorityId, coordinator, people, requestCount, seedSeconds };
}

export async function benchMash(engine: EngineName, url: string, cfg: MashBenchConfig = MASH_CONFIG) {
  const ctx = await openBenchContext(engine, url, 4);
  try {
    const { authorityId, coordinator, people, requestCount, seedSeconds } = await seedMash(ctx, cfg);

    const principal: Principal = { kind: 'user', id: coordinator.id, authorityId, role: 'mash-coordinator', displayName: 'Bench', agencyCode: null, teamId: null, email: coordinator.email };
    const mash = new MashService(ctx);
    const first = await mash.dashboard(principal);
    const counts = await ctx.db
      .selectFrom('mash_check_requests')
      .select([(eb) => eb.fn.countAll<number>().as('all'), (eb) => eb.fn.count<number>('id').filterWhere('status', '=', 'open').as('open')])
      .executeTakeFirstOrThrow();
    const filters = {
      firstPage: {},
      lastPage: { page: Math.ceil(first.total / first.pageSize) },
      overdueOnly: { overdueOnly: true },
      red: { rag: 'red' },
      reference: { reference: '0042' },
      allIncludingClosed: { status: 'all' },
    } as const;
    const service: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(filters)) service[name] = await sampleSerial(cfg.runs, cfg.warmup, () => mash.dashboard(principal, f));

    // The whole page: routing, session, the service call, rendering and the audit entry.
    const app = await createTestApp(ctx);
    let page: unknown;
    try {
      const agent = await signedInAgent(app, coordinator.email);
      const check = await agent.get('/mash');
      if (check.status !== 200) throw new Error(`GET /mash answered ${check.status}`);
      page = {
        firstPage: await sampleSerial(cfg.runs, cfg.warmup, async () => {
          const res = await agent.get('/mash');
          if (res.status !== 200) throw new Error(`GET /mash answered ${res.status}`);
        }),
        overdueOnly: await sampleSerial(cfg.runs, cfg.warmup, () => agent.get('/mash?overdue=yes')),
        bytes: check.body.length,
      };
    } finally {
      await app.close();
    }

    return {
      engine,
      data: {
        openEnquiries: first.total,
        closedEnquiries: cfg.closedEnquiries,
        requests: Number(counts.all),
        openRequests: Number(counts.open),
        overdueRequestsNow: first.summary.overdueRequests,
        people: people.persons,
        seedSeconds,
        requestsSeeded: requestCount,
      },
      method:
        'MashService.dashboard as the /mash page calls it: headline figures (open enquiries by status and rating, open requests overdue and due soon on each rating’s clock) and one page of 50 enquiries with their children and requests, in one transaction under the row-level-security role, with its audit entry. Serial calls on one client after untimed warm-up; pool of 4.',
      dashboardMs: service,
      pageMethod: 'GET /mash through the whole app (Fastify inject, no network): session lookup, the dashboard call, Nunjucks rendering of 50 rows.',
      pageMs: page,
    };
  } finally {
    await ctx.close();
  }
}
