import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import type { Access } from '../../platform/http/access.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { GRANT_HOURS, RestrictedRecordsService, type Withheld } from './restricted-records.service.js';
import { subjectOfRoute } from './subjects.js';
import type { SubjectKind } from './restricted-records.repository.js';
import { sql } from 'kysely';
import { uuidsIn, withhold } from './withhold.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * issue10-F: 'manage' for the pages that manage restrictions and break glass: they are not
     * refused for a restricted record (a manager not on the list can still lift a restriction),
     * though what they show is still withheld.
     */
    restrictedRecords?: 'manage';
  }
  interface FastifyRequest {
    /** issue10-F: the restricted people this request's principal may not open (set by the guard). */
    withheld?: Withheld;
  }
}

/** The problem type the API answers with when a record is restricted (documented at that address). */
export const RESTRICTED_PROBLEM_PATH = '/problems/restricted-record';

/**
 * The restricted-records guard, for every route of the app (hooks on the shared scope apply to
 * every route in it, whichever feature registered them):
 *
 *  1. works out which restricted people the signed-in person (or integration) may not open;
 *  2. refuses a route that opens a record about one of them – by its `:id` (SUBJECT_ROUTES), or
 *     because the request names one of them anywhere in its query or body (adding a restricted
 *     child to a conversation, say) – with the "restricted record" page or a problem+json 403;
 *  3. otherwise withholds their identifying details from whatever the page or the API answer shows.
 *
 * Routes declare nothing for this: a new list is withheld, and a new record page is refused once
 * its address is in SUBJECT_ROUTES (the authorisation test insists on it).
 */
export function installRestrictedRecordsGuard(app: FastifyInstance, ctx: AppContext): void {
  const service = new RestrictedRecordsService(ctx);
  const refusals = new WeakMap<FastifyRequest, { references: string[]; next: string }>();

  // Before the body is validated, so that an API request about a restricted record is refused the
  // same way whatever its body (a page's form has no schema, so pages are answered below).
  app.addHook('preValidation', async (request, reply) => {
    const principal = request.principal;
    const access = request.routeOptions.config.access as Access | undefined;
    if (!principal || !access || 'public' in access) return;
    const withheld = await service.withheldFor(principal);
    request.withheld = withheld;
    // Another council's record looks as if it did not exist, before any form or body is looked at
    // (the authorisation matrix checks every record route, role and authority).
    const addressed = subjectOfRoute(request.routeOptions.url, request.params);
    if (addressed && !(await recordIsIn(ctx, addressed.kind, addressed.id, withheld.authorities))) throw notFound('record');
    if (withheld.people.size === 0) return;
    withholdViews(reply, withheld);
    if (request.routeOptions.config.restrictedRecords === 'manage') return;

    const subject = addressed;
    const named = [...uuidsIn(request.query), ...uuidsIn(request.body)];
    const people = subject ? await service.subjectPeople(ctx.db, subject.kind, subject.id, withheld.authorities) : [];
    const hit = [...new Set([...people, ...named])].filter((p) => withheld.people.has(p));
    if (hit.length === 0) return;
    const references = [...new Set(hit.map((p) => withheld.people.get(p)!))].sort();
    if (request.url.startsWith('/api/')) {
      throw new HttpError(
        403,
        'Restricted record',
        'This record is restricted to named people. Anyone else must open it in Front Door and give a reason ("break glass"), which is recorded and its owner told. An integration cannot open it.',
        { type: `${ctx.config.baseUrl}${RESTRICTED_PROBLEM_PATH}`, references },
      );
    }
    // What to open: the record the address is about, or (for a restricted person named in a form)
    // that person's record.
    const next = subject && people.some((p) => withheld.people.has(p)) ? subject.path : `/people/${hit[0]}`;
    refusals.set(request, { references, next });
  });

  // Pages: the "restricted record" page, once the page's own locals (who is signed in, the CSRF
  // token) are set by the app's earlier preHandlers.
  app.addHook('preHandler', async (request, reply) => {
    const refusal = refusals.get(request);
    if (!refusal) return;
    reply.code(403);
    return reply.view('restricted-records/views/withheld.njk', { title: 'Restricted record', ...refusal, hours: GRANT_HOURS });
  });

  // The API's answers: the same withholding as the pages.
  app.addHook('preSerialization', async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    const w = request.withheld;
    return w && w.people.size ? withhold(payload, w) : payload;
  });
}

/** Makes this reply's pages withhold restricted people from their data. */
function withholdViews(reply: FastifyReply, w: Withheld): void {
  const r = reply as unknown as { view: (page: string, data?: object, opts?: object) => unknown; viewAsync: (page: string, data?: object, opts?: object) => unknown };
  const view = r.view;
  const viewAsync = r.viewAsync;
  r.view = function (this: unknown, page: string, data?: object, opts?: object) {
    return view.call(this, page, data ? withhold(data, w) : data, opts);
  };
  r.viewAsync = function (this: unknown, page: string, data?: object, opts?: object) {
    return viewAsync.call(this, page, data ? withhold(data, w) : data, opts);
  };
}


/** The table holding each kind of record a route can open (each has the council's authority_id). */
const SUBJECT_TABLES: Record<SubjectKind, string> = {
  person: 'persons', conversation: 'conversations', 'mash-enquiry': 'mash_enquiries', 'mash-request': 'mash_check_requests',
  referral: 'referrals', 'early-help-request': 'early_help_requests', disagreement: 'disagreements', allocation: 'worker_allocations',
  'allocated-worker-notice': 'allocated_worker_notices', duplicate: 'duplicate_candidates', merge: 'person_merges',
  'mailbox-message': 'mailbox_messages', call: 'calls',
};

/** False only when the record exists and belongs to a council the principal does not serve (a missing record is the route's to answer). */
async function recordIsIn(ctx: AppContext, kind: SubjectKind, id: string, authorities: readonly string[]): Promise<boolean> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return true;
  const r = await sql<{ authority_id: string }>`select authority_id from ${sql.table(SUBJECT_TABLES[kind])} where id = ${id}::uuid`.execute(ctx.db);
  const row = r.rows[0];
  return !row || authorities.includes(row.authority_id);
}
