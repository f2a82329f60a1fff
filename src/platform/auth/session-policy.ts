/**
 * The rules of a signed-in session (ADR 0018): how it starts, when it times out (after a spell
 * without use, and at the latest a fixed time after signing in), how "sign out everywhere" ends it
 * on every device, and when the person last proved who they are (for sensitive actions).
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext, Clock } from '../context.js';
import { systemClock } from '../context.js';
import type { PendingSignIn } from './oidc.js';
import { recordAudit } from '../audit.js';

export type AuthMethod = 'local' | 'oidc';

export interface SessionAuth {
  method: AuthMethod;
  /** Milliseconds on the session clock. */
  signedInAt: number;
  /** When the person last proved who they are: at sign-in, and again at each re-authentication. */
  authenticatedAt: number;
  lastSeenAt: number;
  /** The user's session generation when this session began; "sign out everywhere" moves it on. */
  generation: number;
  /** Kept for signing out of the provider too (its `id_token_hint`). */
  idToken?: string;
}

export type SignedOutReason = 'idle' | 'absolute' | 'ended';
/** Why the sign-in page greets someone: a timeout, an ending by someone else, or their own "sign out everywhere". */
export type SignedOutNotice = SignedOutReason | 'everywhere';

declare module '@fastify/session' {
  interface FastifySessionObject {
    auth?: SessionAuth;
    /** A sign-in at the provider under way: the checks for the response, and where to go after. */
    oidc?: PendingSignIn & { next: string; reauthenticate: boolean; startedAt: number };
    /** Why the last session ended, for the sign-in page to say so. */
    signedOut?: SignedOutNotice;
  }
}

export function sessionClock(ctx: AppContext): Clock {
  return ctx.sessionClock ?? systemClock;
}

/** Starts a signed-in session under a new id, so an id planted before sign-in is worthless. */
export async function beginSession(ctx: AppContext, request: FastifyRequest, opts: { userId: string; method: AuthMethod; generation: number; idToken?: string }): Promise<void> {
  await request.session.regenerate();
  const now = sessionClock(ctx).now().getTime();
  request.session.userId = opts.userId;
  request.session.auth = { method: opts.method, signedInAt: now, authenticatedAt: now, lastSeenAt: now, generation: opts.generation, ...(opts.idToken ? { idToken: opts.idToken } : {}) };
}

/** Records that the person has just proved who they are again. */
export function markReauthenticated(ctx: AppContext, request: FastifyRequest, idToken?: string): void {
  const auth = request.session.auth;
  if (!auth) return;
  request.session.auth = { ...auth, authenticatedAt: sessionClock(ctx).now().getTime(), ...(idToken ? { idToken } : {}) };
}

/** Pure: whether a session may go on, given the time now and the user's current generation. */
export function sessionState(auth: SessionAuth | undefined, generation: number, nowMs: number, rules: { sessionIdleMinutes: number; sessionMaxHours: number }): 'ok' | SignedOutReason {
  // A session from before these rules (no bookkeeping) is treated as ended: sign in again.
  if (!auth || auth.generation !== generation) return 'ended';
  if (nowMs - auth.signedInAt >= rules.sessionMaxHours * 3_600_000) return 'absolute';
  if (nowMs - auth.lastSeenAt >= rules.sessionIdleMinutes * 60_000) return 'idle';
  return 'ok';
}

/**
 * Checks the signed-in session against the rules. A session that may go on is marked as used now;
 * one that may not is replaced with an empty one remembering why, and false is returned.
 */
export async function enforceSessionRules(ctx: AppContext, request: FastifyRequest, user: { id: string; session_generation: number }): Promise<boolean> {
  const now = sessionClock(ctx).now().getTime();
  const state = sessionState(request.session.auth, user.session_generation, now, ctx.config.auth);
  if (state === 'ok') {
    request.session.auth = { ...request.session.auth!, lastSeenAt: now };
    return true;
  }
  await request.session.regenerate();
  request.session.signedOut = state;
  if (state !== 'ended') {
    await recordAudit(ctx.db, { principal: null, ip: request.ip ?? null, requestId: request.id }, { action: 'user.session-timed-out', userId: user.id, details: { reason: state } });
  }
  return false;
}

/** Whether the person proved who they are recently enough for a sensitive action. */
export function recentlyAuthenticated(ctx: AppContext, request: FastifyRequest): boolean {
  const auth = request.session.auth;
  if (!auth) return false;
  return sessionClock(ctx).now().getTime() - auth.authenticatedAt < ctx.config.auth.reauthMinutes * 60_000;
}
