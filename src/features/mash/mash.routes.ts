import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import type { Principal } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, list, opt, str, type FormBody } from '../../platform/http/forms.js';
import { HttpError, toErrorList } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { LAWFUL_BASES } from '../../domain/codes.js';
import { formatDateTimeLondon, parseDateParts, todayInLondon } from '../../domain/dates.js';
import type { FieldError } from '../../domain/person-rules.js';
import { PeopleService } from '../people/people.service.js';
import { MashService, MASH_ROLES, TEXT_MAX, type ResponseInput } from './mash.service.js';

const VIEWS = 'mash/views/mash';

/** What each status is called on the page. */
export const STATUS_LABELS: Record<string, string> = {
  'awaiting-rating': 'Awaiting rating',
  checks: 'Checks with agencies',
  collation: 'Ready to collate',
  decision: 'Awaiting decision',
  closed: 'Decided',
};
const STATUS_FILTERS = ['open', 'all', ...Object.keys(STATUS_LABELS)];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const lawfulBases = LAWFUL_BASES.map((b) => ({ code: b.code, label: b.label }));

function lockVersionOf(body: FormBody): number {
  const n = Number(str(body['lock-version']));
  // A missing or mangled version can never match: the service answers "someone else changed this".
  return Number.isInteger(n) ? n : -1;
}

/** A conflict (409) from the service: shown on the page as an error, with the latest data. */
function isConflict(e: unknown): e is HttpError {
  return e instanceof HttpError && e.status === 409;
}

/** The dashboard's query string, kept for the filter form and the pagination links. */
function dashboardQuery(q: Record<string, unknown>) {
  const status = STATUS_FILTERS.includes(str(q.status)) ? str(q.status) : 'open';
  const rag = ['red', 'amber', 'green'].includes(str(q.rag)) ? str(q.rag) : '';
  const overdue = str(q.overdue) === 'yes';
  const reference = str(q.reference).slice(0, 40);
  const pageNo = Number(str(q.page));
  const page = Number.isInteger(pageNo) && pageNo >= 1 && pageNo <= 10_000 ? pageNo : 1;
  return { status, rag, overdue, reference, page };
}

function dashboardHref(f: { status: string; rag: string; overdue: boolean; reference: string }, page: number): string {
  const p = new URLSearchParams();
  if (f.status !== 'open') p.set('status', f.status);
  if (f.rag) p.set('rag', f.rag);
  if (f.overdue) p.set('overdue', 'yes');
  if (f.reference) p.set('reference', f.reference);
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `/mash?${s}` : '/mash';
}

/** govukPagination's params for a page of `total` items. */
function pagination(page: number, pageSize: number, total: number, href: (n: number) => string) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const items: Record<string, unknown>[] = [];
  for (let n = 1; n <= pages; n++) {
    if (n === 1 || n === pages || Math.abs(n - page) <= 1) items.push({ number: n, href: href(n), current: n === page });
    else if (items.at(-1)?.ellipsis !== true) items.push({ ellipsis: true });
  }
  return {
    previous: page > 1 ? { href: href(page - 1) } : undefined,
    next: page < pages ? { href: href(page + 1) } : undefined,
    items,
    landmarkLabel: 'Pages of MASH enquiries',
  };
}

/** Each correction with the time of the response it corrects, for "Corrects the response of …". */
function withCorrectedTimes<T extends { id: string; corrects_id: string | null; responded_at: Date }>(responses: T[]): (T & { correctsAt: Date | null })[] {
  return responses.map((x) => ({ ...x, correctsAt: responses.find((y) => y.id === x.corrects_id)?.responded_at ?? null }));
}

/** The partner's response form → the service's input; the date checked comes in three boxes. */
function responseFrom(body: FormBody, today: string): { input: ResponseInput; dateError: FieldError | null } {
  const kind = str(body.kind);
  const isQuestion = kind === 'question';
  const parts = { day: str(body['checkedOn-day']), month: str(body['checkedOn-month']), year: str(body['checkedOn-year']) };
  let checkedOn: string | null = null;
  let dateError: FieldError | null = null;
  if (!isQuestion && (parts.day || parts.month || parts.year)) {
    const parsed = parseDateParts(parts, { label: 'the date you checked', mustBePast: true, allowToday: true, today });
    if (parsed.ok) checkedOn = parsed.date;
    else dateError = { field: `checkedOn-${parsed.field === 'all' ? 'day' : parsed.field}`, message: parsed.message };
  }
  return {
    input: {
      kind,
      nothingKnown: str(body.nothingKnown) === 'yes',
      // A question back to the MASH is carried in `holds`, as the service expects.
      holds: isQuestion ? opt(body.question) : opt(body.holds),
      sourceSystem: opt(body.sourceSystem),
      checkedOn,
      riskInformation: opt(body.riskInformation),
      lawfulBasisCode: opt(body.lawfulBasisCode),
      correctsId: kind === 'correction' ? opt(body.correctsId) : null,
    },
    dateError,
  };
}

/**
 * The MASH pages: the coordinator's dashboard, opening an enquiry, rating it and asking partner
 * agencies for checks, collation with the social worker's analysis and the manager's decision, and
 * the partner practitioner's own requests and responses. The rules live in MashService; these
 * routes parse forms and render pages.
 */
export function mashRoutes(app: FastifyInstance, ctx: AppContext) {
  const mash = new MashService(ctx);
  const people = new PeopleService(ctx.db, ctx.clock, ctx.profiles);
  const dashboard = { access: { roles: MASH_ROLES.dashboard } };
  const create = { access: { roles: MASH_ROLES.create } };
  const collate = { access: { roles: MASH_ROLES.collate } };
  const rate = { access: { roles: MASH_ROLES.rate } };
  const send = { access: { roles: MASH_ROLES.send } };
  const decide = { access: { roles: MASH_ROLES.decide } };
  const respond = { access: { roles: MASH_ROLES.respond } };
  const profileOf = (p: Principal) => ctx.profiles.get(p.authorityId).mash;

  // ---------------------------------------------------------------------------
  // Dashboard
  // ---------------------------------------------------------------------------

  app.get('/mash', { config: dashboard }, async (request, reply) => {
    const f = dashboardQuery(request.query as Record<string, unknown>);
    const d = await mash.dashboard(
      request.principal!,
      { status: f.status, rag: f.rag || undefined, overdueOnly: f.overdue, reference: f.reference || undefined, page: f.page },
      auditContext(request),
    );
    const awaitingRating = d.summary.byStatus.filter((s) => s.status === 'awaiting-rating').reduce((n, s) => n + s.count, 0);
    const openEnquiries = d.summary.byStatus.reduce((n, s) => n + s.count, 0);
    return reply.view(`${VIEWS}/dashboard.njk`, {
      title: 'MASH enquiries', ...d, f, awaitingRating, openEnquiries, statusLabels: STATUS_LABELS, mash: profileOf(request.principal!),
      pagination: pagination(d.page, d.pageSize, d.total, (n) => dashboardHref(f, n)),
      canCreate: MASH_ROLES.create.includes(request.principal!.role),
      firstShown: d.total === 0 ? 0 : (d.page - 1) * d.pageSize + 1,
      lastShown: Math.min(d.total, d.page * d.pageSize),
    });
  });

  // ---------------------------------------------------------------------------
  // Opening an enquiry (from a child's record)
  // ---------------------------------------------------------------------------

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, personId: string | null, extra: Record<string, unknown> = {}) => {
    const child = personId ? (await people.view(request.principal!, personId, auditContext(request))).person : null;
    return reply.view(`${VIEWS}/new.njk`, {
      title: 'Start a MASH enquiry', child, values: {}, maxLength: TEXT_MAX, backLink: child ? `/people/${child.id}` : '/mash', ...extra,
    });
  };

  app.get('/mash/enquiries/new', { config: create }, async (request, reply) => {
    const person = str((request.query as Record<string, unknown>).person);
    return renderNew(request, reply, UUID.test(person) ? person : null);
  });

  app.post('/mash/enquiries', { config: create }, async (request, reply) => {
    const body = bodyOf(request);
    const person = str(body.person);
    const childIds = list(body.children).filter((c) => UUID.test(c));
    const result = await mash.create(request.principal!, { childIds, reason: str(body.reason), questions: str(body.questions) }, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderNew(request, reply, UUID.test(person) ? person : null, { errors: toErrorList(result.errors), values: body });
    }
    request.session.flash = { heading: `${result.enquiry.reference} opened`, text: 'Rate the enquiry red, amber or green, then ask partner agencies for checks.' };
    return reply.redirect(`/mash/enquiries/${result.enquiry.id}`);
  });

  // ---------------------------------------------------------------------------
  // One enquiry: rating, requests to agencies
  // ---------------------------------------------------------------------------

  const renderEnquiry = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) => {
    const p = request.principal!;
    const v = await mash.view(p, id, auditContext(request));
    const profile = profileOf(p);
    const asked = new Map(v.requests.map((r) => [r.agency_code, r]));
    return reply.view(`${VIEWS}/enquiry.njk`, {
      title: `MASH enquiry ${v.enquiry.reference}`, ...v, mash: profile, statusLabels: STATUS_LABELS, maxLength: TEXT_MAX,
      agencyItems: profile.checkAgencies.map((a) => ({ code: a.code, label: a.label, sent: asked.get(a.code) ?? null })),
      unasked: profile.checkAgencies.filter((a) => !asked.has(a.code)).length,
      answeredCount: v.requests.filter((r) => r.status === 'answered').length,
      canRate: MASH_ROLES.rate.includes(p.role), canSend: MASH_ROLES.send.includes(p.role),
      values: {}, ...extra,
    });
  };

  app.get('/mash/enquiries/:id', { config: collate }, (request, reply) => renderEnquiry(request, reply, uuidParam(request)));

  app.post('/mash/enquiries/:id/rating', { config: rate }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    try {
      const result = await mash.rate(request.principal!, id, str(body.rag), opt(body.reason), lockVersionOf(body), auditContext(request));
      if (!result.ok) {
        reply.code(400);
        return await renderEnquiry(request, reply, id, { errors: toErrorList(result.errors), values: body, form: 'rating' });
      }
      const label = profileOf(request.principal!).ratings.find((r) => r.code === str(body.rag))?.label ?? str(body.rag);
      request.session.flash = { heading: `Rated ${label}`, text: `Checks with partner agencies and the decision are due by ${formatDateTimeLondon(result.dueAt)}.` };
      return reply.redirect(`/mash/enquiries/${id}`);
    } catch (e) {
      if (!isConflict(e)) throw e;
      reply.code(409);
      return renderEnquiry(request, reply, id, { errors: [{ text: e.detail, href: '#rating' }], values: body, form: 'rating' });
    }
  });

  app.post('/mash/enquiries/:id/requests', { config: send }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await mash.sendRequests(request.principal!, id, list(body.agencies), auditContext(request));
    if (!result.ok) {
      reply.code(400);
      const errors = result.errors.map((e) => ({ text: e.message, href: e.field === 'rag' ? '#rag' : '#agencies' }));
      return renderEnquiry(request, reply, id, { errors, values: body, form: 'requests' });
    }
    const labels = result.sent.map((c) => profileOf(request.principal!).checkAgencies.find((a) => a.code === c)?.label ?? c);
    request.session.flash = labels.length
      ? { heading: 'Requests sent', text: `Asked for checks: ${labels.join(', ')}.` }
      : { heading: 'Nothing new to send', text: 'Every agency you chose had already been asked.' };
    return reply.redirect(`/mash/enquiries/${id}#requests`);
  });

  // ---------------------------------------------------------------------------
  // Collation, analysis and decision
  // ---------------------------------------------------------------------------

  const renderCollation = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) => {
    const p = request.principal!;
    // One call, one audit entry: the collation carries the children and the deadline itself.
    const c = await mash.collation(p, id, auditContext(request));
    const e = c.enquiry;
    const agencies = c.agencies.map((a) => ({ ...a, responses: withCorrectedTimes(a.responses) }));
    return reply.view(`${VIEWS}/collation.njk`, {
      title: `Collate ${e.reference}`, ...c, agencies, mash: profileOf(p), statusLabels: STATUS_LABELS,
      lawfulBases, maxLength: TEXT_MAX, canDecide: MASH_ROLES.decide.includes(p.role),
      values: { risks: e.analysis_risks ?? '', strengths: e.analysis_strengths ?? '', unknowns: e.analysis_unknowns ?? '' },
      decisionValues: {},
      backLink: `/mash/enquiries/${id}`,
      ...extra,
    });
  };

  app.get('/mash/enquiries/:id/collation', { config: collate }, (request, reply) => renderCollation(request, reply, uuidParam(request)));

  app.post('/mash/enquiries/:id/analysis', { config: collate }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const input = { risks: str(body.risks), strengths: str(body.strengths), unknowns: str(body.unknowns) };
    try {
      const result = await mash.saveAnalysis(request.principal!, id, input, lockVersionOf(body), auditContext(request));
      if (!result.ok) {
        reply.code(400);
        return await renderCollation(request, reply, id, { errors: toErrorList(result.errors), values: input });
      }
    } catch (e) {
      if (!isConflict(e)) throw e;
      reply.code(409);
      return renderCollation(request, reply, id, { errors: [{ text: e.detail, href: '#risks' }], values: input });
    }
    request.session.flash = { heading: 'Analysis saved', text: 'The enquiry is ready for a team manager’s decision.' };
    return reply.redirect(`/mash/enquiries/${id}/collation`);
  });

  app.post('/mash/enquiries/:id/questions/:questionId/answer', { config: collate }, async (request, reply) => {
    const id = uuidParam(request);
    const questionId = uuidParam(request, 'questionId');
    const body = bodyOf(request);
    const answer = str(body.answer);
    const result = await mash.answerQuestion(request.principal!, id, questionId, answer, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderCollation(request, reply, id, { errors: toErrorList(result.errors), answerValues: { [questionId]: answer } });
    }
    request.session.flash = { heading: 'Answer sent', text: 'The agency sees your answer on its request.' };
    return reply.redirect(`/mash/enquiries/${id}/collation#response-${questionId}`);
  });

  app.post('/mash/enquiries/:id/decision', { config: decide }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const decisionValues = { decisionCode: str(body.decisionCode), rationale: str(body.rationale) };
    try {
      const result = await mash.decide(request.principal!, id, decisionValues.decisionCode, decisionValues.rationale, lockVersionOf(body), auditContext(request));
      if (!result.ok) {
        reply.code(400);
        return await renderCollation(request, reply, id, { errors: toErrorList(result.errors), decisionValues });
      }
    } catch (e) {
      if (!isConflict(e)) throw e;
      reply.code(409);
      return renderCollation(request, reply, id, { errors: [{ text: e.detail, href: '#decisionCode' }], decisionValues });
    }
    request.session.flash = { heading: 'Decision recorded', text: 'The enquiry is closed. The caller is sent a written record of the decision where they gave an email address.' };
    return reply.redirect(`/mash/enquiries/${id}`);
  });

  // ---------------------------------------------------------------------------
  // Partner agencies
  // ---------------------------------------------------------------------------

  app.get('/mash/requests', { config: respond }, async (request, reply) => {
    const requests = (await mash.requestsForAgency(request.principal!, auditContext(request))).map((r) => ({
      ...r, authorityName: ctx.profiles.get(r.authorityId).name,
    }));
    const open = requests.filter((r) => r.status === 'open');
    const answered = requests.filter((r) => r.status !== 'open');
    return reply.view(`${VIEWS}/requests.njk`, { title: 'MASH requests', open, answered, multipleAuthorities: new Set(requests.map((r) => r.authorityId)).size > 1 });
  });

  const renderRequest = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) => {
    const r = await mash.requestForAgency(request.principal!, id, auditContext(request));
    const correctable = r.responses.filter((x) => x.kind !== 'question');
    const correct = str((request.query as Record<string, unknown>).correct);
    const preset = correctable.some((x) => x.id === correct) ? { kind: 'correction', correctsId: correct } : {};
    return reply.view(`${VIEWS}/request.njk`, {
      title: `MASH request ${r.reference}`, request: { ...r, responses: withCorrectedTimes(r.responses) }, correctable, lawfulBases, maxLength: TEXT_MAX,
      values: preset, backLink: '/mash/requests', ...extra,
    });
  };

  app.get('/mash/requests/:id', { config: respond }, (request, reply) => renderRequest(request, reply, uuidParam(request)));

  app.post('/mash/requests/:id/responses', { config: respond }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const { input, dateError } = responseFrom(body, todayInLondon(ctx.clock.now()));
    const result = await mash.respond(request.principal!, id, input, auditContext(request));
    if (!result.ok || dateError) {
      // A date the boxes could not make was passed on as missing, so nothing was saved: say what was wrong with it.
      let errors = result.ok ? [] : result.errors;
      if (dateError) errors = [...errors.filter((e) => e.field !== 'checkedOn'), dateError];
      const order = ['kind', 'correctsId', 'question', 'nothingKnown', 'holds', 'sourceSystem', 'checkedOn', 'riskInformation', 'lawfulBasisCode'];
      const shown = errors
        .map((e) => ({
          field: e.field === 'holds' && input.kind === 'question' ? 'question' : e.field === 'checkedOn' ? 'checkedOn-day' : e.field,
          message: e.message,
        }))
        .sort((a, b) => order.indexOf(a.field.replace(/-(day|month|year)$/, '')) - order.indexOf(b.field.replace(/-(day|month|year)$/, '')));
      reply.code(400);
      return renderRequest(request, reply, id, { errors: toErrorList(shown), values: body });
    }
    const headings: Record<string, [string, string]> = {
      response: ['Response sent', 'Your agency’s response has been sent to the MASH. It cannot be changed: if something in it is wrong, send a correction.'],
      question: ['Question sent', 'Your question has been sent to the MASH. The request stays open until your agency responds.'],
      correction: ['Correction sent', 'Your correction has been sent to the MASH. The earlier response stays on the record, marked as corrected.'],
    };
    const [heading, text] = headings[input.kind]!;
    request.session.flash = { heading, text };
    return reply.redirect(`/mash/requests/${id}`);
  });
}
