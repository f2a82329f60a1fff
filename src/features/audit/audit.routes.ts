// issue10-A: the audit log's pages for administrators (their own authority only).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { uuidParam } from '../../platform/http/params.js';
import { toErrorList } from '../../platform/http/errors.js';
import { toCsv } from '../../platform/http/tabular.js';
import { formatDateLong, formatDateTimeLondon } from '../../domain/dates.js';
import type { FieldError } from '../../domain/person-rules.js';
import { AuditLogService, EXPORT_LIMIT, PAGE_SIZE, COUNT_CAP, type SearchCriteria } from './audit.service.js';
import type { AuditExportRow } from './audit.repository.js';
import { withhold, RESTRICTED_NAME } from '../restricted-records/withhold.js';

const SEARCH_FIELDS = ['user', 'person', 'from', 'to', 'from-day', 'from-month', 'from-year', 'to-day', 'to-month', 'to-year'];

/** The query string that brings a search back: ids and dates only, never a name. */
function queryOf(c: SearchCriteria, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (c.userId) p.set('user', c.userId);
  if (c.personId) p.set('person', c.personId);
  p.set('from', c.period.from);
  p.set('to', c.period.to);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

/** govukPagination's parameters. */
function pagination(page: number, pages: number, href: (n: number) => string) {
  if (pages <= 1) return null;
  const items: Record<string, unknown>[] = [];
  for (let n = 1; n <= pages; n++) {
    if (n === 1 || n === pages || Math.abs(n - page) <= 1) items.push({ number: n, href: href(n), current: n === page });
    else if (items.at(-1)?.ellipsis !== true) items.push({ ellipsis: true });
  }
  return { previous: page > 1 ? { href: href(page - 1) } : undefined, next: page < pages ? { href: href(page + 1) } : undefined, items, landmarkLabel: 'Pages of audit entries' };
}

function personName(p: { given_name: string | null; family_name: string | null; expected_date_of_birth: string | null }): string {
  const name = [p.given_name, p.family_name].filter(Boolean).join(' ');
  return name || (p.expected_date_of_birth ? 'Unborn child' : 'Name not known');
}

/** A restricted child's row, once withheld (issue10-F): no name, no details, only the reference. */
type Row = AuditExportRow & { restricted?: boolean; restrictedReference?: string };

function csvOf(rows: Row[]): string {
  return toCsv({
    headers: ['Entry', 'When (UTC)', 'When (London)', 'Who', 'Role', 'Action', 'Child', 'Child record ID', 'Conversation', 'About', 'About ID', 'Details', 'IP address', 'Request ID', 'Chain position', 'Chain hash'],
    rows: rows.map((r) => [
      r.id,
      new Date(r.occurred_at).toISOString(),
      formatDateTimeLondon(new Date(r.occurred_at)),
      r.user_name ?? r.service_name ?? 'System',
      r.actor_role,
      r.action,
      r.restricted ? `${RESTRICTED_NAME} ${r.restrictedReference}` : r.person_id ? personName(r) : null,
      r.person_id,
      r.reference,
      r.entity_type,
      r.entity_id,
      r.restricted ? 'withheld: restricted record' : JSON.stringify(r.details),
      r.ip,
      r.request_id,
      r.seq,
      r.hash,
    ]),
  });
}

export function auditRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new AuditLogService(ctx);
  const admin = { access: { roles: CAN.administer } };

  async function render(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>) {
    const users = await service.users(request.principal!);
    const period = service.defaultPeriod();
    return reply.view('audit/views/search.njk', {
      title: 'Audit log',
      userItems: [{ value: '', text: 'Anyone' }, ...users.map((u) => ({ value: u.id, text: `${u.display_name} (${u.email})` }))],
      defaultPeriod: { fromLabel: formatDateLong(period.from), toLabel: formatDateLong(period.to) },
      values: {},
      ...extra,
    });
  }

  /** The search form, and the results when a search was made. */
  app.get('/admin/audit', { config: admin }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    if (!SEARCH_FIELDS.some((k) => k in q)) return render(request, reply, {});
    const principal = request.principal!;
    const parsed = await service.parse(principal, q);
    if (!parsed.ok) {
      reply.code(400);
      return render(request, reply, { values: parsed.values, errors: toErrorList(parsed.errors) });
    }
    const requested = /^\d{1,6}$/.test(str(q.page)) ? Number(str(q.page)) : 1;
    const result = await service.search(principal, parsed.criteria, requested, auditContext(request));
    const c = parsed.criteria;
    return render(request, reply, {
      values: parsed.values,
      results: {
        ...result,
        rows: result.rows.map((r) => ({ ...r, userHref: r.actor_user_id && r.user_name ? `/admin/audit?${queryOf({ ...c, userId: r.actor_user_id, personId: null })}#results` : null })),
        first: result.total ? (result.page - 1) * PAGE_SIZE + 1 : 0,
        last: (result.page - 1) * PAGE_SIZE + result.rows.length,
        cap: COUNT_CAP.toLocaleString('en-GB'),
        period: { fromLabel: formatDateLong(c.period.from), toLabel: formatDateLong(c.period.to) },
        person: parsed.person,
        exportHref: `/admin/audit/export.csv?${queryOf(c)}`,
        exportLimit: EXPORT_LIMIT.toLocaleString('en-GB'),
      },
      pagination: pagination(result.page, result.pages, (n) => `/admin/audit?${queryOf(c, { page: String(n) })}#results`),
    });
  });

  /** The same search as a CSV file, oldest first, each entry with its place in the hash chain. */
  app.get('/admin/audit/export.csv', { config: admin }, async (request, reply) => {
    const principal = request.principal!;
    const parsed = await service.parse(principal, request.query as Record<string, unknown>);
    if (!parsed.ok) {
      reply.code(400);
      return render(request, reply, { values: parsed.values, errors: toErrorList(parsed.errors) });
    }
    const rows = await service.export(principal, parsed.criteria, auditContext(request));
    if (!rows) {
      const errors: FieldError[] = [{ field: 'from-day', message: `There are more than ${EXPORT_LIMIT.toLocaleString('en-GB')} entries to download: choose a shorter period, a user or a child` }];
      reply.code(400);
      return render(request, reply, { values: parsed.values, errors: toErrorList(errors) });
    }
    const c = parsed.criteria;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-log-${c.period.from}-to-${c.period.to}.csv"`)
      .header('cache-control', 'no-store')
      // A file is not a page: withhold restricted children here as the pages' views do (issue10-F).
      .send(csvOf(request.withheld ? withhold(rows as Row[], request.withheld) : rows));
  });

  // Finding a child by a conversation reference: posted, so the reference stays out of the address bar.
  app.post('/admin/audit', { config: admin }, async (request, reply) => {
    const reference = str(bodyOf(request).reference).toUpperCase();
    if (!reference) {
      reply.code(400);
      return render(request, reply, { found: { reference }, errors: [{ text: 'Enter a conversation reference, like NFK-2026-000123', href: '#reference' }] });
    }
    const children = await service.childrenOfConversation(request.principal!, reference);
    if (!children) {
      reply.code(404);
      return render(request, reply, { found: { reference }, errors: [{ text: 'No conversation in your authority has that reference', href: '#reference' }] });
    }
    return render(request, reply, { found: { reference, children } });
  });

  app.get('/admin/audit/people/:id', { config: admin }, async (request, reply) => {
    const id = uuidParam(request);
    const result = await service.trail(request.principal!, id, auditContext(request));
    return reply.view('audit/views/trail.njk', { title: 'Audit trail', ...result, searchHref: `/admin/audit?person=${id}` });
  });
}
