/**
 * Live updates across app instances. A change that the live queue shows (a call offered, answered or
 * ended, a callback, a worker's status) adds a row for its authority to `live_signals` in the same
 * transaction, and notifies the channel. Every instance listens (PostgreSQL LISTEN/NOTIFY) and also
 * reads the new rows now and then, so it still catches up where notifications are missing: the
 * embedded engine does not deliver them, and a listening connection can drop. Adding a row takes no
 * lock another webhook waits for (an earlier version updated one counter row per authority, and busy
 * webhooks queued behind it).
 */
import pg from 'pg';
import { sql } from 'kysely';
import type { Database, Executor } from './db/database.js';

export const LIVE_CHANNEL = 'front_door_live';

/** Marks an authority's live view as changed. Call inside the transaction that changes it. */
export async function signalLive(tx: Executor, authorityId: string): Promise<void> {
  await tx.insertInto('live_signals').values({ authority_id: authorityId }).execute();
  await sql`select pg_notify(${LIVE_CHANNEL}, ${authorityId})`.execute(tx);
}

export type LiveListener = (authorityId: string) => void;

export interface LiveBusOptions {
  /** Connection string for the listening connection; without one, polling only. */
  url?: string;
  /** Schema the live_signals table is in (tests use one schema each). */
  schema?: string;
  /** How often the counters are read when notifications work / when they do not. */
  pollMs?: number;
  fallbackPollMs?: number;
}

export class LiveBus {
  private readonly listeners = new Set<LiveListener>();
  /** The newest signal seen; null until the first read. */
  private lastId: number | null = null;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private pollAgain = false;
  private stopped = false;
  /** Whether notifications were seen to arrive; until then the bus polls quickly. */
  notificationsWork = false;

  constructor(
    private readonly db: Database,
    private readonly opts: LiveBusOptions = {},
  ) {}

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async start(): Promise<void> {
    await this.poll(false);
    // Listening starts in the background: finding out that an engine never delivers takes a moment.
    if (this.opts.url) void this.listen(this.opts.url).catch(() => {});
    this.schedule();
  }

  private async listen(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {
      // The connection dropped: fall back to quick polling until it is back.
      this.notificationsWork = false;
      this.client = null;
      void client.end().catch(() => {});
      if (!this.stopped) setTimeout(() => void this.listen(url).catch(() => {}), 1000).unref();
    });
    await client.connect();
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    const probe = `probe:${Math.random().toString(36).slice(2)}`;
    const probed = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 1500);
      t.unref();
      client.on('notification', (n) => {
        if (n.channel !== LIVE_CHANNEL || !n.payload) return;
        if (n.payload === probe) {
          clearTimeout(t);
          resolve(true);
          return;
        }
        if (!n.payload.startsWith('probe:')) void this.poll(true);
      });
    });
    this.client = client;
    await client.query(`listen ${LIVE_CHANNEL}`);
    await client.query('select pg_notify($1, $2)', [LIVE_CHANNEL, probe]);
    this.client = client;
    this.notificationsWork = await probed;
    if (!this.notificationsWork || this.stopped) {
      // The engine accepts LISTEN but never delivers (the embedded engine): polling does the work.
      this.client = null;
      await client.end().catch(() => {});
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const ms = this.notificationsWork ? (this.opts.pollMs ?? 2000) : (this.opts.fallbackPollMs ?? 500);
    this.timer = setTimeout(() => {
      void this.poll(true).finally(() => this.schedule());
    }, ms);
    this.timer.unref();
  }

  /** Reads the signals added since the last read and tells listeners which authorities changed. */
  private async poll(notify: boolean): Promise<void> {
    if (this.stopped) return;
    if (this.polling) {
      // A notification arrived while reading: read again straight after, so it is not missed.
      this.pollAgain = this.pollAgain || notify;
      return;
    }
    this.polling = true;
    try {
      if (this.lastId === null) {
        const first = await this.db.selectFrom('live_signals').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
        this.lastId = Number(first?.id ?? 0);
        return;
      }
      const rows = await this.db
        .selectFrom('live_signals')
        .select(['authority_id', (eb) => eb.fn.max('id').as('id')])
        .where('id', '>', this.lastId)
        .groupBy('authority_id')
        .execute();
      for (const r of rows) this.lastId = Math.max(this.lastId, Number(r.id));
      if (notify) for (const r of rows) for (const l of this.listeners) l(r.authority_id);
    } catch {
      // A failed read is retried on the next turn.
    } finally {
      this.polling = false;
    }
    if (this.pollAgain) {
      this.pollAgain = false;
      await this.poll(true);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => {});
  }
}
