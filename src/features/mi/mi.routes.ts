import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { toErrorList, HttpError } from '../../platform/http/errors.js';
import { parsePeriodQuery, type Period } from '../../platform/http/period.js';
import { str, auditContext } from '../../platform/http/forms.js';
import { recordAudit } from '../../platform/audit.js';
import { toCsv, toXlsx, XLSX_TYPE } from '../../platform/http/tabular.js';
import { addDays, daysBetween, formatDateLong, todayInLondon } from '../../domain/dates.js';
import type { FieldError } from '../../domain/person-rules.js';
import { MiService, MI_DASHBOARD_ROLES, DRILLS, NO_FILTERS, type DrillKind, type MiFilters } from './mi.service.js';
import { figureTables, summarySentences, asTabular, type OtherFigures } from './mi-figures.js';
import { barChartSvg } from './mi-chart.js';
import { refreshManagementInformation } from './mi-refresh.js';
import { SurveyService } from '../survey/survey.service.js';
import { StatutoryReturns } from './statutory-returns.js';
import { NOT_HELD } from '../../domain/cin-census.js';
import { MashMiService } from '../mash/mash-mi.js';

const DEFAULT_DAYS = 28;
/** Longer periods are charted by week. */
const DAILY_UP_TO = 62;

interface FilterOptions {
  teams: { value: string; text: string }[];
  workers: { value: string; text: string }[];
  agencies: { value: string; text: string }[];
  concerns: { value: string; text: string }[];
  levels: { value: string; text: string }[];
  outcomes: { value: string; text: string }[];
}

/** The management information dashboard: figures from the MI summary table, exports and drill-downs. */
export function miRoutes(app: FastifyInstance, ctx: AppContext) {
  const mi = new MiService(ctx);
  const survey = new SurveyService(ctx.db, ctx.clock, ctx.profiles);
  const mash = new MashMiService(ctx);
  const access = { access: { roles: MI_DASHBOARD_ROLES } };

  async function options(authorityId: string): Promise<FilterOptions> {
    const profile = ctx.profiles.get(authorityId);
    const teams = await ctx.db.selectFrom('teams').select(['id', 'name']).where('authority_id', '=', authorityId).orderBy('name').execute();
    const workers = await ctx.db
      .selectFrom('users')
      .select(['id', 'display_name'])
      .where('authority_id', '=', authorityId)
      .where('role', 'in', ['cads-worker', 'team-manager', 'edt-worker'])
      .orderBy('display_name')
      .execute();
    const coded = (l: { code: string; label: string }[]) => l.map((x) => ({ value: x.code, text: x.label }));
    return {
      teams: teams.map((t) => ({ value: t.id, text: t.name })),
      workers: workers.map((w) => ({ value: w.id, text: w.display_name })),
      agencies: coded(profile.agencies),
      concerns: coded(profile.concernCategories),
      levels: coded(profile.levels),
      outcomes: coded(profile.outcomes),
    };
  }

  /** Period and filters from the query, each checked against what the authority has. */
  async function parse(request: FastifyRequest) {
    const q = request.query as Record<string, unknown>;
    const today = todayInLondon(ctx.clock.now());
    const parsed = parsePeriodQuery(q, { from: addDays(today, -(DEFAULT_DAYS - 1)), to: today });
    const opts = await options(request.principal!.authorityId);
    const errors: FieldError[] = parsed.ok ? [] : [...parsed.errors];
    const pick = (name: string, list: { value: string }[], message: string) => {
      const v = str(q[name]);
      if (v && !list.some((x) => x.value === v)) errors.push({ field: name, message });
      return v && list.some((x) => x.value === v) ? v : '';
    };
    const hours = str(q.hours);
    const filters: MiFilters = {
      teamId: pick('team', opts.teams, 'Select a team from the list'),
      workerId: pick('worker', opts.workers, 'Select a worker from the list'),
      agency: pick('agency', opts.agencies, 'Select a caller agency from the list'),
      concern: pick('concern', opts.concerns, 'Select a concern from the list'),
      level: pick('level', opts.levels, 'Select a level of need from the list'),
      outcome: pick('outcome', opts.outcomes, 'Select an outcome from the list'),
      hours: hours === 'in' || hours === 'out' ? hours : '',
    };
    if (hours && !filters.hours) errors.push({ field: 'hours', message: 'Select in hours, out of hours or both' });
    const values = { ...parsed.values, team: filters.teamId, worker: filters.workerId, agency: filters.agency, concern: filters.concern, level: filters.level, outcome: filters.outcome, hours: filters.hours };
    return { ok: parsed.ok && errors.length === 0, period: parsed.ok ? parsed.period : null, filters, errors, values, opts };
  }

  /** The query string that brings back the same period and filters (ids and codes only, never a person). */
  function queryOf(period: Period, f: MiFilters): string {
    const p = new URLSearchParams({ from: period.from, to: period.to });
    const add = (k: string, v: string) => v && p.set(k, v);
    add('team', f.teamId); add('worker', f.workerId); add('agency', f.agency); add('concern', f.concern); add('level', f.level); add('outcome', f.outcome); add('hours', f.hours);
    return p.toString();
  }

  async function tables(request: FastifyRequest, period: Period, filters: MiFilters) {
    const principal = request.principal!;
    const profile = ctx.profiles.get(principal.authorityId);
    const d = await mi.dashboard(principal, period, filters);
    const unfiltered = JSON.stringify(filters) === JSON.stringify(NO_FILTERS);
    // Survey and MASH figures come from those features' reports, which know nothing of these filters.
    const other: OtherFigures = { survey: null, mash: null };
    if (unfiltered) {
      const s = await survey.results(principal, period);
      const avg = Number(s.totals.average);
      other.survey = { sent: s.totals.sent, responses: s.totals.responses, average: Number.isFinite(avg) ? avg : null, scaleMax: s.headline?.range?.max ?? null };
      const m = await mash.figures(principal, period);
      other.mash = {
        rows: m.enquiries.rows.map((r) => ({ label: r.label, total: r.total, open: r.open, closed: r.closed })),
        agencies: m.agencies.rows.map((x) => ({ label: x.label, sent: x.sent, answered: x.onTime + x.late, onTime: x.onTime, overdue: x.openOverdue })),
      };
    }
    const byWeek = daysBetween(period.from, period.to) + 1 > DAILY_UP_TO;
    return { d, profile, unfiltered, byWeek, list: figureTables(d, profile, other, { byWeek }) };
  }

  app.get('/mi', { config: access }, async (request, reply) => {
    const p = await parse(request);
    const base = { title: 'Management information', values: p.values, opts: p.opts, defaultDays: DEFAULT_DAYS, hoursItems: [{ value: '', text: 'In and out of hours' }, { value: 'in', text: 'In opening hours' }, { value: 'out', text: 'Out of hours' }] };
    if (!p.ok || !p.period) {
      reply.code(400);
      return reply.view('mi/views/dashboard.njk', { ...base, errors: toErrorList(p.errors), figures: null });
    }
    const t = await tables(request, p.period, p.filters);
    const series = t.byWeek ? t.d.volume.weeks.map((w) => ({ label: `Week beginning ${formatDateLong(w.week)}`, tick: w.week.slice(5).split('-').reverse().join('/'), value: w.conversations })) : t.d.volume.days.map((x) => ({ label: formatDateLong(x.day), tick: x.day.slice(5).split('-').reverse().join('/'), value: x.conversations }));
    const chart = barChartSvg(series, {
      id: 'volume-chart',
      title: t.byWeek ? 'Conversations per week' : 'Conversations per day',
      description: `Bar chart of ${t.d.volume.conversations} conversations from ${formatDateLong(p.period.from)} to ${formatDateLong(p.period.to)}. The same numbers are in the table below the chart.`,
      unit: 'conversations',
    });
    return reply.view('mi/views/dashboard.njk', {
      ...base,
      figures: t.list,
      summary: summarySentences(t.d),
      chart,
      asOf: t.d.asOf,
      waiting: t.d.waiting,
      unfiltered: t.unfiltered,
      period: { ...p.period, fromLabel: formatDateLong(p.period.from), toLabel: formatDateLong(p.period.to) },
      query: queryOf(p.period, p.filters),
      canRefresh: true,
    });
  });

  app.get('/mi/export', { config: access }, async (request, reply) => {
    const p = await parse(request);
    if (!p.ok || !p.period) throw new HttpError(400, 'The period or a filter is not valid', p.errors.map((e) => e.message).join('. '));
    const q = request.query as Record<string, unknown>;
    const format = str(q.format);
    const figure = str(q.figure) || 'all';
    if (!['csv', 'xlsx'].includes(format)) throw new HttpError(400, 'Choose CSV or XLSX', 'The format must be csv or xlsx.');
    const t = await tables(request, p.period, p.filters);
    const chosen = figure === 'all' ? t.list : t.list.filter((x) => x.key === figure);
    if (chosen.length === 0) throw new HttpError(404, 'No such figure', 'That figure is not on the dashboard.');
    const name = `front-door-mi-${figure}-${p.period.from}-to-${p.period.to}`;
    if (format === 'csv') {
      if (chosen.length > 1) throw new HttpError(400, 'One figure per CSV file', 'A CSV file holds one table: choose a figure, or download the XLSX workbook for all of them.');
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(asTabular(chosen[0]!)));
    }
    const buf = await toXlsx(chosen.map(asTabular));
    return reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${name}.xlsx"`).send(buf);
  });

  app.get('/mi/drill', { config: access }, async (request, reply) => {
    const p = await parse(request);
    if (!p.ok || !p.period) throw new HttpError(400, 'The period or a filter is not valid', p.errors.map((e) => e.message).join('. '));
    const q = request.query as Record<string, unknown>;
    const kind = str(q.kind) as DrillKind;
    if (!(kind in DRILLS)) throw new HttpError(404, 'No such figure', 'That figure cannot be listed.');
    const value = str(q.value);
    const principal = request.principal!;
    const rows = await mi.drill(principal, p.period, p.filters, kind, value);
    // A list of children is a view of their records: audited, one entry per child.
    await recordAudit(ctx.db, auditContext(request), { action: 'mi.drilled-down', personIds: [...new Set(rows.map((r) => r.person_id))], details: { kind, value, from: p.period.from, to: p.period.to, rows: rows.length } });
    const profile = ctx.profiles.get(principal.authorityId);
    const label = kind === 'outcome' ? `${DRILLS[kind]}: ${profile.outcomes.find((o) => o.code === value)?.label ?? value}` : kind === 'day' ? `${DRILLS[kind]}: ${formatDateLong(value)}` : DRILLS[kind];
    return reply.view('mi/views/drill.njk', {
      title: label,
      label,
      rows,
      limit: 500,
      period: { fromLabel: formatDateLong(p.period.from), toLabel: formatDateLong(p.period.to) },
      backLink: `/mi?${queryOf(p.period, p.filters)}`,
    });
  });

  const returns = new StatutoryReturns(ctx);

  /** Ofsted Annex A Lists 1 and 3: the page (counts and the validation report) and the downloads. */
  app.get('/mi/annex-a', { config: access }, async (request, reply) => {
    const parsed = parsePeriodQuery(request.query as Record<string, unknown>, returns.defaultAnnexPeriod());
    const base = { title: 'Ofsted Annex A', values: parsed.values };
    if (!parsed.ok) {
      reply.code(400);
      return reply.view('mi/views/annex-a.njk', { ...base, errors: toErrorList(parsed.errors), lists: null });
    }
    const principal = request.principal!;
    const [one, three] = [await returns.annexA(principal, 1, parsed.period), await returns.annexA(principal, 3, parsed.period)];
    return reply.view('mi/views/annex-a.njk', {
      ...base,
      lists: [
        { n: 1, name: 'List 1: contacts', rows: one.rows.length, findings: one.findings },
        { n: 3, name: 'List 3: referrals', rows: three.rows.length, findings: three.findings },
      ],
      period: { ...parsed.period, fromLabel: formatDateLong(parsed.period.from), toLabel: formatDateLong(parsed.period.to) },
      query: new URLSearchParams(parsed.period as unknown as Record<string, string>).toString(),
    });
  });

  // issue10-D: a statutory return names every child, so downloading one needs a recent sign-in.
  app.get('/mi/annex-a/export', { config: { ...access, recentAuth: true } }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const parsed = parsePeriodQuery(q, returns.defaultAnnexPeriod());
    if (!parsed.ok) throw new HttpError(400, 'The period is not valid', parsed.errors.map((e) => e.message).join('. '));
    const list = str(q.list);
    const format = str(q.format);
    if (!['1', '3'].includes(list) || !['csv', 'xlsx'].includes(format)) throw new HttpError(400, 'Choose List 1 or List 3, as CSV or XLSX', 'list must be 1 or 3 and format csv or xlsx.');
    const principal = request.principal!;
    const built = await returns.annexA(principal, Number(list) as 1 | 3, parsed.period);
    // A statutory list is a bulk view of children's details: recorded as one event naming the list and the period.
    await recordAudit(ctx.db, auditContext(request), { action: 'mi.statutory-return-exported', details: { return: `annex-a-list-${list}`, format, from: parsed.period.from, to: parsed.period.to, rows: built.rows.length } });
    const name = `annex-a-list-${list}-${principal.authorityId}-${parsed.period.from}-to-${parsed.period.to}`;
    const sheet = { name: `List ${list}`, headers: built.headers, rows: built.rows };
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(sheet));
    const report = { name: 'Validation report', headers: ['Row', 'Reference', 'Column', 'Problem'], rows: built.findings.map((f) => [f.row, f.reference, f.column, f.problem]) };
    return reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${name}.xlsx"`).send(await toXlsx([sheet, report]));
  });

  /** The DfE Children in Need census: the referral items we hold, as XML, with the findings. */
  app.get('/mi/cin-census', { config: access }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const fallback = returns.defaultCensusYear();
    const yearText = str(q.year) || String(fallback);
    const year = Number(yearText);
    const principal = request.principal!;
    if (!/^\d{4}$/.test(yearText) || year < 2014 || year > fallback + 1) {
      reply.code(400);
      return reply.view('mi/views/cin-census.njk', { title: 'Children in Need census', values: { year: yearText }, errors: toErrorList([{ field: 'year', message: `Enter a census year between 2014 and ${fallback + 1}` }]), census: null, notHeld: NOT_HELD });
    }
    const census = await returns.cinCensus(principal, year);
    const { start, end } = collectionPeriodLabels(year);
    return reply.view('mi/views/cin-census.njk', {
      title: 'Children in Need census', values: { year: yearText }, census, notHeld: NOT_HELD, year, start, end,
      errorsCount: census.findings.filter((f) => f.severity === 'error').length, queriesCount: census.findings.filter((f) => f.severity === 'query').length,
      laNumber: ctx.profiles.get(principal.authorityId).statutoryReturns?.laNumber ?? null,
    });
  });

  // issue10-D: a sensitive action, like the Annex A download.
  app.get('/mi/cin-census/export', { config: { ...access, recentAuth: true } }, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const year = Number(str(q.year));
    if (!Number.isInteger(year) || year < 2014 || year > returns.defaultCensusYear() + 1) throw new HttpError(400, 'Choose a census year', 'year must be a census year, for example 2026.');
    const principal = request.principal!;
    const census = await returns.cinCensus(principal, year);
    await recordAudit(ctx.db, auditContext(request), { action: 'mi.statutory-return-exported', details: { return: 'cin-census', format: 'xml', from: `${year - 1}-04-01`, to: `${year}-03-31`, rows: census.referrals } });
    return reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="cin-census-${year}-${principal.authorityId}.xml"`).send(census.xml);
  });

  app.post('/mi/refresh', { config: access }, async (request, reply) => {
    // Bounded, so a huge backlog cannot hold the request: the job does the rest.
    const r = await refreshManagementInformation(ctx.db, ctx.profiles, ctx.clock.now(), { maxBatches: 5 });
    request.session.flash = { heading: 'Figures refreshed', text: r.conversations ? `${r.conversations} changed ${r.conversations === 1 ? 'conversation was' : 'conversations were'} counted.` : 'Everything was already counted.' };
    const back = str((request.body as Record<string, unknown> | undefined)?.query);
    return reply.redirect(`/mi${/^[\w=&%.+-]*$/.test(back) && back ? `?${back}` : ''}`, 303);
  });
}

function collectionPeriodLabels(year: number) {
  return { start: formatDateLong(`${year - 1}-04-01`), end: formatDateLong(`${year}-03-31`) };
}
