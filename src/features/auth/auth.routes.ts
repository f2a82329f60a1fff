import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { AuthService, LOCKOUT_MINUTES } from './auth.service.js';
import { SsoService, type SsoRefusal } from './sso.service.js';
import { AccountService } from './account.service.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { recordAudit } from '../../platform/audit.js';
import { CAN, ROLE_LABELS } from '../../platform/auth/roles.js';
import { OidcClient, ProviderUnavailableError, SignInResponseError } from '../../platform/auth/oidc.js';
import { beginSession, markReauthenticated, recentlyAuthenticated, sessionClock } from '../../platform/auth/session-policy.js';
import { safeLocalPath } from '../../platform/auth/recent-auth.js';
import { HttpError, notFound } from '../../platform/http/errors.js';

const PUBLIC = { public: true as const, reason: 'signing in' };
const SIGN_IN_LIMIT = { max: 60, timeWindow: '1 minute' };
/** How long a sign-in at the provider may take before its return is refused. */
const PENDING_MINUTES = 10;

/** Only same-site paths are allowed as a place to return to after signing in. */
function safeNext(next: unknown): string {
  return safeLocalPath(next) ?? '/';
}

// issue10-D: what the refusal page says for each reason single sign-on can be refused.
const REFUSALS: Record<SsoRefusal | 'invalid-response' | 'expired' | 'different-person', { heading: string; body: string }> = {
  'unknown-user': {
    heading: 'You do not have a Front Door account',
    body: 'You signed in, but there is no Front Door account for you. Ask your Front Door administrator to add you, and give them the email address you sign in with.',
  },
  'email-not-verified': {
    heading: 'We could not confirm your email address',
    body: 'Your organisation’s sign-in did not confirm your email address, so we cannot match you to a Front Door account. Ask your Front Door administrator for help.',
  },
  'email-linked-to-another-identity': {
    heading: 'Your Front Door account is linked to a different sign-in',
    body: 'The Front Door account with your email address is already linked to another account at your organisation. Ask your Front Door administrator to check your account.',
  },
  disabled: { heading: 'Your Front Door account has been switched off', body: 'Ask your Front Door administrator if you still need to use Front Door.' },
  'no-role': {
    heading: 'Your account does not give you access to Front Door',
    body: 'Your organisation has not given your account a Front Door role. Ask your IT service desk or your Front Door administrator to give you access.',
  },
  'administrator-needs-an-account': {
    heading: 'Administrator accounts are set up by an administrator',
    body: 'Front Door does not make an administrator account the first time someone signs in. Ask an existing Front Door administrator to add you.',
  },
  'no-agency': {
    heading: 'Your account does not say which agency you work for',
    body: 'Partner-agency practitioners must have an agency. Ask your Front Door administrator to set yours.',
  },
  'unknown-authority': {
    heading: 'Your account does not belong to a council using this Front Door',
    body: 'Your organisation’s sign-in named a council this Front Door does not serve. Ask your Front Door administrator for help.',
  },
  'authority-mismatch': {
    heading: 'Your account belongs to a different council',
    body: 'Your organisation’s sign-in named a different council from the one your Front Door account belongs to. Ask your Front Door administrator to check your account.',
  },
  'different-person': {
    heading: 'You signed in as someone else',
    body: 'To confirm it was you, you needed to sign in as the same person. You have been signed out of Front Door. Sign in again to carry on.',
  },
  'invalid-response': {
    heading: 'We could not sign you in',
    body: 'The answer from your organisation’s sign-in could not be checked, so we did not sign you in. Go back to the sign-in page and try again.',
  },
  expired: {
    heading: 'Your sign-in took too long or was started in another window',
    body: 'Go back to the sign-in page and try again.',
  },
};

const SIGNED_OUT: Record<string, string> = {
  idle: 'We signed you out because you had not used Front Door for a while. Sign in again to carry on.',
  absolute: 'For your security, we signed you out because you signed in a long time ago. Sign in again to carry on.',
  ended: 'You have been signed out. Sign in again to carry on.',
  everywhere: 'You have signed out of Front Door on all your devices.',
};

export function authRoutes(app: FastifyInstance, ctx: AppContext) {
  const auth = new AuthService(ctx.db, ctx.clock);
  const accounts = new AccountService(ctx);
  const settings = ctx.config.auth;
  const oidc = settings.oidc ? new OidcClient(settings.oidc) : null;
  const sso = settings.oidc ? new SsoService(ctx, settings.oidc) : null;

  const signInPage = (request: FastifyRequest, extra: Record<string, unknown>) => {
    const reason = request.session.signedOut;
    if (reason) delete request.session.signedOut;
    return {
      title: 'Sign in',
      values: {},
      localSignIn: settings.localSignIn,
      sso: settings.oidc ? { name: settings.oidc.displayName } : null,
      signedOutMessage: reason ? SIGNED_OUT[reason] : null,
      idleMinutes: settings.sessionIdleMinutes,
      ...extra,
    };
  };

  const refused = (reply: FastifyReply, reason: keyof typeof REFUSALS, status = 403) => {
    reply.code(status);
    return reply.view('auth/views/refused.njk', { title: REFUSALS[reason].heading, ...REFUSALS[reason], localSignIn: settings.localSignIn });
  };

  app.get('/sign-in', { config: { access: PUBLIC } }, async (request, reply) => {
    if (request.principal) return reply.redirect('/');
    const next = safeNext((request.query as Record<string, unknown>).next);
    return reply.view('auth/views/sign-in.njk', signInPage(request, { next }));
  });

  // Lock-out protects each account; this slows one address trying many accounts.
  app.post('/sign-in', { config: { access: PUBLIC, rateLimit: SIGN_IN_LIMIT } }, async (request, reply) => {
    const body = bodyOf(request);
    const email = str(body.email);
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    // issue10-D: local accounts switched off (LOCAL_SIGN_IN=off): no password is checked at all.
    if (!settings.localSignIn) {
      await recordAudit(ctx.db, auditContext(request), { action: 'user.sign-in-refused', userId: null, details: { method: 'local', reason: 'local-sign-in-off' } });
      reply.code(403);
      return reply.view('auth/views/sign-in.njk', signInPage(request, { next, errors: [{ text: `Sign in with ${settings.oidc!.displayName}`, href: '#sso' }] }));
    }
    const errors: { text: string; href: string }[] = [];
    if (!email) errors.push({ text: 'Enter your email address', href: '#email' });
    if (!password) errors.push({ text: 'Enter your password', href: '#password' });
    if (errors.length === 0) {
      const result = await auth.signIn(email, password, auditContext(request));
      if (result.ok) {
        // A new session id on sign-in, so a session id planted before sign-in is worthless.
        await beginSession(ctx, request, { userId: result.userId, method: 'local', generation: result.generation });
        return reply.redirect(next);
      }
      errors.push(
        result.reason === 'locked'
          ? { text: `Your account is locked after too many failed attempts. Try again in ${LOCKOUT_MINUTES} minutes`, href: '#email' }
          : { text: 'Enter a correct email address and password', href: '#email' },
      );
    }
    reply.code(errors.length ? 400 : 200);
    return reply.view('auth/views/sign-in.njk', signInPage(request, { errors, next, values: { email } }));
  });

  // issue10-D: single sign-on. Start: send the person to the provider with PKCE, state and nonce.
  app.get('/sign-in/oidc', { config: { access: { ...PUBLIC, reason: 'starting single sign-on' }, rateLimit: SIGN_IN_LIMIT } }, async (request, reply) => {
    if (!oidc) throw notFound();
    const q = request.query as Record<string, unknown>;
    const next = safeNext(q.next);
    const reauthenticate = q.reauth === '1' && request.principal !== null && request.session.auth?.method === 'oidc';
    if (request.principal && !reauthenticate) return reply.redirect(next);
    let started: Awaited<ReturnType<OidcClient['start']>>;
    try {
      started = await oidc.start({ reauthenticate });
    } catch (err) {
      if (err instanceof ProviderUnavailableError) {
        request.log.warn({ err: { type: err.name, message: err.message } }, 'identity provider unavailable');
        throw new HttpError(503, `${settings.oidc!.displayName} is not answering`, 'We could not reach your organisation’s sign-in. Try again in a few minutes.');
      }
      throw err;
    }
    request.session.oidc = { ...started.pending, next, reauthenticate, startedAt: sessionClock(ctx).now().getTime() };
    return reply.redirect(started.url.href);
  });

  // issue10-D: the provider sends the person back here with a code; check everything, then sign in.
  app.get('/sign-in/oidc/callback', { config: { access: { ...PUBLIC, reason: 'returning from single sign-on' }, rateLimit: SIGN_IN_LIMIT } }, async (request, reply) => {
    if (!oidc || !sso) throw notFound();
    const pending = request.session.oidc;
    // One use only: a second arrival with the same response finds nothing pending.
    delete request.session.oidc;
    const audit = auditContext(request);
    const refuseResponse = async (reason: 'invalid-response' | 'expired', code: string) => {
      await recordAudit(ctx.db, audit, { action: 'user.sign-in-refused', userId: null, details: { method: 'oidc', reason: `${reason}:${code}`.slice(0, 100) } });
      return refused(reply, reason, 400);
    };
    if (!pending) return refuseResponse('expired', 'nothing-pending');
    if (sessionClock(ctx).now().getTime() - pending.startedAt > PENDING_MINUTES * 60_000) return refuseResponse('expired', 'too-slow');
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    let result: Awaited<ReturnType<OidcClient['finish']>>;
    try {
      result = await oidc.finish(query, pending);
    } catch (err) {
      if (err instanceof SignInResponseError) return refuseResponse('invalid-response', err.code);
      if (err instanceof ProviderUnavailableError) throw new HttpError(503, `${settings.oidc!.displayName} is not answering`, 'We could not reach your organisation’s sign-in. Try again in a few minutes.');
      throw err;
    }

    if (pending.reauthenticate) {
      const current = request.principal;
      const outcome = await sso.signIn(result, audit, 'reauthenticate');
      if (!outcome.ok || !current || outcome.userId !== current.id) {
        await request.session.regenerate();
        if (outcome.ok && current) {
          await recordAudit(ctx.db, audit, { action: 'user.reauthentication-failed', userId: current.id, details: { method: 'oidc', reason: 'different-person' } });
          return refused(reply, 'different-person');
        }
        return refused(reply, outcome.ok ? 'different-person' : outcome.reason);
      }
      markReauthenticated(ctx, request, result.idToken);
      return reply.redirect(pending.next);
    }

    const outcome = await sso.signIn(result, audit, 'sign-in');
    if (!outcome.ok) return refused(reply, outcome.reason);
    await beginSession(ctx, request, { userId: outcome.userId, method: 'oidc', generation: outcome.generation, idToken: result.idToken });
    return reply.redirect(pending.next);
  });

  // issue10-D: before a sensitive action, prove who you are again.
  app.get('/reauthenticate', { config: { access: { roles: CAN.everyone } } }, async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>).next);
    if (recentlyAuthenticated(ctx, request)) return reply.redirect(next);
    const viaSso = request.session.auth?.method === 'oidc' && settings.oidc !== null;
    return reply.view('auth/views/reauthenticate.njk', {
      title: 'Confirm it is you',
      next,
      viaSso,
      ssoName: settings.oidc?.displayName,
      ssoHref: `/sign-in/oidc?reauth=1&next=${encodeURIComponent(next)}`,
      minutes: settings.reauthMinutes,
    });
  });

  app.post('/reauthenticate', { config: { access: { roles: CAN.everyone }, rateLimit: SIGN_IN_LIMIT } }, async (request, reply) => {
    const p = request.principal!;
    const body = bodyOf(request);
    const next = safeNext(body.next);
    const password = typeof body.password === 'string' ? body.password : '';
    const view = (errors: { text: string; href: string }[]) => {
      reply.code(400);
      return reply.view('auth/views/reauthenticate.njk', { title: 'Confirm it is you', next, viaSso: false, minutes: settings.reauthMinutes, errors });
    };
    if (request.session.auth?.method !== 'local') throw new HttpError(400, 'Confirm it is you with your organisation’s sign-in', 'Go back and choose Continue.');
    if (!password) return view([{ text: 'Enter your password', href: '#password' }]);
    const result = await auth.reauthenticate(p.id, password, auditContext(request));
    if (!result.ok) {
      return view([
        result.reason === 'locked'
          ? { text: `Your account is locked after too many failed attempts. Try again in ${LOCKOUT_MINUTES} minutes`, href: '#password' }
          : { text: 'Enter your correct password', href: '#password' },
      ]);
    }
    markReauthenticated(ctx, request);
    return reply.redirect(next, 303);
  });

  /** Ends this browser's session; with single sign-on, then sends the person to the provider to end theirs. */
  const leave = async (request: FastifyRequest, reply: FastifyReply, reason: 'everywhere' | null) => {
    const method = request.session.auth?.method;
    const idToken = request.session.auth?.idToken;
    if (reason) {
      await request.session.regenerate();
      request.session.signedOut = reason;
    } else {
      await request.session.destroy();
    }
    if (method === 'oidc' && oidc) {
      const url = await oidc.endSessionUrl(idToken);
      if (url) return reply.redirect(url.href);
    }
    return reply.redirect('/sign-in');
  };

  app.post('/sign-out', { config: { access: { roles: CAN.everyone } } }, async (request: FastifyRequest, reply) => {
    if (request.principal) await recordAudit(ctx.db, auditContext(request), { action: 'user.signed-out', userId: request.principal.id });
    return leave(request, reply, null);
  });

  // issue10-D: the provider sends the person here after signing them out there too.
  app.get('/signed-out', { config: { access: { public: true, reason: 'the page after signing out' } } }, async (request, reply) => {
    if (request.principal) return reply.redirect('/');
    const everywhere = request.session.signedOut === 'everywhere';
    if (request.session.signedOut) delete request.session.signedOut;
    return reply.view('auth/views/signed-out.njk', { title: 'You have signed out', everywhere, sso: settings.oidc ? { name: settings.oidc.displayName } : null });
  });

  // issue10-D: your account and your sessions; sign out everywhere.
  app.get('/account', { config: { access: { roles: CAN.everyone } } }, async (request, reply) => {
    const p = request.principal!;
    const user = await ctx.db.selectFrom('users').select(['email', 'oidc_subject', 'last_sign_in_at', 'password_hash']).where('id', '=', p.id).executeTakeFirstOrThrow();
    const sessions = await accounts.openSessions(p.id);
    return reply.view('auth/views/account.njk', {
      title: 'Your account',
      user: { ...p, roleLabel: ROLE_LABELS[p.role], linked: user.oidc_subject !== null, hasPassword: user.password_hash !== null },
      sessions: sessions.map((s) => ({ ...s, current: s.id === request.session.sessionId })),
      method: request.session.auth?.method,
      ssoName: settings.oidc?.displayName,
      idleMinutes: settings.sessionIdleMinutes,
      maxHours: settings.sessionMaxHours,
    });
  });

  app.post('/account/sign-out-everywhere', { config: { access: { roles: CAN.everyone } } }, async (request, reply) => {
    await accounts.endAllSessions(request.principal!.id, 'self', auditContext(request));
    return leave(request, reply, 'everywhere');
  });
}
