import type { SubjectKind } from './restricted-records.repository.js';

/**
 * Which routes open a record about a child, and what their `:id` is. Every route under one of these
 * addresses is guarded: someone not named on a restriction that covers the record's people gets the
 * "restricted record" page (or a problem+json 403 on the API) until they give a reason.
 *
 * Every route that takes an id must be listed here or in NOT_ABOUT_A_CHILD; the authorisation test
 * fails when a new one is in neither, so nobody adds a record page that skips the check.
 */
export const SUBJECT_ROUTES: readonly { prefix: string; kind: SubjectKind }[] = [
  { prefix: '/people/:id', kind: 'person' },
  { prefix: '/api/v1/people/:id', kind: 'person' },
  { prefix: '/admin/audit/people/:id', kind: 'person' },
  { prefix: '/admin/subject-access/people/:id', kind: 'person' },
  { prefix: '/conversations/:id', kind: 'conversation' },
  { prefix: '/api/v1/conversations/:id', kind: 'conversation' },
  { prefix: '/handover/:id', kind: 'conversation' },
  { prefix: '/mash/enquiries/:id', kind: 'mash-enquiry' },
  { prefix: '/api/v1/mash/enquiries/:id', kind: 'mash-enquiry' },
  { prefix: '/mash/requests/:id', kind: 'mash-request' },
  { prefix: '/api/v1/mash/requests/:id', kind: 'mash-request' },
  { prefix: '/referrals/:id', kind: 'referral' },
  { prefix: '/early-help/:id', kind: 'early-help-request' },
  { prefix: '/disagreements/:id', kind: 'disagreement' },
  { prefix: '/allocated-workers/:id', kind: 'allocation' },
  { prefix: '/allocated-worker-notices/:id', kind: 'allocated-worker-notice' },
  { prefix: '/duplicates/:id', kind: 'duplicate' },
  { prefix: '/merges/:id', kind: 'merge' },
  { prefix: '/api/v1/merges/:id', kind: 'merge' },
  { prefix: '/mailbox/:id', kind: 'mailbox-message' },
  { prefix: '/phone/calls/:id', kind: 'call' },
];

/**
 * Routes that take an id but open no child's record, each with why. Lists among them still pass
 * through `withhold`, so a restricted child's name never shows there either.
 */
export const NOT_ABOUT_A_CHILD: Readonly<Record<string, string>> = {
  '/admin/before-you-call/pages/:id': 'a public guidance page',
  '/before-you-call/questions/:id': 'a question asked of the service, about no child',
  '/before-you-call/:authority': 'an authority’s public pages',
  '/admin/mash-partners/:id': 'a partner practitioner’s served authorities',
  '/admin/phone-line/versions/:version': 'a version of the phone line’s configuration',
  '/api/v1/referrals/:id': 'the referring agency’s own view of its referral’s status (names no child)',
  '/api/v1/telephony/lines/:number': 'a phone line',
  '/professionals/:id': 'a professional in the directory (their conversations are a list, withheld as lists are)',
  '/phone/callbacks/:id': 'a callback to a phone number',
  '/survey/:token': 'a caller’s survey',
  '/tasks/:id': 'a task about a written record’s delivery',
  '/admin/users/:id': 'a user account',
  '/admin/retention/holds/:id': 'a legal hold (what it holds is shown as lists are, withheld)',
  '/admin/retention/reviews/:id': 'a record due for its retention review (shown as lists are, withheld)',
  '/admin/retention/:type': 'the retention list for a type of record',
  '/restricted-records/tasks/:id': 'a task telling an owner or manager that a restricted record was opened',
};

/** The route's subject, when it opens a child's record. */
export function subjectOfRoute(routeUrl: string | undefined, params: unknown): { kind: SubjectKind; id: string; path: string } | null {
  if (!routeUrl) return null;
  const entry = SUBJECT_ROUTES.find((s) => routeUrl === s.prefix || routeUrl.startsWith(`${s.prefix}/`));
  if (!entry) return null;
  const id = (params as Record<string, unknown> | undefined)?.id;
  if (typeof id !== 'string' || !UUID.test(id)) return null;
  return { kind: entry.kind, id: id.toLowerCase(), path: entry.prefix.replace(':id', id.toLowerCase()) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The subject of a page's address (for "break glass": what the person is asking to open). Only
 * a page of this service, by its path: no scheme, no host, no query.
 */
export function subjectOfPath(path: string): { kind: SubjectKind; id: string; path: string } | null {
  if (!/^\/[A-Za-z0-9/_-]{1,250}$/.test(path) || path.includes('//')) return null;
  for (const s of SUBJECT_ROUTES) {
    if (s.prefix.startsWith('/api/')) continue;
    const before = s.prefix.slice(0, s.prefix.indexOf(':id'));
    if (!path.startsWith(before)) continue;
    const rest = path.slice(before.length);
    const id = rest.slice(0, 36);
    if (!UUID.test(id)) continue;
    const tail = rest.slice(36);
    if (tail === '' || tail.startsWith('/')) return { kind: s.kind, id: id.toLowerCase(), path };
  }
  return null;
}

/** Whether a route takes an id (a `:param` in its address). */
export function takesAnId(routeUrl: string): boolean {
  return /:[A-Za-z]+/.test(routeUrl);
}

/** How a route with an id is classified: a subject (guarded), or listed as not about a child. */
export function classification(routeUrl: string): 'subject' | 'not-about-a-child' | null {
  if (SUBJECT_ROUTES.some((s) => routeUrl === s.prefix || routeUrl.startsWith(`${s.prefix}/`))) return 'subject';
  if (Object.keys(NOT_ABOUT_A_CHILD).some((p) => routeUrl === p || routeUrl.startsWith(`${p}/`))) return 'not-about-a-child';
  return null;
}
