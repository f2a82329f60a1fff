import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import type { Role } from '../../platform/auth/roles.js';
import { bodyOf, type FormBody } from '../../platform/http/forms.js';
import { toErrorList } from '../../platform/http/errors.js';
import { MAX_ANSWER_LENGTH, SurveyService, type SurveyState } from './survey.service.js';

const PUBLIC_SURVEY = { public: true as const, reason: 'callers answer the survey from the link in their written record, without an account' };
/** Managers and MI analysts see their own authority's survey results: aggregates and free text, never callers. */
const RESULTS_ROLES: Role[] = ['team-manager', 'mi-analyst'];

/** The pages a link leads to when it can no longer be answered, and their status codes. */
const UNAVAILABLE = {
  used: { status: 410, title: 'You have already answered this survey' },
  expired: { status: 410, title: 'This survey link has expired' },
  invalid: { status: 404, title: 'This survey link is not valid' },
} as const;

export function surveyRoutes(app: FastifyInstance, ctx: AppContext) {
  const survey = new SurveyService(ctx.db, ctx.clock, ctx.profiles);

  const tokenOf = (request: FastifyRequest) => {
    const t = (request.params as Record<string, unknown>).token;
    return typeof t === 'string' ? t : '';
  };

  // The token is a credential: keep the pages out of caches and search engines.
  const privatePage = (reply: FastifyReply) => reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow');

  const unavailable = (reply: FastifyReply, state: Exclude<SurveyState, { kind: 'open' }>) => {
    const page = UNAVAILABLE[state.kind];
    reply.code(page.status);
    return reply.view('survey/views/unavailable.njk', {
      title: page.title,
      reason: state.kind,
      // No principal on these pages: the header and text name the service the link came from, when known.
      profile: 'profile' in state ? state.profile : null,
    });
  };

  const form = (reply: FastifyReply, state: Extract<SurveyState, { kind: 'open' }>, values: FormBody, errors?: { text: string; href: string }[]) =>
    reply.view('survey/views/survey.njk', {
      title: `Feedback on your conversation with ${state.profile.service.shortName}`,
      profile: state.profile,
      questions: state.profile.survey.questions,
      conversationDate: state.conversationDate,
      maxLength: MAX_ANSWER_LENGTH,
      values,
      errors,
    });

  app.get('/survey/:token', { config: { access: PUBLIC_SURVEY, rateLimit: { max: 120, timeWindow: '1 minute' } } }, async (request, reply) => {
    privatePage(reply);
    const state = await survey.open(tokenOf(request));
    if (state.kind !== 'open') return unavailable(reply, state);
    return form(reply, state, {});
  });

  app.post('/survey/:token', { config: { access: PUBLIC_SURVEY, rateLimit: { max: 20, timeWindow: '1 minute' } } }, async (request, reply) => {
    privatePage(reply);
    const token = tokenOf(request);
    const state = await survey.open(token);
    if (state.kind !== 'open') return unavailable(reply, state);
    const body = bodyOf(request);
    const checked = survey.validate(state.profile, body);
    if (!checked.ok) {
      reply.code(400);
      return form(reply, state, body, toErrorList(checked.errors));
    }
    if (!(await survey.submit(state, checked.answers))) {
      // Used or expired since the page was checked a moment ago (for example, a second click).
      const now = await survey.open(token);
      return unavailable(reply, now.kind === 'open' ? { kind: 'used', profile: state.profile } : now);
    }
    return reply.view('survey/views/thank-you.njk', { title: 'Thank you', profile: state.profile });
  });

  app.get('/survey-results', { config: { access: { roles: RESULTS_ROLES } } }, async (request, reply) => {
    const parsed = survey.parsePeriod(request.query as Record<string, unknown>);
    if (!parsed.ok) {
      reply.code(400);
      return reply.view('survey/views/results.njk', { title: 'Caller survey results', values: parsed.values, errors: toErrorList(parsed.errors), results: null });
    }
    const results = await survey.results(request.principal!, parsed.period);
    return reply.view('survey/views/results.njk', { title: 'Caller survey results', values: parsed.values, results });
  });
}
