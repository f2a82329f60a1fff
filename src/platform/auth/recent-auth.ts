/**
 * Re-authentication for sensitive actions (ADR 0018). A route opts in with one option:
 *
 *     app.post('/duplicates/:id/merge', { config: { access: { roles: CAN.mergePeople }, recentAuth: true } }, …)
 *
 * and the hook below, run for every page route after the role and CSRF checks, sends anyone who
 * has not proved who they are within REAUTH_MINUTES to `/reauthenticate` first: their password
 * again for a local account, the identity provider with `prompt=login` for single sign-on.
 * API routes are left alone: a service account has no one to ask.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { recentlyAuthenticated } from './session-policy.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** issue10-D: the route is a sensitive action and needs a recent sign-in. */
    recentAuth?: boolean;
  }
}

/** A path on this site only, never another site (`//evil.example`) or a scheme. */
export function safeLocalPath(value: unknown): string | null {
  return typeof value === 'string' && /^\/(?!\/)[^\s\\]*$/.test(value) && value.length <= 1000 ? value : null;
}

/**
 * Where to come back to after re-authenticating: the page itself; for a form, the page it was sent
 * from when the browser says (Referer), otherwise the nearest page above the form's address (the
 * service sends no referrer, so usually this: `/admin/users/:id/disable` comes back to
 * `/admin/users/:id`). What the form said is not kept: it is sent again by the person.
 */
function returnPath(request: FastifyRequest): string {
  if (request.method === 'GET') return request.url;
  const referer = request.headers.referer;
  if (referer) {
    try {
      const url = new URL(referer);
      if (url.host === request.host) return safeLocalPath(url.pathname + url.search) ?? '/';
    } catch {
      // Not a URL: fall through.
    }
  }
  const pattern = (request.routeOptions.url ?? '').split('/');
  const path = request.url.split('?')[0]!.split('/');
  if (pattern.length === path.length) {
    for (let n = pattern.length; n > 1; n--) {
      if (request.server.hasRoute({ method: 'GET', url: pattern.slice(0, n).join('/') })) return safeLocalPath(path.slice(0, n).join('/')) ?? '/';
    }
  }
  return '/';
}

export async function requireRecentAuthentication(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (request.routeOptions.config.recentAuth !== true) return undefined;
  const p = request.principal;
  if (!p || p.kind !== 'user') return undefined;
  if (recentlyAuthenticated(ctx, request)) return undefined;
  return reply.redirect('/reauthenticate?next=' + encodeURIComponent(returnPath(request)), 303);
}
