import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN, type Role } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, list, str, type FormBody } from '../../platform/http/forms.js';
import { toErrorList } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { CONSENT_NOT_SOUGHT_REASONS, IMMEDIACY_OPTIONS, LAWFUL_BASES } from '../../domain/codes.js';
import { formatDateTimeLondon, londonWallTimeToInstant, parseDateParts, todayInLondon } from '../../domain/dates.js';
import { validateReferral, type ReferralChildInput, type ReferralInput } from '../../domain/referral-rules.js';
import { ReferralsService } from './referrals.service.js';

/** How many children the page's form has room for; the API takes more. */
export const FORM_CHILD_SLOTS = 3;

const codes = {
  immediacyOptions: IMMEDIACY_OPTIONS.map((o) => ({ code: o.code, label: o.label })),
  consentReasons: CONSENT_NOT_SOUGHT_REASONS.map((o) => ({ code: o.code, label: o.label })),
  lawfulBases: LAWFUL_BASES.map((o) => ({ code: o.code, label: o.label })),
};

/** "14:30", "2:30pm", "9.05" → hours and minutes; null when it is not a time. */
export function parseTime(raw: string): { hour: number; minute: number } | null {
  const m = raw.trim().toLowerCase().match(/^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$/);
  if (!m) return null;
  let hour = Number(m[1]);
  const minute = m[2] ? Number(m[2]) : 0;
  if (!m[2] && !m[3]) return null;
  if (m[3]) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (m[3] === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return null;
  return { hour, minute };
}

/** The page's form → the referral input, with the errors only the page can make (dates typed in boxes). */
function referralFromForm(body: FormBody, today: string): { input: ReferralInput; dateErrors: { field: string; message: string }[] } {
  const dateErrors: { field: string; message: string }[] = [];
  const date = (prefix: string, label: string, opts: { mustBePast?: boolean; mustBeFuture?: boolean }) => {
    const parts = { day: str(body[`${prefix}-day`]), month: str(body[`${prefix}-month`]), year: str(body[`${prefix}-year`]) };
    if (!parts.day && !parts.month && !parts.year) return { date: null, given: false };
    const r = parseDateParts(parts, { label, allowToday: true, today, ...opts });
    if (r.ok) return { date: r.date, given: true };
    dateErrors.push({ field: `${prefix}-${r.field === 'all' ? 'day' : r.field}`, message: r.message });
    return { date: null, given: true };
  };
  const children: ReferralChildInput[] = [];
  for (let i = 0; i < FORM_CHILD_SLOTS; i++) {
    const f = (x: string) => str(body[`children-${i}-${x}`]);
    const unborn = f('unborn') === 'yes';
    const anything = unborn || ['given-name', 'family-name', 'dob-day', 'dob-month', 'dob-year', 'address-line-1', 'town', 'postcode', 'where-now'].some((x) => f(x) !== '');
    if (i > 0 && !anything) continue;
    const who = `child ${i + 1}`;
    const dob = unborn ? { date: null } : date(`children-${i}-dob`, `date of birth of ${who}`, { mustBePast: true });
    const expected = unborn ? date(`children-${i}-expected`, `expected date of birth of ${who}`, { mustBeFuture: true }) : { date: null, given: false };
    children.push({
      givenName: f('given-name'), familyName: f('family-name'), dateOfBirth: dob.date, unborn, expectedDateOfBirth: expected.date,
      addressLine1: f('address-line-1'), town: f('town'), postcode: f('postcode'), whereNow: f('where-now'),
    });
  }
  const incidentDay = date('incident', 'date of the incident', { mustBePast: true });
  let at: Date | null = null;
  const timeRaw = str(body['incident-time']);
  const time = timeRaw ? parseTime(timeRaw) : null;
  if (timeRaw && !time) dateErrors.push({ field: 'incident-time', message: 'Enter the time of the incident like 14:30 or 2:30pm' });
  else if (!timeRaw && incidentDay.given) dateErrors.push({ field: 'incident-time', message: 'Enter the time of the incident' });
  if (incidentDay.date && time) at = londonWallTimeToInstant(incidentDay.date, time);
  return {
    input: {
      referrer: { name: str(body['referrer-name']), role: str(body['referrer-role']), phone: str(body['referrer-phone']), email: str(body['referrer-email']) },
      children,
      incident: { reference: str(body['incident-reference']), at, place: str(body['incident-place']), postcode: str(body['incident-postcode']) },
      concernCategories: list(body['concern-categories']),
      whatHappened: str(body['what-happened']),
      immediacy: str(body.immediacy),
      parentsInformed: str(body['parents-informed']),
      consentGiven: str(body['consent-given']),
      consentReasonCodes: list(body['consent-reason']),
      consentReasonDetail: str(body['consent-reason-detail']),
      lawfulBasisCode: str(body['lawful-basis']),
    },
    dateErrors,
  };
}

/** A date's boxes share one prefix ("children-0-dob"); the time box counts with the incident's date. */
const datePrefix = (field: string) => (field === 'incident-time' ? 'incident' : field.replace(/-(day|month|year)$/, ''));

/** The page's errors in one list: a date typed wrongly is reported once, by the date parser, not again by the rules. */
function mergeErrors(dateErrors: { field: string; message: string }[], ruleErrors: { field: string; message: string }[]) {
  const dated = new Set(dateErrors.map((e) => datePrefix(e.field)));
  return [...dateErrors, ...ruleErrors.filter((e) => !dated.has(datePrefix(e.field)))];
}

/**
 * Written referrals on pages: an emergency-service practitioner sends one (everyone else is told
 * to phone), and CADS workers work the queue: match each child, then phone back or decide.
 */
export function referralsRoutes(app: FastifyInstance, ctx: AppContext) {
  const referrals = new ReferralsService(ctx);
  const partner = { access: { roles: ['partner-practitioner'] as Role[] } };
  const work = { access: { roles: CAN.recordConversations } };

  const phoneInstead = (request: FastifyRequest, reply: FastifyReply) => {
    reply.code(403);
    return reply.view('referrals/views/phone-instead.njk', { title: 'Phone us instead', advice: referrals.phoneAdvice(request.principal!.authorityId) });
  };

  const renderNew = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const agency = referrals.acceptedAgency(request.principal!)!;
    const values = (extra.values ?? {}) as FormBody;
    // A child's part of the form stays open when anything was typed in it.
    const openSlots = Array.from({ length: FORM_CHILD_SLOTS }, (_, i) => i).filter((i) => Object.entries(values).some(([k, x]) => k.startsWith(`children-${i}-`) && str(x) !== ''));
    return reply.view('referrals/views/new.njk', { title: 'Send a written referral', agency, slots: FORM_CHILD_SLOTS, values: null, openSlots, advice: referrals.phoneAdvice(request.principal!.authorityId), ...codes, ...extra });
  };

  app.get('/referrals/new', { config: partner }, async (request, reply) => {
    if (!referrals.acceptedAgency(request.principal!)) return phoneInstead(request, reply);
    return renderNew(request, reply);
  });

  app.post('/referrals', { config: partner }, async (request, reply) => {
    const p = request.principal!;
    if (!referrals.acceptedAgency(p)) return phoneInstead(request, reply);
    const body = bodyOf(request);
    const { input, dateErrors } = referralFromForm(body, todayInLondon(ctx.clock.now()));
    if (dateErrors.length) {
      // Nothing is saved while a date is wrong: the rules are run only to list every problem at once.
      const now = ctx.clock.now();
      const checked = validateReferral(input, { concernCategoryCodes: referrals.profile(p.authorityId).concernCategories.map((c) => c.code), now, today: todayInLondon(now) });
      reply.code(400);
      return renderNew(request, reply, { values: body, errors: toErrorList(mergeErrors(dateErrors, checked.ok ? [] : checked.errors)) });
    }
    const result = await referrals.submit(p, input, 'page', auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderNew(request, reply, { values: body, errors: toErrorList(result.errors) });
    }
    if (result.created) {
      request.session.flash = { heading: `Referral ${result.referral.reference} sent`, text: `${referrals.phoneAdvice(p.authorityId).serviceName} will look at it and decide what happens next. Quote ${result.referral.reference} if you need to call about it.` };
    } else {
      request.session.flash = {
        heading: `This incident was already referred as ${result.referral.reference}`,
        text: `We already have a referral for incident ${result.referral.incident_reference}, received ${formatDateTimeLondon(result.referral.received_at)}. We have recorded that you sent it again; no new referral was made.`,
      };
    }
    return reply.redirect(`/referrals/${result.referral.id}/sent`);
  });

  app.get('/referrals/:id/sent', { config: partner }, async (request, reply) => {
    const s = await referrals.forSender(request.principal!, uuidParam(request), auditContext(request));
    return reply.view('referrals/views/sent.njk', { title: `Referral ${s.referral.reference}`, ...s, agencyLabel: referrals.agencyLabel(s.referral.authority_id, s.referral.agency_code) });
  });

  app.get('/referrals', { config: work }, async (request, reply) => {
    const q = await referrals.queue(request.principal!);
    return reply.view('referrals/views/queue.njk', { title: 'Written referrals', ...q });
  });

  const renderReferral = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const v = await referrals.view(request.principal!, uuidParam(request), auditContext(request));
    return reply.view('referrals/views/referral.njk', { title: `Written referral ${v.referral.reference}`, ...v, ...codes, ...extra });
  };

  app.get('/referrals/:id', { config: work }, (request, reply) => renderReferral(request, reply));

  app.post('/referrals/:id/match', { config: work }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const child = str(body.child);
    const person = str(body[`person-${child}`]) || str(body.person);
    if (!child || !person) {
      reply.code(400);
      return renderReferral(request, reply, { errors: [{ text: 'Select the record that is this child, or make a new record', href: child ? `#person-${child}` : '#children' }] });
    }
    await referrals.matchChild(request.principal!, id, child, person, auditContext(request));
    request.session.flash = { heading: 'Child matched', text: 'The child on the referral is now linked to their record.' };
    return reply.redirect(`/referrals/${id}#children`);
  });

  app.post('/referrals/:id/new-person', { config: work }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const child = str(body.child);
    if (!child) {
      reply.code(400);
      return renderReferral(request, reply, { errors: [{ text: 'Choose the child to make a record for', href: '#children' }] });
    }
    const result = await referrals.createPersonForChild(request.principal!, id, child, str(body[`different-child-reason-${child}`]) || null, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderReferral(request, reply, { errors: toErrorList(result.errors), likely: { childId: child, people: result.likely ?? [] } });
    }
    request.session.flash = { heading: 'New record made', text: 'A new record was made from the referral, and the child is linked to it.' };
    return reply.redirect(`/referrals/${id}#children`);
  });

  app.post('/referrals/:id/duplicate', { config: work }, async (request, reply) => {
    const id = uuidParam(request);
    const resolution = str(bodyOf(request).resolution);
    if (resolution !== 'same' && resolution !== 'different') {
      reply.code(400);
      return renderReferral(request, reply, { errors: [{ text: 'Select whether this is the same incident', href: '#resolution' }] });
    }
    await referrals.resolveDuplicate(request.principal!, id, resolution, auditContext(request));
    request.session.flash = resolution === 'same'
      ? { heading: 'Closed as the same incident', text: 'This referral is closed and linked to the first one.' }
      : { heading: 'Marked as a different incident', text: 'This referral stays in the queue.' };
    return reply.redirect(resolution === 'same' ? '/referrals' : `/referrals/${id}`);
  });

  app.post('/referrals/:id/phone-back', { config: work }, async (request, reply) => {
    const id = uuidParam(request);
    const result = await referrals.phoneBack(request.principal!, id, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderReferral(request, reply, { errors: toErrorList(result.errors) });
    }
    request.session.flash = { heading: 'Conversation started from the referral', text: 'The caller, children, concern and consent are filled in from the referral. Check them with the referrer as you talk.' };
    return reply.redirect(`/conversations/${result.conversationId}`);
  });

  app.post('/referrals/:id/decision', { config: work }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await referrals.decide(request.principal!, id, { decisionCode: str(body.decision), rationale: str(body.rationale) }, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderReferral(request, reply, { errors: toErrorList(result.errors), decisionValues: body });
    }
    request.session.flash = { heading: 'Decision recorded', text: 'The referral is closed.' };
    return reply.redirect(`/referrals/${id}`);
  });
}
