import type { Database } from '../../platform/db/database.js';
import { verifyPassword, dummyHash } from '../../platform/auth/passwords.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import type { Clock } from '../../platform/context.js';

export const MAX_FAILED_SIGN_INS = 5;
export const LOCKOUT_MINUTES = 15;

export type SignInResult =
  | { ok: true; userId: string; generation: number }
  | { ok: false; reason: 'invalid' | 'locked' };

export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async signIn(email: string, password: string, audit: AuditContext): Promise<SignInResult> {
    const user = await this.db
      .selectFrom('users')
      .select(['id', 'password_hash', 'failed_sign_ins', 'locked_until', 'disabled_at', 'session_generation'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
      .executeTakeFirst();
    const result = await this.check(user, password);
    if (!result.ok) {
      await recordAudit(this.db, audit, { action: 'user.sign-in-failed', userId: user?.id ?? null, details: { locked: result.reason === 'locked' } });
      return result;
    }
    await this.db.updateTable('users').set({ last_sign_in_at: this.clock.now() }).where('id', '=', result.userId).execute();
    await recordAudit(this.db, audit, { action: 'user.signed-in', userId: result.userId, details: { method: 'local' } }); // issue10-D: method
    return result;
  }

  /**
   * issue10-D: the signed-in person's password again, before a sensitive action. Failures count
   * towards the same lock-out as signing in.
   */
  async reauthenticate(userId: string, password: string, audit: AuditContext): Promise<SignInResult> {
    const user = await this.db
      .selectFrom('users')
      .select(['id', 'password_hash', 'failed_sign_ins', 'locked_until', 'disabled_at', 'session_generation'])
      .where('id', '=', userId)
      .executeTakeFirst();
    const result = await this.check(user, password);
    if (result.ok) await recordAudit(this.db, audit, { action: 'user.reauthenticated', userId, details: { method: 'local' } });
    else await recordAudit(this.db, audit, { action: 'user.reauthentication-failed', userId, details: { method: 'local', reason: result.reason } });
    return result;
  }

  private async check(
    user: { id: string; password_hash: string | null; locked_until: Date | null; disabled_at: Date | null; session_generation: number } | undefined,
    password: string,
  ): Promise<SignInResult> {
    const now = this.clock.now();
    if (!user || !user.password_hash || user.disabled_at) {
      await verifyPassword(await dummyHash(), password);
      return { ok: false, reason: 'invalid' };
    }
    if (user.locked_until && user.locked_until > now) {
      // Same work as a real check, so the answer's timing does not reveal the lock.
      await verifyPassword(await dummyHash(), password);
      return { ok: false, reason: 'locked' };
    }
    const ok = await verifyPassword(user.password_hash, password);
    if (!ok) {
      // Counted in SQL so that simultaneous attempts cannot each read the old count.
      const updated = await this.db
        .updateTable('users')
        .set((eb) => ({ failed_sign_ins: eb('failed_sign_ins', '+', 1) }))
        .where('id', '=', user.id)
        .returning('failed_sign_ins')
        .executeTakeFirstOrThrow();
      const lock = updated.failed_sign_ins >= MAX_FAILED_SIGN_INS;
      if (lock) {
        await this.db
          .updateTable('users')
          .set({ locked_until: new Date(now.getTime() + LOCKOUT_MINUTES * 60_000), failed_sign_ins: 0 })
          .where('id', '=', user.id)
          .execute();
      }
      return { ok: false, reason: lock ? 'locked' : 'invalid' };
    }
    await this.db.updateTable('users').set({ failed_sign_ins: 0, locked_until: null }).where('id', '=', user.id).execute();
    return { ok: true, userId: user.id, generation: user.session_generation };
  }
}
