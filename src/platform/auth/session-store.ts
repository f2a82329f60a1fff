import type { Database } from '../db/database.js';
import type { SessionStore } from '@fastify/session';

type Callback = (err?: unknown, result?: unknown) => void;
type SessionLike = Record<string, unknown> & { cookie?: { expires?: Date | string | null }; userId?: string };

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
    this.db
      .insertInto('sessions')
      .values({ id: sessionId, data, user_id: session.userId ?? null, expires_at: expires })
      .onConflict((oc) => oc.column('id').doUpdateSet({ data, user_id: session.userId ?? null, expires_at: expires }))
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
