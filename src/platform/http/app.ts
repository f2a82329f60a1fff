import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import fastifySwagger from '@fastify/swagger';
import fastifyRateLimit from '@fastify/rate-limit';
import { validatorCompiler, serializerCompiler, jsonSchemaTransform } from 'fastify-type-provider-zod';
import nunjucks from 'nunjucks';
import { randomUUID, createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { qs } from './querystring.js';
import type { Access, RouteEntry } from './access.js';
import type { AppContext } from '../context.js';
import { PgSessionStore } from '../auth/session-store.js';
import { isRole, ROLE_LABELS, type Principal } from '../auth/roles.js';
import { addFilters } from './filters.js';
import { HttpError, problem } from './errors.js';
import { enforceSessionRules } from '../auth/session-policy.js'; // issue10-D
import { requireRecentAuthentication } from '../auth/recent-auth.js'; // issue10-D

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** issue10-B: the default limit for public routes, per client address per app instance. */
export const PUBLIC_RATE_LIMIT = { max: 300, timeWindow: '1 minute' };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
  interface FastifyReply {
    locals: Record<string, unknown>;
  }
}
declare module '@fastify/session' {
  interface FastifySessionObject {
    userId?: string;
    flash?: { heading: string; text: string };
  }
}

export type Feature = (app: FastifyInstance, ctx: AppContext) => Promise<void> | void;

export function isApiUrl(url: string): boolean {
  // Telephony webhooks are machine-to-machine too: no session, no CSRF, problem+json on errors.
  return url.startsWith('/api/') || url.startsWith('/telephony/');
}

export async function buildApp(ctx: AppContext, features: Feature[]): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      ctx.config.logLevel === 'silent'
        ? false
        : {
            level: ctx.config.logLevel,
            // Never log query strings, bodies or cookies: they can hold a child's details.
            serializers: {
              req: (req: { method: string; id: string; routeOptions?: { url?: string } }) => ({ method: req.method, route: req.routeOptions?.url ?? 'unmatched', id: req.id }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
    genReqId: () => randomUUID(),
    // issue10-B: a hop count or the proxies' addresses, never "trust everyone" (see config.ts). A count
    // trusts that many hops nearest this server, as Fastify does for a number (its types lack one).
    trustProxy: typeof ctx.config.trustProxy === 'number' ? trustHops(ctx.config.trustProxy) : ctx.config.trustProxy,
    routerOptions: { querystringParser: qs },
    bodyLimit: 1024 * 1024,
  });
  app.decorate('routeTable', [] as RouteEntry[]);
  // One zod schema validates an API request, types its handler and documents it in OpenAPI.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Front Door API', version: '1.0.0', description: 'People search, people, conversations and outcomes for integrations. Authenticate with a service-account bearer token.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    hideUntagged: true,
  });
  app.decorateRequest('principal', null);

  await app.register(fastifyHelmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        // issue10-D: signing out (a form) ends at the identity provider's end-session page, and
        // browsers hold a form's redirects to form-action too.
        formAction: ["'self'", ...(ctx.config.auth.oidc ? [new URL(ctx.config.auth.oidc.issuer).origin] : [])],
        baseUri: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: ctx.config.env === 'production',
  });
  // issue10-B: every public route without a credential of its own (pages and forms anyone can reach)
  // gets a per-address limit unless it sets its own; routes say `rateLimit: false` to opt out (health
  // probes). Routes guarded by a signature or token (checkedBy) are not limited here. Added before the
  // plugin so its onRoute hook sees the result.
  app.addHook('onRoute', (route) => {
    const access = route.config?.access as Access | undefined;
    if (!access || !('public' in access) || access.checkedBy || route.config?.rateLimit !== undefined) return;
    route.config = { ...route.config, rateLimit: PUBLIC_RATE_LIMIT };
  });
  // Routes that opt in (sign-in, the survey, "Ask a question") and every other public route (above)
  // are limited; per instance, in memory.
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyFormbody, { parser: (body) => qs(body) });
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: ctx.config.sessionSecret,
    cookieName: 'front_door_session',
    store: new PgSessionStore(ctx.db, ctx.config.auth.sessionIdleMinutes * 60_000), // issue10-D
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      secure: ctx.config.secureCookies,
      sameSite: 'lax',
      path: '/',
      // issue10-D: the idle timeout (SESSION_IDLE_MINUTES); the rules themselves are checked on every request.
      maxAge: ctx.config.auth.sessionIdleMinutes * 60_000,
    },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session', getToken: (req) => (req.body as Record<string, string> | undefined)?._csrf });

  await app.register(fastifyView, {
    engine: { nunjucks },
    templates: [join(root, 'src', 'views'), join(root, 'src', 'features'), join(root, 'node_modules', 'govuk-frontend', 'dist')],
    production: ctx.config.env !== 'development',
    options: {
      autoescape: true,
      onConfigure: (env: nunjucks.Environment) => addFilters(env, ctx),
    },
  });

  // Static files live outside the access-checked context: they are public by nature.
  await app.register(async (assets) => {
    await assets.register(fastifyStatic, {
      root: join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk', 'assets'),
      prefix: '/assets/',
      maxAge: '1d',
    });
    await assets.register(fastifyStatic, {
      root: join(root, 'public', 'generated'),
      prefix: '/static/',
      decorateReply: false,
      maxAge: '1h',
    });
  });

  // Set before the feature scope is registered, so that scope inherits them.
  app.setNotFoundHandler(async (request, reply) => {
    if (isApiUrl(request.url)) return problem(reply, new HttpError(404, 'Not found', 'There is nothing at this address.'));
    reply.code(404);
    return reply.view('errors/not-found.njk', await pageLocals(ctx, request, reply));
  });

  app.setErrorHandler(async (error: unknown, request, reply) => {
    const http = error instanceof HttpError ? error : toHttpError(error);
    if (http.status >= 500) request.log.error({ err: sanitise(error) }, 'request failed');
    if (isApiUrl(request.url)) return problem(reply, http);
    reply.code(http.status);
    return reply.view('errors/error.njk', {
      ...(await pageLocals(ctx, request, reply)),
      status: http.status,
      title: http.title,
      detail: http.detail,
    });
  });

  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      const access = route.config?.access as Access | undefined;
      if (!access) {
        throw new Error(`Route ${route.method} ${route.url} has no access rule; every route must declare one.`);
      }
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD') continue;
        app.routeTable.push({ method, url: route.url, access, api: isApiUrl(route.url), stream: route.config?.stream === true, recentAuth: route.config?.recentAuth === true }); // issue10-D: recentAuth
      }
    });

    // Who is asking and may they: decided before the body is even parsed or validated.
    scope.addHook('onRequest', async (request, reply) => {
      const access = request.routeOptions.config.access as Access;
      const api = isApiUrl(request.url);
      request.principal = api ? await principalFromToken(ctx, request) : await principalFromSession(ctx, request);
      if ('public' in access) return;
      if (!request.principal) {
        if (api) throw new HttpError(401, 'Sign-in required', 'Send a valid service-account bearer token.');
        return reply.redirect('/sign-in?next=' + encodeURIComponent(request.url.slice(0, 500)));
      }
      if (!access.roles.includes(request.principal.role)) {
        throw new HttpError(403, 'You do not have access to this page', 'Your role does not allow this.');
      }
    });

    scope.addHook('preHandler', async (request, reply) => {
      if (isApiUrl(request.url) || ['GET', 'HEAD', 'OPTIONS'].includes(request.method)) return;
      await new Promise<void>((resolve, reject) => {
        app.csrfProtection(request, reply, (err?: Error) => (err ? reject(new HttpError(403, 'Your form has expired', 'Go back, refresh the page and try again.')) : resolve()));
      });
    });

    // issue10-D: sensitive actions (routes with `recentAuth: true`) need a recent sign-in.
    scope.addHook('preHandler', async (request, reply) => {
      if (isApiUrl(request.url)) return;
      return requireRecentAuthentication(ctx, request, reply);
    });

    scope.addHook('preHandler', async (request, reply) => {
      // issue10-B: sessionless routes (health probes) make no CSRF secret, so no session row per probe.
      if (isApiUrl(request.url) || request.routeOptions.config.sessionless) return;
      const flash = request.session.flash;
      if (flash) delete request.session.flash;
      reply.locals = { ...(await pageLocals(ctx, request, reply)), flash };
    });

    for (const feature of features) await feature(scope, ctx);

    scope.get('/api/openapi.json', { config: { access: { public: true, reason: 'the API description is public' } } }, async () => app.swagger());
  });

  return app;
}

/** What every page template needs: the CSP nonce, who is signed in, their authority and a CSRF token. */
async function pageLocals(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<Record<string, unknown>> {
  const principal = request.principal;
  let csrfToken = '';
  try {
    csrfToken = await reply.generateCsrf();
  } catch {
    // No session (for example a request that failed before it was read): no forms are usable anyway.
  }
  return {
    cspNonce: (reply as unknown as { cspNonce?: { script: string } }).cspNonce?.script,
    principal,
    roleLabel: principal ? ROLE_LABELS[principal.role] : null,
    profile: principal ? ctx.profiles.get(principal.authorityId) : null,
    csrfToken,
    currentPath: request.url.split('?')[0],
    mailProvider: ctx.mailer.name,
  };
}

function toHttpError(error: unknown): HttpError {
  const e = error as { statusCode?: number; code?: string; validation?: unknown; message?: string };
  if (e.code?.startsWith('FST_CSRF')) return new HttpError(403, 'Your form has expired', 'Go back, refresh the page and try again. Nothing was saved.');
  if (e.validation) return new HttpError(400, 'The request was not valid', e.message ?? 'Check the request and try again.');
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpError(e.statusCode, e.statusCode === 429 ? 'Too many requests' : 'The request was not valid', 'Check the request and try again.');
  }
  return new HttpError(500, 'Sorry, there is a problem with the service', 'Try again later. Nothing you entered has been saved half-way.');
}

/** Logs only the error's type, code and stack, never its message (which can echo input). */
function sanitise(error: unknown): Record<string, unknown> {
  const e = error as { name?: string; code?: string; stack?: string };
  return { type: e?.name, code: e?.code, stack: e?.stack?.split('\n').slice(1, 8).join('\n') };
}

async function principalFromSession(ctx: AppContext, request: FastifyRequest): Promise<Principal | null> {
  const userId = request.session.userId;
  if (!userId) return null;
  const user = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (!user || !isRole(user.role)) return null;
  // issue10-D: idle and absolute timeouts, and sessions ended by "sign out everywhere".
  if (!(await enforceSessionRules(ctx, request, user))) return null;
  return {
    kind: 'user',
    id: user.id,
    authorityId: user.authority_id,
    role: user.role,
    displayName: user.display_name,
    agencyCode: user.agency_code,
    teamId: user.team_id,
    email: user.email,
  };
}

// issue10-B
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

async function principalFromToken(ctx: AppContext, request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match) return null;
  const account = await ctx.db
    .selectFrom('service_accounts')
    .selectAll()
    .where('token_hash', '=', hashToken(match[1]!))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!account || !isRole(account.role)) return null;
  return {
    kind: 'service-account',
    id: account.id,
    authorityId: account.authority_id,
    role: account.role,
    displayName: account.name,
    agencyCode: account.agency_code,
    teamId: null,
    email: null,
  };
}
