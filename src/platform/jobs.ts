import PgBoss from 'pg-boss';
import { CompiledQuery } from 'kysely';
import type { Executor } from './db/database.js';

/**
 * Durable jobs on the same PostgreSQL as the data (pg-boss). A job is enqueued inside the
 * transaction of the change that causes it, so the change and its side effect commit or roll
 * back together: a crash can never lose an email that a completed conversation promised.
 */
export const QUEUES = {
  sendWrittenRecord: 'written-record-send',
  /** Looks for possible duplicate records and puts them in the review queue (never merges). */
  duplicatesScan: 'duplicates-scan',
  /** Nightly tidy of the phone line: old webhook receipts, calls a switch never ended, workers left on. */
  telephonyTidy: 'telephony-tidy',
  /** Every few minutes: MASH check requests past due, alerted once to the agency's lead and the coordinators. */
  mashOverdueScan: 'mash-overdue-scan',
  /** Sends one notification to staff (the outbox in `notifications`). */
  sendNotification: 'notification-send',
  /** Every minute: conversations changed since the last run are counted into the MI summary table. */
  miRefresh: 'mi-refresh',
  /** Daily: "Before you call" pages a month past their last review, reminded to the authority's administrators once a month. */
  faqReviewReminder: 'faq-review-reminder',
  /** Hourly: professional disagreement stages past their due date, told once to the stage's owner (issue 8: disagreements). */
  disagreementOverdueScan: 'disagreement-overdue-scan',
  /** issue10-E: daily, records past their review or disposal date listed for administrators (never deletes). */
  retentionReview: 'retention-review',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * Settings that differ from the defaults for one queue. A duplicate scan reads a whole authority's
 * people, which can take far longer than sending an email, and the next daily run catches up anyway.
 */
const QUEUE_POLICY: Partial<Record<QueueName, { retryLimit?: number; expireInSeconds?: number }>> = {
  [QUEUES.duplicatesScan]: { retryLimit: 2, expireInSeconds: 4 * 3600 },
  // The next scan, minutes later, does whatever a failed one left undone.
  [QUEUES.mashOverdueScan]: { retryLimit: 0 },
  // The next minute's run counts whatever a failed one left marked.
  [QUEUES.miRefresh]: { retryLimit: 0, expireInSeconds: 15 * 60 },
  // issue10-E: reads every record of each authority once a day; a failed run is retried a little later.
  [QUEUES.retentionReview]: { retryLimit: 3, expireInSeconds: 2 * 3600 },
};

export interface JobsOptions {
  url: string;
  /** Schema for pg-boss's own tables. */
  schema: string;
  /** Seconds before the first retry; later retries back off exponentially. */
  retryDelaySeconds?: number;
  retryLimit?: number;
  /** A job still active after this long (its worker died) is failed and retried. */
  expireInSeconds?: number;
  /** How often pg-boss expires stuck jobs and tidies up. */
  maintenanceIntervalSeconds?: number;
  /** Run pg-boss's periodic maintenance (expiring stuck jobs, archiving). */
  supervise?: boolean;
  /** Connections pg-boss may open (1 on the embedded engine; see ADR 0003). */
  poolSize?: number;
  /**
   * issue10-G: run pg-boss's SQL through this instead of a pool of its own: on the embedded engine, the
   * app's own single connection, so nothing in the process talks to the engine over two connections at
   * once (pglite-socket can interleave two connections' statements; see ADR 0003).
   */
  db?: { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };
}

export class Jobs {
  readonly boss: PgBoss;
  private started = false;
  constructor(readonly options: JobsOptions) {
    this.boss = new PgBoss({
      ...(options.db ? { db: options.db as PgBoss.Db } : {}), // issue10-G
      connectionString: options.url,
      schema: options.schema,
      max: options.poolSize ?? 4,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
      supervise: options.supervise ?? true,
    });
    // Errors here are pg-boss's own housekeeping; they must not crash the app.
    this.boss.on('error', () => {});
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    for (const name of Object.values(QUEUES)) {
      const policy = {
        name,
        retryLimit: this.options.retryLimit ?? 10,
        retryDelay: this.options.retryDelaySeconds ?? 30,
        retryBackoff: true,
        // Sending one email takes seconds; a job active for longer lost its worker.
        expireInSeconds: this.options.expireInSeconds ?? 300,
        ...QUEUE_POLICY[name],
      };
      // createQueue leaves an existing queue as it was; the settings of the latest start win.
      await this.boss.createQueue(name, policy);
      await this.boss.updateQueue(name, policy);
    }
    this.started = true;
  }

  /** Enqueues a job as part of the caller's transaction. */
  async enqueue(tx: Executor, queue: QueueName, data: object): Promise<void> {
    await this.boss.send(queue, data, {
      db: {
        executeSql: async (text: string, values: unknown[]) => {
          const result = await tx.executeQuery(CompiledQuery.raw(text, values));
          return { rows: result.rows } as never;
        },
      },
    } as PgBoss.SendOptions);
  }

  /** Sends a job now, outside any transaction. */
  async sendNow(queue: QueueName, data: object): Promise<string | null> {
    return this.boss.send(queue, data);
  }

  /**
   * Sends a job on a cron schedule (for example '0 2 * * *' in Europe/London). pg-boss keeps one
   * schedule per queue and every instance may set it: the latest call wins, and each run is sent once.
   */
  async schedule(queue: QueueName, cron: string, data: object, tz = 'Europe/London'): Promise<void> {
    await this.boss.schedule(queue, cron, data, { tz });
  }

  /**
   * Takes jobs in batches (pg-boss waits a polling interval between fetches, so one job per fetch
   * would cap throughput) and runs each job of a batch at once. A job that throws is failed on its
   * own, so pg-boss retries it, while the others in its batch complete.
   */
  async work<T extends object>(queue: QueueName, handler: (job: PgBoss.JobWithMetadata<T>) => Promise<void>, pollingIntervalSeconds = 2, batchSize = 10): Promise<string> {
    // pg-boss polls no more often than every half second.
    return this.boss.work<T>(queue, { batchSize, includeMetadata: true, pollingIntervalSeconds: Math.max(0.5, pollingIntervalSeconds) }, async (jobs) => {
      const results = await Promise.allSettled(jobs.map((job) => handler(job)));
      for (const [i, r] of results.entries()) {
        if (r.status === 'rejected') {
          const reason = r.reason instanceof Error ? r.reason.message : 'failed';
          await this.boss.fail(queue, jobs[i]!.id, { message: reason.slice(0, 200) });
        }
      }
    });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}
