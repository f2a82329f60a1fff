import { sql, type RawBuilder } from 'kysely';
import type { Executor, Tx } from '../../platform/db/database.js';

/** An invitation as the public survey pages need it: who it counts towards and when the conversation was. */
export interface InvitationRow {
  token_hash: string;
  authority_id: string;
  conversation_id: string;
  worker_id: string;
  team_id: string | null;
  expires_at: Date;
  used_at: Date | null;
  conversation_started_at: Date;
}

export interface ClaimedInvitation {
  authority_id: string;
  conversation_id: string;
  worker_id: string;
  team_id: string | null;
}

/** Which invitations a results query counts: one authority's, sent in [from, to). */
export interface ResultsScope {
  authorityId: string;
  from: Date;
  to: Date;
  /** The scale question whose average each table shows ("helpfulness"), if the profile has one. */
  headlineKey: string | null;
}

export interface CountsRow {
  sent: number;
  responses: number;
  average: number | null;
}
export interface MonthRow extends CountsRow {
  month: string;
}
export interface TeamRow extends CountsRow {
  team_id: string | null;
  team_name: string | null;
}
export interface WorkerRow extends CountsRow {
  worker_id: string;
  worker_name: string;
}
export interface AnswerCountRow {
  key: string;
  value: string;
  n: number;
}
export interface ScaleAverageRow {
  key: string;
  average: number | null;
  answered: number;
}
export interface FreeTextRow {
  key: string;
  submitted_at: Date;
  team_name: string | null;
  worker_name: string;
  answer: string;
  total: number;
}

const NUMBER = '^-?[0-9]+(\\.[0-9]+)?$';

/**
 * Every results query starts from the invitations an authority sent in the period, with the
 * response to each (if any). An invitation counts as sent unless every email carrying its link
 * failed: a resend of a version carries the same link as the version's first record, so any
 * record of that version that did not fail will do. One that was answered was evidently
 * received, so it counts whatever the emails' statuses say.
 */
const BASE = sql`survey_invitations i
  join written_records w on w.id = i.written_record_id
  left join survey_responses r on r.invitation_token_hash = i.token_hash and r.authority_id = i.authority_id
  cross join lateral (
    select exists (
      select 1 from written_records w2
      where w2.conversation_id = w.conversation_id and w2.version = w.version and w2.status <> 'failed'
    ) as delivered
  ) d`;
function scoped(s: ResultsScope): RawBuilder<unknown> {
  return sql`i.authority_id = ${s.authorityId} and i.created_at >= ${s.from} and i.created_at < ${s.to}`;
}
function counts(s: ResultsScope): RawBuilder<unknown> {
  const score = s.headlineKey
    ? sql`case when r.answers ->> ${s.headlineKey} ~ ${NUMBER} then (r.answers ->> ${s.headlineKey})::numeric end`
    : sql`null::numeric`;
  return sql`(count(*) filter (where d.delivered or r.id is not null))::int as sent,
    count(r.id)::int as responses,
    avg(${score})::float8 as average`;
}

export class SurveyRepository {
  findInvitation(db: Executor, tokenHash: string): Promise<InvitationRow | undefined> {
    return db
      .selectFrom('survey_invitations as i')
      .innerJoin('conversations as c', 'c.id', 'i.conversation_id')
      .select(['i.token_hash', 'i.authority_id', 'i.conversation_id', 'i.worker_id', 'i.team_id', 'i.expires_at', 'i.used_at', 'c.started_at as conversation_started_at'])
      .where('i.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /**
   * Marks an open invitation used. The condition is re-checked on the locked row, so of two
   * submissions at once exactly one gets the row back; the other gets nothing and stores nothing.
   */
  claim(tx: Tx, tokenHash: string, now: Date): Promise<ClaimedInvitation | undefined> {
    return tx
      .updateTable('survey_invitations')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['authority_id', 'conversation_id', 'worker_id', 'team_id'])
      .executeTakeFirst();
  }

  async insertResponse(
    tx: Tx,
    row: { id: string; invitation_token_hash: string; submitted_at: Date; answers: Record<string, string> } & ClaimedInvitation,
  ): Promise<void> {
    await tx
      .insertInto('survey_responses')
      .values({ ...row, answers: JSON.stringify(row.answers) })
      .execute();
  }

  // ---------------------------------------------------------------------------------------------
  // Results: every figure is an aggregate computed by PostgreSQL.
  // ---------------------------------------------------------------------------------------------

  async totals(db: Executor, s: ResultsScope): Promise<CountsRow> {
    const r = await sql<CountsRow>`select ${counts(s)} from ${BASE} where ${scoped(s)}`.execute(db);
    return r.rows[0] ?? { sent: 0, responses: 0, average: null };
  }

  /** By the month (London time) the survey was sent: 'YYYY-MM'. Months with nothing sent are absent. */
  async byMonth(db: Executor, s: ResultsScope): Promise<MonthRow[]> {
    const r = await sql<MonthRow>`
      select to_char(i.created_at at time zone 'Europe/London', 'YYYY-MM') as month, ${counts(s)}
      from ${BASE} where ${scoped(s)}
      group by 1 order by 1`.execute(db);
    return r.rows;
  }

  async byTeam(db: Executor, s: ResultsScope): Promise<TeamRow[]> {
    const r = await sql<TeamRow>`
      select i.team_id, t.name as team_name, ${counts(s)}
      from ${BASE} left join teams t on t.id = i.team_id
      where ${scoped(s)}
      group by i.team_id, t.name order by t.name nulls last`.execute(db);
    return r.rows;
  }

  async byWorker(db: Executor, s: ResultsScope): Promise<WorkerRow[]> {
    const r = await sql<WorkerRow>`
      select i.worker_id, u.display_name as worker_name, ${counts(s)}
      from ${BASE} join users u on u.id = i.worker_id
      where ${scoped(s)}
      group by i.worker_id, u.display_name order by u.display_name, i.worker_id`.execute(db);
    return r.rows;
  }

  /** How many responses gave each answer to each of the named questions. */
  async answerCounts(db: Executor, s: ResultsScope, keys: string[]): Promise<AnswerCountRow[]> {
    if (!keys.length) return [];
    const r = await sql<AnswerCountRow>`
      select kv.key, kv.value, count(*)::int as n
      from survey_invitations i
      join survey_responses r on r.invitation_token_hash = i.token_hash and r.authority_id = i.authority_id
      cross join lateral jsonb_each_text(r.answers) kv
      where ${scoped(s)} and kv.key = any(${keys}::text[])
      group by kv.key, kv.value`.execute(db);
    return r.rows;
  }

  async scaleAverages(db: Executor, s: ResultsScope, keys: string[]): Promise<ScaleAverageRow[]> {
    if (!keys.length) return [];
    const r = await sql<ScaleAverageRow>`
      select kv.key, avg(case when kv.value ~ ${NUMBER} then kv.value::numeric end)::float8 as average, count(*)::int as answered
      from survey_invitations i
      join survey_responses r on r.invitation_token_hash = i.token_hash and r.authority_id = i.authority_id
      cross join lateral jsonb_each_text(r.answers) kv
      where ${scoped(s)} and kv.key = any(${keys}::text[])
      group by kv.key`.execute(db);
    return r.rows;
  }

  /**
   * Free-text answers, newest first, at most `limit` per question, with the total per question.
   * Only the date, team and worker go with them: never the caller or the conversation.
   */
  async freeText(db: Executor, s: ResultsScope, keys: string[], limit: number): Promise<FreeTextRow[]> {
    if (!keys.length) return [];
    const r = await sql<FreeTextRow>`
      select key, submitted_at, team_name, worker_name, answer, total from (
        select kv.key, r.submitted_at, t.name as team_name, u.display_name as worker_name, kv.value as answer,
          count(*) over (partition by kv.key)::int as total,
          row_number() over (partition by kv.key order by r.submitted_at desc, r.id) as n
        from survey_invitations i
        join survey_responses r on r.invitation_token_hash = i.token_hash and r.authority_id = i.authority_id
        join users u on u.id = r.worker_id
        left join teams t on t.id = r.team_id
        cross join lateral jsonb_each_text(r.answers) kv
        where ${scoped(s)} and kv.key = any(${keys}::text[]) and btrim(kv.value) <> ''
      ) x
      where n <= ${limit}
      order by key, submitted_at desc, n`.execute(db);
    return r.rows;
  }
}
