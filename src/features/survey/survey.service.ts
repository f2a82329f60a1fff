import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import type { Clock } from '../../platform/context.js';
import type { AuthorityProfiles } from '../../platform/authorities.js';
import type { Principal } from '../../platform/auth/roles.js';
import type { AuthorityProfile } from '../../domain/authority-profile.js';
import { addDays, formatDateLong, londonDateOf, londonWallTimeToInstant, MONTH_NAMES, todayInLondon } from '../../domain/dates.js';
import { str, type FormBody } from '../../platform/http/forms.js';
import { parsePeriodQuery, type PeriodQuery } from '../../platform/http/period.js';
import { isWellFormedSurveyToken, surveyTokenHash } from './survey-token.js';
import { SurveyRepository, type CountsRow, type InvitationRow, type ResultsScope } from './survey.repository.js';

export const MAX_ANSWER_LENGTH = 2000;
/** The newest free-text answers shown per question; the page says how many there are in all. */
export const FREE_TEXT_LIMIT = 200;

export type Question = AuthorityProfile['survey']['questions'][number];
export interface FieldError {
  field: string;
  message: string;
}

/** What a survey link leads to. Only an open invitation lets the caller answer. */
export type SurveyState =
  | { kind: 'open'; tokenHash: string; invitation: InvitationRow; profile: AuthorityProfile; conversationDate: string }
  | { kind: 'used'; profile: AuthorityProfile }
  | { kind: 'expired'; profile: AuthorityProfile }
  | { kind: 'invalid' };

export interface Period {
  /** Inclusive London calendar dates, 'YYYY-MM-DD'. */
  from: string;
  to: string;
}

export class SurveyService {
  readonly repo = new SurveyRepository();
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly profiles: AuthorityProfiles,
  ) {}

  // ---------------------------------------------------------------------------------------------
  // The caller's survey
  // ---------------------------------------------------------------------------------------------

  /** Looks the link up by the hash of its token: the token itself is never stored or logged. */
  async open(token: string): Promise<SurveyState> {
    if (!isWellFormedSurveyToken(token)) return { kind: 'invalid' };
    const tokenHash = surveyTokenHash(token);
    const invitation = await this.repo.findInvitation(this.db, tokenHash);
    if (!invitation) return { kind: 'invalid' };
    const profile = this.profileOf(invitation.authority_id);
    if (!profile) return { kind: 'invalid' };
    if (invitation.used_at) return { kind: 'used', profile };
    if (invitation.expires_at.getTime() <= this.clock.now().getTime()) return { kind: 'expired', profile };
    return { kind: 'open', tokenHash, invitation, profile, conversationDate: formatDateLong(londonDateOf(invitation.conversation_started_at)) };
  }

  /** Checks the answers against the authority's questions; only answers to its questions are kept. */
  validate(profile: AuthorityProfile, body: FormBody): { ok: true; answers: Record<string, string> } | { ok: false; errors: FieldError[] } {
    const errors: FieldError[] = [];
    const answers: Record<string, string> = {};
    for (const q of profile.survey.questions) {
      const quoted = `“${q.text.trim()}”`;
      if (q.kind === 'text') {
        // Browsers send line breaks as CR LF; count and keep them as one character, as the page does.
        const v = str(body[q.key]).replace(/\r\n?/g, '\n');
        if (!v) {
          if (q.required) errors.push({ field: q.key, message: `Enter an answer to ${quoted}` });
        } else if (v.length > MAX_ANSWER_LENGTH) {
          errors.push({ field: q.key, message: `Your answer to ${quoted} must be ${MAX_ANSWER_LENGTH.toLocaleString('en-GB')} characters or fewer` });
        } else answers[q.key] = v;
        continue;
      }
      const v = str(body[q.key]);
      if (!v) {
        if (q.required) errors.push({ field: q.key, message: `Select an answer to ${quoted}` });
      } else if (!(q.options ?? []).some((o) => o.value === v)) {
        errors.push({ field: q.key, message: `Select one of the answers to ${quoted}` });
      } else answers[q.key] = v;
    }
    return errors.length ? { ok: false, errors } : { ok: true, answers };
  }

  /**
   * Marks the invitation used and stores the response in one transaction. Returns false, storing
   * nothing, when the invitation was used (say, by a submission a moment earlier) or expired.
   */
  async submit(state: Extract<SurveyState, { kind: 'open' }>, answers: Record<string, string>): Promise<boolean> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      const claimed = await this.repo.claim(tx, state.tokenHash, now);
      if (!claimed) return false;
      await this.repo.insertResponse(tx, { id: randomUUID(), invitation_token_hash: state.tokenHash, submitted_at: now, answers, ...claimed });
      return true;
    });
  }

  private profileOf(authorityId: string): AuthorityProfile | null {
    try {
      return this.profiles.get(authorityId);
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Results for managers
  // ---------------------------------------------------------------------------------------------

  /** The 12 calendar months up to and including today's. */
  defaultPeriod(): Period {
    const to = todayInLondon(this.clock.now());
    const [y, m] = to.split('-').map(Number) as [number, number];
    const first = new Date(Date.UTC(y, m - 1 - 11, 1)).toISOString().slice(0, 10);
    return { from: first, to };
  }

  /** The period the page asks for (see parsePeriodQuery); blank ends take the default's. */
  parsePeriod(query: Record<string, unknown>): PeriodQuery {
    return parsePeriodQuery(query, this.defaultPeriod());
  }

  /** The results page for the principal's own authority: only aggregates and the free-text answers. */
  async results(principal: Principal, period: Period) {
    const profile = this.profiles.get(principal.authorityId);
    const questions = profile.survey.questions;
    const headline = questions.find((q) => q.kind === 'scale') ?? null;
    const scope: ResultsScope = {
      authorityId: principal.authorityId,
      from: londonWallTimeToInstant(period.from, { hour: 0 }),
      to: londonWallTimeToInstant(addDays(period.to, 1), { hour: 0 }),
      headlineKey: headline?.key ?? null,
    };
    const optionKeys = questions.filter((q) => q.kind !== 'text').map((q) => q.key);
    const scaleKeys = questions.filter((q) => q.kind === 'scale').map((q) => q.key);
    const textKeys = questions.filter((q) => q.kind === 'text').map((q) => q.key);

    // One snapshot, so every table on the page adds up to the same totals.
    const { totals, months, teams, workers, answerCounts, averages, texts } = await this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (tx) => ({
        totals: await this.repo.totals(tx, scope),
        months: await this.repo.byMonth(tx, scope),
        teams: await this.repo.byTeam(tx, scope),
        workers: await this.repo.byWorker(tx, scope),
        answerCounts: await this.repo.answerCounts(tx, scope, optionKeys),
        averages: await this.repo.scaleAverages(tx, scope, scaleKeys),
        texts: await this.repo.freeText(tx, scope, textKeys, FREE_TEXT_LIMIT),
      }));

    const monthRows = new Map(months.map((m) => [m.month, m]));
    const monthList = monthsOf(period).map((month) => ({ label: monthLabel(month), ...figures(monthRows.get(month) ?? { sent: 0, responses: 0, average: null }) }));

    const optionQuestions = questions
      .filter((q) => q.kind !== 'text')
      .map((q) => {
        const counts = answerCounts.filter((a) => a.key === q.key);
        const answered = counts.reduce((n, a) => n + a.n, 0);
        const known = (q.options ?? []).map((o) => ({ label: o.label, n: counts.find((c) => c.value === o.value)?.n ?? 0 }));
        // Answers to options the profile no longer has are still counted, under their stored value.
        const retired = counts.filter((c) => !(q.options ?? []).some((o) => o.value === c.value)).map((c) => ({ label: c.value, n: c.n }));
        const avg = averages.find((a) => a.key === q.key);
        return {
          key: q.key,
          text: q.text,
          kind: q.kind,
          answered,
          notAnswered: Math.max(0, totals.responses - answered),
          average: q.kind === 'scale' ? formatAverage(avg?.average ?? null) : null,
          range: q.kind === 'scale' ? scaleRange(q) : null,
          rows: [...known, ...retired].map((r) => ({ ...r, percent: answered ? `${Math.round((r.n * 100) / answered)}%` : '0%' })),
        };
      });

    const freeText = questions
      .filter((q) => q.kind === 'text')
      .map((q) => {
        const entries = texts.filter((t) => t.key === q.key);
        return {
          key: q.key,
          text: q.text,
          total: entries[0]?.total ?? 0,
          entries: entries.map((t) => ({ date: formatDateLong(londonDateOf(t.submitted_at)), team: t.team_name ?? 'No team', worker: t.worker_name, answer: t.answer })),
        };
      });

    return {
      period: { ...period, fromLabel: formatDateLong(period.from), toLabel: formatDateLong(period.to) },
      headline: headline ? { text: headline.text, range: scaleRange(headline) } : null,
      totals: figures(totals),
      questions: optionQuestions,
      months: monthList,
      teams: teams.map((t) => ({ name: t.team_name ?? 'No team', ...figures(t) })),
      workers: workers.map((w) => ({ name: w.worker_name, ...figures(w) })),
      freeText,
      freeTextLimit: FREE_TEXT_LIMIT,
    };
  }
}

function figures(c: CountsRow) {
  return {
    sent: c.sent,
    responses: c.responses,
    rate: c.sent ? `${Math.round((c.responses * 100) / c.sent)}%` : 'None sent',
    average: formatAverage(c.average),
  };
}

function formatAverage(a: number | null): string {
  return a === null || a === undefined ? 'No answers' : (Math.round(a * 10) / 10).toFixed(1);
}

function scaleRange(q: Question): { min: number; max: number } | null {
  const values = (q.options ?? []).map((o) => Number(o.value)).filter((n) => Number.isFinite(n));
  return values.length ? { min: Math.min(...values), max: Math.max(...values) } : null;
}

/** Every month the period touches, oldest first, as 'YYYY-MM'. */
function monthsOf(p: Period): string[] {
  const out: string[] = [];
  let [y, m] = p.from.split('-').map(Number) as [number, number];
  const last = p.to.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(key);
    if (key >= last) break;
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${MONTH_NAMES[m - 1]} ${y}`;
}
