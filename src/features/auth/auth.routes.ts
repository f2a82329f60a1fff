import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { AuthService, LOCKOUT_MINUTES } from './auth.service.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { recordAudit } from '../../platform/audit.js';
import { CAN } from '../../platform/auth/roles.js';

const PUBLIC = { public: true as const, reason: 'signing in' };

/** Only same-site paths are allowed as a place to return to after signing in. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/';
}

export function authRoutes(app: FastifyInstance, ctx: AppContext) {
  const auth = new AuthService(ctx.db, ctx.clock);

  app.get('/sign-in', { config: { access: PUBLIC } }, async (request, reply) => {
    if (request.principal) return reply.redirect('/');
    const next = safeNext((request.query as Record<string, unknown>).next);
    return reply.view('auth/views/sign-in.njk', { title: 'Sign in', next, values: {} });
  });

  // Lock-out protects each account; this slows one address trying many accounts.
  app.post('/sign-in', { config: { access: PUBLIC, rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request, reply) => {
    const body = bodyOf(request);
    const email = str(body.email);
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    const errors: { text: string; href: string }[] = [];
    if (!email) errors.push({ text: 'Enter your email address', href: '#email' });
    if (!password) errors.push({ text: 'Enter your password', href: '#password' });
    if (errors.length === 0) {
      const result = await auth.signIn(email, password, auditContext(request));
      if (result.ok) {
        // A new session id on sign-in, so a session id planted before sign-in is worthless.
        await request.session.regenerate();
        request.session.userId = result.userId;
        return reply.redirect(next);
      }
      errors.push(
        result.reason === 'locked'
          ? { text: `Your account is locked after too many failed attempts. Try again in ${LOCKOUT_MINUTES} minutes`, href: '#email' }
          : { text: 'Enter a correct email address and password', href: '#email' },
      );
    }
    reply.code(errors.length ? 400 : 200);
    return reply.view('auth/views/sign-in.njk', { title: 'Sign in', errors, next, values: { email } });
  });

  app.post('/sign-out', { config: { access: { roles: CAN.everyone } } }, async (request: FastifyRequest, reply) => {
    if (request.principal) await recordAudit(ctx.db, auditContext(request), { action: 'user.signed-out', userId: request.principal.id });
    await request.session.destroy();
    return reply.redirect('/sign-in');
  });
}
