import type { Database } from '../db/database.js';
import type { SessionStore } from '@fastify/session';

type Callback = (err?: unknown, result?: unknown) => void;
type SessionLike = Record<string, unknown> & {
  cookie?: { expires?: Date | string | null };
  userId?: string;
  auth?: { method?: 'local' | 'oidc'; signedInAt?: number; authenticatedAt?: number; lastSeenAt?: number };
};

const at = (ms: number | undefined) => (typeof ms === 'number' ? new Date(ms) : null);

/** @fastify/session store that keeps sessions in PostgreSQL, so any app instance can serve any request. */
export class PgSessionStore implements SessionStore {
  constructor(
    private readonly db: Database,
    private readonly defaultTtlMs: number,
  ) {}

  set(sessionId: string, raw: object, callback: Callback): void {
    const session = raw as SessionLike;
    const expires = session.cookie?.expires ? new Date(session.cookie.expires) : new Date(Date.now() + this.defaultTtlMs);
    const data = JSON.stringify(session);
    // The session's sign-in bookkeeping is copied into columns, for "your sessions" and the users page.
    const a = session.userId ? session.auth : undefined;
    const row = {
      data,
      user_id: session.userId ?? null,
      expires_at: expires,
      auth_method: a?.method ?? null,
      signed_in_at: at(a?.signedInAt),
      authenticated_at: at(a?.authenticatedAt),
      last_seen_at: at(a?.lastSeenAt),
    };
    this.db
      .insertInto('sessions')
      .values({ id: sessionId, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute()
      .then(() => callback(), callback);
  }

  get(sessionId: string, callback: Parameters<SessionStore['get']>[1]): void {
    this.db
      .selectFrom('sessions')
      .select(['data', 'expires_at'])
      .where('id', '=', sessionId)
      .executeTakeFirst()
      .then((row) => {
        if (!row || row.expires_at.getTime() <= Date.now()) return callback(null, null);
        callback(null, row.data as never);
      }, callback);
  }

  destroy(sessionId: string, callback: Callback): void {
    this.db
      .deleteFrom('sessions')
      .where('id', '=', sessionId)
      .execute()
      .then(() => callback(), callback);
  }

  /** Removes expired sessions; run periodically. */
  async prune(): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<', new Date()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
