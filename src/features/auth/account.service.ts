/**
 * A person's sessions: listing the ones open on their devices, and ending them all ("sign out
 * everywhere"), by the person themselves or by an administrator.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';

export interface OpenSession {
  id: string;
  method: 'local' | 'oidc' | null;
  signedInAt: Date | null;
  authenticatedAt: Date | null;
  lastSeenAt: Date | null;
}

/**
 * Ends every session of a user, on every device, and returns how many were open. The generation
 * moves on first, so that a request still in flight, which saves its session as it ends, cannot
 * bring one back to life. Each session is emptied of the person, keeping only a note that it was
 * ended, so the other device's sign-in page can say why it is there.
 */
export async function endSessions(tx: Executor, userId: string): Promise<number> {
  await tx
    .updateTable('users')
    .set((eb) => ({ session_generation: eb('session_generation', '+', 1) }))
    .where('id', '=', userId)
    .execute();
  const res = await tx
    .updateTable('sessions')
    .set({
      data: sql`jsonb_build_object('cookie', data -> 'cookie', 'signedOut', 'ended')`,
      user_id: null,
      auth_method: null,
      signed_in_at: null,
      authenticated_at: null,
      last_seen_at: null,
    })
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export class AccountService {
  constructor(private readonly ctx: AppContext) {}

  async endAllSessions(userId: string, by: 'self' | 'administrator', audit: AuditContext): Promise<number> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const sessions = await endSessions(tx, userId);
      await recordAudit(tx, audit, { action: 'user.sessions-ended', userId, details: { by, sessions } });
      return sessions;
    });
  }

  /** The user's sessions that can still be used: not expired, and not from before a "sign out everywhere". */
  async openSessions(userId: string): Promise<OpenSession[]> {
    const rows = await this.ctx.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id', 'sessions.auth_method', 'sessions.signed_in_at', 'sessions.authenticated_at', 'sessions.last_seen_at'])
      .where('sessions.user_id', '=', userId)
      .where('sessions.expires_at', '>', new Date())
      .where(sql<boolean>`(sessions.data -> 'auth' ->> 'generation')::int = users.session_generation`)
      .orderBy('sessions.last_seen_at', 'desc')
      .execute();
    return rows.map((r) => ({ id: r.id, method: r.auth_method, signedInAt: r.signed_in_at, authenticatedAt: r.authenticated_at, lastSeenAt: r.last_seen_at }));
  }
}
