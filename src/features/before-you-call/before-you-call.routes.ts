import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { uuidParam } from '../../platform/http/params.js';
import { notFound, toErrorList } from '../../platform/http/errors.js';
import type { AuthorityProfile } from '../../domain/authority-profile.js';
import {
  answersFor,
  FIRST_QUESTION,
  isCheckerOutcome,
  isCheckerQuestion,
  nextStep,
  openingSummary,
  parseAnswer,
  previousQuestion,
  weeklyHoursWords,
  type CheckerQuestion,
  type CheckerStep,
} from '../../domain/call-checker.js';
import { formatDateLong, londonDateOf } from '../../domain/dates.js';
import { BeforeYouCallService, QUESTION_LIMITS, QUESTION_ROLES, QUESTION_STATUSES } from './before-you-call.service.js';
import { CHECKER_KEYS, levelKey, SECTION_LABELS } from './seed-content.js';
import { LIMITS, toBlocks } from './plain-text.js';
import type { PageView } from './before-you-call.repository.js';

const PUBLIC = { public: true as const, reason: 'partners read the "Before you call" pages and ask questions without an account' };
const ADMIN = { config: { access: { roles: CAN.administer } } };

const QUESTION_TEXT: Record<CheckerQuestion, { heading: string; hint?: string }> = {
  emergency: { heading: 'Is it an emergency, or is a child in immediate danger?' },
  'allocated-worker': { heading: 'Does the child, young person or family have an allocated worker?', hint: 'A social worker or family practitioner who is working with them now.' },
  threshold: { heading: 'Does your concern meet the threshold for a call?' },
};

const param = (request: FastifyRequest, name: string): string => {
  const v = (request.params as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
};

/** A page's content ready for a template: its blocks to print escaped. */
const content = (p: PageView | undefined) => (p ? { id: p.id, key: p.key, title: p.title, blocks: toBlocks(p.body), updatedAt: p.updated_at } : null);

function professionalsLine(profile: AuthorityProfile) {
  return profile.phoneLines.find((l) => l.for === 'professionals') ?? profile.phoneLines[0]!;
}

function earlyHelpUrl(profile: AuthorityProfile): string | null {
  const url = (profile as unknown as { earlyHelp?: { requestForSupportUrl?: unknown } }).earlyHelp?.requestForSupportUrl;
  return typeof url === 'string' ? url : null;
}

/** "Before you call": public pages per authority, the head of service's questions list, and the administrators' editor. */
export function beforeYouCallRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new BeforeYouCallService(ctx);

  const authorityOf = (request: FastifyRequest) => service.authority(param(request, 'authority'));
  const base = (profile: AuthorityProfile) => `/before-you-call/${profile.id}`;
  const reviewed = async (authorityId: string, section: 'faq' | 'checker' | 'threshold-guide') => formatDateLong(londonDateOf((await service.sectionState(authorityId, section)).lastReviewedAt));

  // -------------------------------------------------------------------------
  // Public pages
  // -------------------------------------------------------------------------

  app.get('/before-you-call', { config: { access: PUBLIC } }, async (_request, reply) => {
    return reply.view('before-you-call/views/index.njk', {
      title: 'Before you call',
      authorities: ctx.profiles.all().map((p) => ({ id: p.id, name: p.name, service: p.service.name, illustrative: p.beforeYouCall.illustrative })),
    });
  });

  app.get('/before-you-call/:authority', { config: { access: PUBLIC } }, async (request, reply) => {
    const profile = authorityOf(request);
    return reply.view('before-you-call/views/authority.njk', { title: `Before you call ${profile.service.shortName}`, profile, base: base(profile), line: professionalsLine(profile) });
  });

  // The "Should I call?" checker: a start page, one question per page, and an answer page per outcome.
  app.get('/before-you-call/:authority/should-i-call', { config: { access: PUBLIC } }, async (request, reply) => {
    const profile = authorityOf(request);
    return reply.view('before-you-call/views/checker-start.njk', { title: `Should I call ${profile.service.shortName}?`, profile, base: base(profile), backLink: base(profile), first: FIRST_QUESTION, lastReviewed: await reviewed(profile.id, 'checker') });
  });

  const renderQuestion = async (reply: FastifyReply, profile: AuthorityProfile, question: CheckerQuestion, errors?: { text: string; href: string }[]) => {
    const prev = previousQuestion({ kind: 'question', question });
    const texts = question === 'threshold' ? await service.pagesByKey(profile.id, 'checker') : {};
    return reply.view('before-you-call/views/checker-question.njk', {
      title: QUESTION_TEXT[question].heading,
      question,
      text: QUESTION_TEXT[question],
      profile,
      base: base(profile),
      backLink: prev ? `${base(profile)}/should-i-call/${prev}` : `${base(profile)}/should-i-call`,
      whenToCall: content(texts[CHECKER_KEYS.whenToCall]),
      errors,
    });
  };

  app.get('/before-you-call/:authority/should-i-call/:step', { config: { access: PUBLIC } }, async (request, reply) => {
    const profile = authorityOf(request);
    const step = param(request, 'step');
    if (isCheckerQuestion(step)) return renderQuestion(reply, profile, step);
    if (!isCheckerOutcome(step)) throw notFound('page');
    const texts = await service.pagesByKey(profile.id, 'checker');
    const now = ctx.clock.now();
    const line = professionalsLine(profile);
    const prev = previousQuestion({ kind: 'outcome', outcome: step });
    const answers = answersFor(step).map((a) => ({ question: QUESTION_TEXT[a.question].heading, answer: a.answer === 'yes' ? 'Yes' : 'No', href: `${base(profile)}/should-i-call/${a.question}` }));
    const allocatedOption = line.options.find((o) => o.queue === 'allocated' || /social worker|family practi/i.test(o.label));
    return reply.view('before-you-call/views/checker-outcome.njk', {
      title: {
        'call-999': 'Call 999 now',
        'contact-allocated-worker': 'Contact the allocated worker directly',
        'early-help': 'Request Early Help support',
        'call-the-service': `Call ${profile.service.shortName} on ${line.number}`,
      }[step],
      outcome: step,
      profile,
      base: base(profile),
      backLink: `${base(profile)}/should-i-call/${prev}`,
      answers,
      line,
      allocatedOption,
      opening: openingSummary(ctx.calendars.forAuthority(profile.id), now),
      weeklyHours: weeklyHoursWords(profile.openingHours),
      earlyHelpUrl: earlyHelpUrl(profile),
      haveReady: content(texts[CHECKER_KEYS.haveReady]),
      record: content(texts[CHECKER_KEYS.record]),
      earlyHelp: content(texts[CHECKER_KEYS.earlyHelp]),
      lastReviewed: await reviewed(profile.id, 'checker'),
    });
  });

  app.post('/before-you-call/:authority/should-i-call/:step', { config: { access: PUBLIC } }, async (request, reply) => {
    const profile = authorityOf(request);
    const question = param(request, 'step');
    if (!isCheckerQuestion(question)) throw notFound('page');
    const answer = parseAnswer(bodyOf(request).answer);
    if (!answer) {
      reply.code(400);
      return renderQuestion(reply, profile, question, [{ text: 'Select yes or no', href: '#answer' }]);
    }
    const next: CheckerStep = nextStep(question, answer);
    return reply.redirect(`${base(profile)}/should-i-call/${next.kind === 'question' ? next.question : next.outcome}`);
  });

  app.get('/before-you-call/:authority/faq', { config: { access: PUBLIC } }, async (request, reply) => {
    const profile = authorityOf(request);
    const pages = await service.pages(profile.id, 'faq');
    return reply.view('before-you-call/views/faq.njk', {
      title: `${profile.service.name}: frequently asked questions`,
      profile,
      base: base(profile),
      backLink: base(profile),
      entries: pages.map(content),
      lastReviewed: await reviewed(profile.id, 'faq'),
    });
  });

  app.get('/before-you-call/:authority/threshold-guide', { config: { access: PUBLIC } }, async (request, reply) => {
    const profile = authorityOf(request);
    const pages = await service.pagesByKey(profile.id, 'threshold-guide');
    return reply.view('before-you-call/views/threshold-guide.njk', {
      title: 'Threshold guide: the continuum of need',
      profile,
      base: base(profile),
      backLink: base(profile),
      levels: profile.levels.map((l) => ({ code: l.code, label: l.label, key: levelKey(l.code), page: content(pages[levelKey(l.code)]) })),
      lastReviewed: await reviewed(profile.id, 'threshold-guide'),
    });
  });

  app.get('/before-you-call/:authority/threshold-guide/:level', { config: { access: PUBLIC } }, async (request, reply) => {
    const profile = authorityOf(request);
    const levels = profile.levels;
    const i = levels.findIndex((l) => levelKey(l.code) === param(request, 'level'));
    if (i < 0) throw notFound('page');
    const page = await service.pageByKey(profile.id, levelKey(levels[i]!.code));
    if (!page) throw notFound('page');
    const link = (l: { code: string; label: string } | undefined) => (l ? { href: `${base(profile)}/threshold-guide/${levelKey(l.code)}`, label: l.label } : null);
    return reply.view('before-you-call/views/threshold-level.njk', {
      title: page.title,
      profile,
      base: base(profile),
      backLink: `${base(profile)}/threshold-guide`,
      page: content(page),
      previous: link(levels[i - 1]),
      next: link(levels[i + 1]),
      lastReviewed: await reviewed(profile.id, 'threshold-guide'),
    });
  });

  const renderAsk = (reply: FastifyReply, profile: AuthorityProfile, values: Record<string, string>, errors?: { text: string; href: string }[]) =>
    reply.view('before-you-call/views/ask.njk', { title: 'Ask a question about the service', profile, base: base(profile), backLink: base(profile), values, errors, limits: QUESTION_LIMITS });

  app.get('/before-you-call/:authority/ask', { config: { access: PUBLIC } }, async (request, reply) => renderAsk(reply, authorityOf(request), {}));

  app.post('/before-you-call/:authority/ask', { config: { access: PUBLIC, rateLimit: { max: 20, timeWindow: '1 minute' } } }, async (request, reply) => {
    const profile = authorityOf(request);
    const checked = service.validateQuestion(bodyOf(request));
    if (!checked.ok) {
      reply.code(400);
      return renderAsk(reply, profile, { ...checked.values }, toErrorList(checked.errors));
    }
    await service.submitQuestion(profile.id, checked.input, auditContext(request));
    return reply.redirect(`${base(profile)}/ask/sent`);
  });

  app.get('/before-you-call/:authority/ask/sent', { config: { access: PUBLIC } }, async (request, reply) => {
    const profile = authorityOf(request);
    return reply.view('before-you-call/views/ask-sent.njk', { title: 'Question sent', profile, base: base(profile) });
  });

  // -------------------------------------------------------------------------
  // Partners' questions, for the head of service (the team manager) and administrators
  // -------------------------------------------------------------------------

  const renderQuestions = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const status = str((request.query as Record<string, unknown>).status) || 'new';
    const list = await service.questions(request.principal!, status);
    return reply.view('before-you-call/views/questions.njk', {
      title: 'Questions from partners',
      filter: list.filter,
      questions: list.rows,
      statuses: QUESTION_STATUSES,
      filters: [{ code: 'new', label: 'New' }, ...QUESTION_STATUSES.filter((s) => s.code !== 'new'), { code: 'all', label: 'All' }],
      ...extra,
    });
  };

  app.get('/before-you-call/questions', { config: { access: { roles: QUESTION_ROLES } } }, (request, reply) => renderQuestions(request, reply));

  app.post('/before-you-call/questions/:id', { config: { access: { roles: QUESTION_ROLES } } }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await service.updateQuestion(request.principal!, id, str(body.status), str(body.note), auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderQuestions(request, reply, { errors: toErrorList(result.errors), values: { [id]: { status: str(body.status), note: str(body.note) } } });
    }
    const label = QUESTION_STATUSES.find((s) => s.code === str(body.status))?.label ?? '';
    request.session.flash = { heading: 'Question updated', text: `The question is marked “${label.toLowerCase()}”.` };
    return reply.redirect('/before-you-call/questions');
  });

  // -------------------------------------------------------------------------
  // Administrators: edit, preview, publish, history, restore, mark as reviewed
  // -------------------------------------------------------------------------

  app.get('/admin/before-you-call', ADMIN, async (request, reply) => {
    const authorityId = request.principal!.authorityId;
    const profile = ctx.profiles.get(authorityId);
    const states = await service.sectionStates(authorityId);
    const pages = await service.pages(authorityId);
    return reply.view('before-you-call/views/admin.njk', {
      title: '“Before you call” pages',
      publicBase: base(profile),
      sections: states.map((s) => ({
        ...s,
        lastReviewed: formatDateLong(londonDateOf(s.lastReviewedAt)),
        due: formatDateLong(s.dueOn),
        pages: pages.filter((p) => p.section === s.section),
      })),
    });
  });

  app.post('/admin/before-you-call/reviewed', ADMIN, async (request, reply) => {
    const section = await service.markReviewed(request.principal!, str(bodyOf(request).section), auditContext(request));
    request.session.flash = { heading: 'Marked as reviewed', text: `${SECTION_LABELS[section]}: last reviewed today.` };
    return reply.redirect('/admin/before-you-call');
  });

  const renderEdit = (reply: FastifyReply, page: PageView, values: { title: string; body: string; note: string; baseVersion: number }, extra: Record<string, unknown> = {}) =>
    reply.view('before-you-call/views/admin-edit.njk', {
      title: `Edit: ${page.title}`,
      page,
      sectionLabel: SECTION_LABELS[page.section],
      values,
      limits: LIMITS,
      backLink: '/admin/before-you-call',
      ...extra,
    });

  app.get('/admin/before-you-call/faq/new', ADMIN, async (_request, reply) =>
    reply.view('before-you-call/views/admin-new.njk', { title: 'Add a question to the FAQ', values: { title: '', body: '', note: '' }, limits: LIMITS, backLink: '/admin/before-you-call' }),
  );

  app.post('/admin/before-you-call/faq/new', ADMIN, async (request, reply) => {
    const body = bodyOf(request);
    const values = { title: str(body.title), body: str(body.body), note: str(body.note) };
    const preview = str(body.action) === 'preview';
    if (preview) return reply.view('before-you-call/views/admin-new.njk', { title: 'Add a question to the FAQ', values, limits: LIMITS, backLink: '/admin/before-you-call', preview: { title: values.title, blocks: toBlocks(values.body) } });
    const result = await service.addFaq(request.principal!, values, auditContext(request));
    if (!result.ok) {
      reply.code(result.status);
      return reply.view('before-you-call/views/admin-new.njk', { title: 'Add a question to the FAQ', values, limits: LIMITS, backLink: '/admin/before-you-call', errors: toErrorList(result.errors) });
    }
    request.session.flash = { heading: 'Question added to the FAQ', text: `“${values.title}” is now on the FAQ page.` };
    return reply.redirect('/admin/before-you-call');
  });

  app.get('/admin/before-you-call/pages/:id', ADMIN, async (request, reply) => {
    const page = await service.page(request.principal!, uuidParam(request));
    return renderEdit(reply, page, { title: page.title, body: page.body, note: '', baseVersion: page.current_version });
  });

  app.post('/admin/before-you-call/pages/:id', ADMIN, async (request, reply) => {
    const id = uuidParam(request);
    const page = await service.page(request.principal!, id);
    const body = bodyOf(request);
    const baseVersion = Number.parseInt(str(body.baseVersion), 10);
    const values = { title: str(body.title), body: str(body.body), note: str(body.note), baseVersion: Number.isInteger(baseVersion) ? baseVersion : page.current_version };
    if (str(body.action) === 'preview') {
      return renderEdit(reply, page, values, { preview: { title: values.title, blocks: toBlocks(values.body) } });
    }
    const result = await service.publish(request.principal!, id, values, Number.isInteger(baseVersion) ? baseVersion : null, auditContext(request));
    if (!result.ok) {
      reply.code(result.status);
      return renderEdit(reply, page, values, { errors: toErrorList(result.errors) });
    }
    request.session.flash = { heading: `Version ${result.version} published`, text: `“${values.title}” is updated on the public pages.` };
    return reply.redirect('/admin/before-you-call');
  });

  app.get('/admin/before-you-call/pages/:id/history', ADMIN, async (request, reply) => {
    const { page, versions } = await service.history(request.principal!, uuidParam(request));
    return reply.view('before-you-call/views/admin-history.njk', { title: `History: ${page.title}`, page, versions, backLink: `/admin/before-you-call/pages/${page.id}` });
  });

  app.get('/admin/before-you-call/pages/:id/versions/:version', ADMIN, async (request, reply) => {
    const n = Number.parseInt(param(request, 'version'), 10);
    if (!Number.isInteger(n) || n < 1) throw notFound('version');
    const { page, version } = await service.version(request.principal!, uuidParam(request), n);
    return reply.view('before-you-call/views/admin-version.njk', { title: `Version ${version.version}: ${version.title}`, page, version, versionBlocks: toBlocks(version.body), backLink: `/admin/before-you-call/pages/${page.id}/history` });
  });

  app.post('/admin/before-you-call/pages/:id/versions/:version/restore', ADMIN, async (request, reply) => {
    const n = Number.parseInt(param(request, 'version'), 10);
    if (!Number.isInteger(n) || n < 1) throw notFound('version');
    const id = uuidParam(request);
    const version = await service.restore(request.principal!, id, n, auditContext(request));
    request.session.flash = { heading: `Version ${n} restored`, text: `It is published again as version ${version}.` };
    return reply.redirect(`/admin/before-you-call/pages/${id}/history`);
  });

}
