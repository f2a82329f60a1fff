import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Database, Tx } from '../../platform/db/database.js';
import type { Person } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { notFound } from '../../platform/http/errors.js';
import { QUEUES } from '../../platform/jobs.js';
import { displayName } from '../../domain/names.js';
import { isValidNhsNumber, formatNhsNumber } from '../../domain/nhs-number.js';
import { todayInLondon } from '../../domain/dates.js';
import type { FieldError } from '../../domain/person-rules.js';
import { MatchingService, POSSIBLE_PROBABILITY } from '../matching/matching.service.js';
import { bandFor } from '../../domain/matching/model.js';
import { DuplicatesRepository, ordered, type Band, type CandidateRow, type ProposedPair } from './duplicates.repository.js';

export const REASON_MAX = 2000;

/** Why a merge, an unmerge or a decision was not made: the fields to show in the error summary, and the status to answer with. */
export type Refusal = { ok: false; status: 400 | 409 | 422; errors: FieldError[] };

export interface MergeDone {
  ok: true;
  mergeId: string;
  survivorId: string;
  mergedId: string;
}

export interface PersonSide {
  person: Person;
  aliases: { given_name: string | null; family_name: string | null }[];
  household: { id: string; given_name: string | null; family_name: string | null; date_of_birth: string | null; expected_date_of_birth: string | null }[];
  conversations: number;
}

/** The probability in words and as a percentage, as the queue and the comparison show it. */
export function likelihood(probability: number, band: Band | null): { words: string; percent: string } {
  // Pairs found before the band was stored: the engine's own bands (pairs are never below possible).
  const b = band ?? bandFor(probability);
  const words = b === 'very-likely' ? 'Very likely the same child' : b === 'likely' ? 'Likely the same child' : 'Possibly the same child';
  // Never round up to a certainty the model does not claim.
  const percent = probability >= 0.995 ? 'more than 99%' : `${Math.round(probability * 100)}%`;
  return { words, percent };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function actor(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.id : null;
}

function refuse(status: Refusal['status'], field: string, message: string): Refusal {
  return { ok: false, status, errors: [{ field, message }] };
}

/** A reason that must be given: required, and not longer than the database keeps sensibly. */
function checkReason(reason: string, field: string, missing: string): FieldError | null {
  if (!reason.trim()) return { field, message: missing };
  if (reason.length > REASON_MAX) return { field, message: `The reason must be ${REASON_MAX} characters or fewer` };
  return null;
}

/**
 * Possible duplicate records: the queue the background scan fills, the side-by-side comparison, and
 * the worker's decision – merge (reversible: nothing is rewritten or deleted) or "not the same
 * person" (remembered, so the pair is never proposed again). Nothing is ever merged automatically.
 */
export class DuplicatesService {
  readonly repo = new DuplicatesRepository();
  private readonly matching = new MatchingService();
  constructor(private readonly ctx: AppContext) {}

  private get db(): Database {
    return this.ctx.db;
  }

  /** Open pairs, most likely first. Names and dates of birth only, like the work list. */
  async queue(principal: Principal) {
    const rows = await this.repo.openQueue(this.db, principal.authorityId);
    return rows.map((r) => ({
      id: r.id,
      probability: r.probability,
      ...likelihood(r.probability, r.band),
      reasons: strings(r.reasons),
      foundAt: r.found_at,
      a: { id: r.a_id, given_name: r.a_given_name, family_name: r.a_family_name, date_of_birth: r.a_date_of_birth, expected_date_of_birth: r.a_expected_date_of_birth },
      b: { id: r.b_id, given_name: r.b_given_name, family_name: r.b_family_name, date_of_birth: r.b_date_of_birth, expected_date_of_birth: r.b_expected_date_of_birth },
    }));
  }

  /** Both records of a pair side by side. Showing them is a view of two children's records, so it is audited. */
  async compare(principal: Principal, candidateId: string, audit: AuditContext) {
    return this.db.transaction().execute(async (tx) => {
      const c = await this.repo.findCandidate(tx, principal.authorityId, candidateId);
      if (!c) throw notFound('possible duplicate');
      const [a, b] = await Promise.all([this.side(tx, principal.authorityId, c.person_a_id), this.side(tx, principal.authorityId, c.person_b_id)]);
      await recordAudit(tx, audit, { action: 'duplicates.viewed', personIds: [c.person_a_id, c.person_b_id], details: { candidateId } });
      const decidedBy = await this.repo.userName(tx, c.decided_by);
      return {
        candidate: c,
        ...likelihood(c.probability, c.band),
        reasons: strings(c.reasons),
        against: strings(c.against),
        decidedBy: decidedBy ?? null,
        a,
        b,
        // Either record may have been merged elsewhere since the pair was found.
        decidable: c.status === 'open' && !a.person.merged_into_id && !b.person.merged_into_id,
      };
    });
  }

  private async side(tx: Tx, authorityId: string, id: string): Promise<PersonSide> {
    const person = await this.repo.person(tx, authorityId, id);
    if (!person) throw notFound('child or person');
    return {
      person,
      aliases: await this.repo.aliases(tx, [id]),
      household: await this.repo.householdMembers(tx, authorityId, person),
      conversations: await this.repo.conversationCount(tx, authorityId, id),
    };
  }

  /** Merge from the review queue: the worker chose which of the pair to keep. */
  async mergePair(principal: Principal, candidateId: string, survivorId: string, reason: string, audit: AuditContext): Promise<MergeDone | Refusal> {
    const c = await this.repo.findCandidate(this.db, principal.authorityId, candidateId);
    if (!c) throw notFound('possible duplicate');
    const errors: FieldError[] = [];
    if (survivorId !== c.person_a_id && survivorId !== c.person_b_id) errors.push({ field: 'survivor', message: 'Select which record to keep' });
    const r = checkReason(reason, 'reason', 'Enter why you are sure these records are the same child');
    if (r) errors.push(r);
    if (errors.length) return { ok: false, status: 400, errors };
    const mergedId = survivorId === c.person_a_id ? c.person_b_id : c.person_a_id;
    return this.merge(principal, mergedId, survivorId, reason, audit);
  }

  /**
   * Merges one record into another. Nothing is rewritten or deleted: the merged record points at
   * the record kept, which from then on shows everything about both. The pair's entry in the
   * review queue (if any) is marked merged. Undone by unmerge.
   */
  async merge(principal: Principal, mergedId: string, survivorId: string, reason: string, audit: AuditContext): Promise<MergeDone | Refusal> {
    const r = checkReason(reason, 'reason', 'Enter why you are sure these records are the same child');
    if (r) return { ok: false, status: 400, errors: [r] };
    if (mergedId === survivorId) return refuse(422, 'survivor', 'A record cannot be merged into itself: choose a different record to keep');
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (tx): Promise<MergeDone | Refusal> => {
      const locked = await this.repo.lockPeople(tx, principal.authorityId, [mergedId, survivorId]);
      const merged = locked.find((p) => p.id === mergedId);
      const survivor = locked.find((p) => p.id === survivorId);
      // A record of another authority looks exactly like one that does not exist.
      if (!merged || !survivor || merged.authority_id !== survivor.authority_id) throw notFound('child or person');
      if (merged.merged_into_id) {
        return refuse(409, 'survivor', `${displayName(merged)}’s record has already been merged into another record. Undo that merge first if it was wrong`);
      }
      if (survivor.merged_into_id) {
        return refuse(409, 'survivor', `${displayName(survivor)}’s record has itself been merged into another record: merge into that record instead`);
      }
      if (merged.nhs_number && survivor.nhs_number && merged.nhs_number !== survivor.nhs_number && isValidNhsNumber(merged.nhs_number) && isValidNhsNumber(survivor.nhs_number)) {
        return refuse(
          422,
          'survivor',
          `These records have different NHS numbers (${formatNhsNumber(survivor.nhs_number)} and ${formatNhsNumber(merged.nhs_number)}), so they cannot be merged. If one NHS number is wrong, correct that record first`,
        );
      }
      // A worker who merges a pair once marked "not the same person" has decided otherwise, with a reason.
      const pair = await this.repo.findPairForUpdate(tx, principal.authorityId, mergedId, survivorId);
      const mergeId = randomUUID();
      await this.repo.insertMerge(tx, { id: mergeId, authority_id: principal.authorityId, survivor_id: survivorId, merged_id: mergedId, reason: reason.trim(), merged_by: actor(principal), merged_at: now });
      await this.repo.setMergedInto(tx, mergedId, survivorId, now);
      if (pair) await this.repo.decide(tx, pair.id, 'merged', actor(principal), now, reason.trim());
      await recordAudit(tx, audit, {
        action: 'person.merged',
        personIds: [survivorId, mergedId],
        details: { mergeId, survivorId, mergedId, reason: reason.trim(), candidateId: pair?.id ?? null },
      });
      return { ok: true, mergeId, survivorId, mergedId };
    });
  }

  /** The merge an undo page is about, with both people's names (no other details). */
  async mergeToUndo(principal: Principal, mergeId: string) {
    const m = await this.repo.findMerge(this.db, principal.authorityId, mergeId);
    if (!m) throw notFound('merge');
    const [survivor, merged] = await Promise.all([this.repo.person(this.db, principal.authorityId, m.survivor_id), this.repo.person(this.db, principal.authorityId, m.merged_id)]);
    if (!survivor || !merged) throw notFound('merge');
    return { merge: m, survivor, merged, mergedBy: (await this.repo.userName(this.db, m.merged_by)) ?? null };
  }

  /**
   * Undoes a merge: the merged record stands on its own again, exactly as it was before (the
   * merge only ever set its link to the record kept). The merge log keeps who undid it and why.
   */
  async unmerge(principal: Principal, mergeId: string, reason: string, audit: AuditContext): Promise<MergeDone | Refusal> {
    const r = checkReason(reason, 'reason', 'Enter why the merge was wrong');
    if (r) return { ok: false, status: 400, errors: [r] };
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (tx): Promise<MergeDone | Refusal> => {
      const m = await this.repo.findMergeForUpdate(tx, principal.authorityId, mergeId);
      if (!m) throw notFound('merge');
      if (m.unmerged_at) return refuse(409, 'reason', 'This merge has already been undone');
      const locked = await this.repo.lockPeople(tx, principal.authorityId, [m.survivor_id, m.merged_id]);
      const merged = locked.find((p) => p.id === m.merged_id);
      if (!merged || merged.merged_into_id !== m.survivor_id) {
        // The log and the records disagree: refuse rather than guess.
        return refuse(409, 'reason', 'This record is no longer merged in the way this merge says, so it cannot be undone here');
      }
      await this.repo.setMergedInto(tx, m.merged_id, null, null);
      await this.repo.markUnmerged(tx, m.id, actor(principal), now, reason.trim());
      await recordAudit(tx, audit, {
        action: 'person.unmerged',
        personIds: [m.survivor_id, m.merged_id],
        details: { mergeId: m.id, survivorId: m.survivor_id, mergedId: m.merged_id, reason: reason.trim() },
      });
      return { ok: true, mergeId: m.id, survivorId: m.survivor_id, mergedId: m.merged_id };
    });
  }

  /** "Not the same person": remembered, so the scan never proposes the pair again. */
  async markNotSame(principal: Principal, candidateId: string, note: string, audit: AuditContext): Promise<{ ok: true; candidate: CandidateRow } | Refusal> {
    if (note.length > REASON_MAX) return refuse(400, 'note', `The note must be ${REASON_MAX} characters or fewer`);
    const now = this.ctx.clock.now();
    return this.db.transaction().execute(async (tx): Promise<{ ok: true; candidate: CandidateRow } | Refusal> => {
      const c = await this.repo.findCandidate(tx, principal.authorityId, candidateId);
      if (!c) throw notFound('possible duplicate');
      const pair = await this.repo.findPairForUpdate(tx, principal.authorityId, c.person_a_id, c.person_b_id);
      if (!pair || pair.status !== 'open') return refuse(409, 'note', 'This pair has already been decided');
      await this.repo.decide(tx, c.id, 'not-same', actor(principal), now, note.trim() || null);
      await recordAudit(tx, audit, { action: 'duplicate.marked-not-same', personIds: [c.person_a_id, c.person_b_id], details: { candidateId: c.id, note: note.trim() || null } });
      return { ok: true, candidate: c };
    });
  }

  /** Asks the worker to look for duplicates in this authority now, rather than waiting for the night's run. */
  async requestScan(principal: Principal): Promise<void> {
    await this.ctx.jobs.sendNow(QUEUES.duplicatesScan, { authorityId: principal.authorityId });
  }

  /**
   * Looks for possible duplicates of everyone changed since the last scan (everyone on the first
   * run, or with `full`), in batches, and puts pairs the engine rates at least "possible" in the
   * review queue. Never merges anything.
   */
  async scan(authorityId: string, opts: { full?: boolean; batchSize?: number } = {}): Promise<{ peopleScanned: number; pairsFound: number }> {
    const batchSize = opts.batchSize ?? 200;
    const last = await this.repo.lastScan(this.db, authorityId);
    const since = opts.full ? null : (last?.last_started_at ?? null);
    // The database's clock, because it is the one that stamps people's updated_at.
    const startedAt = await this.repo.databaseNow(this.db);
    const today = todayInLondon(this.ctx.clock.now());
    let after: string | null = null;
    let peopleScanned = 0;
    let pairsFound = 0;
    for (;;) {
      const ids = await this.repo.peopleToScan(this.db, authorityId, since, after, batchSize);
      if (ids.length === 0) break;
      const pairs = new Map<string, ProposedPair>();
      for (const id of ids) {
        const candidates = await this.matching.candidatesForPerson(this.db, authorityId, id, { limit: 20, minProbability: POSSIBLE_PROBABILITY, today });
        for (const c of candidates) {
          const [a, b] = ordered(id, c.personId);
          const key = `${a}:${b}`;
          if ((pairs.get(key)?.probability ?? -1) >= c.probability) continue;
          pairs.set(key, {
            id: randomUUID(), authority_id: authorityId, person_a_id: a, person_b_id: b, probability: c.probability, match_weight: c.weight,
            reasons: c.reasons, against: c.against, band: c.band === 'very-likely' || c.band === 'likely' ? c.band : 'possible', found_at: this.ctx.clock.now(),
          });
        }
      }
      // One short transaction per batch (the embedded engine runs one transaction at a time).
      pairsFound += await this.db.transaction().execute((tx) => this.repo.propose(tx, [...pairs.values()]));
      peopleScanned += ids.length;
      after = ids[ids.length - 1]!;
    }
    await this.repo.scanFinished(this.db, authorityId, startedAt, await this.repo.databaseNow(this.db), peopleScanned, pairsFound);
    return { peopleScanned, pairsFound };
  }

  /** The job: one authority when it names one (a worker asked), else every authority (the nightly run). */
  async runScanJob(data: { authorityId?: string }): Promise<void> {
    const ids = data.authorityId ? [data.authorityId] : this.ctx.profiles.all().map((p) => p.id);
    for (const id of ids) {
      // Name frequencies are recounted first, so the scan weighs common names as they are today.
      await this.matching.refreshFrequencies(this.db, id);
      await this.scan(id);
    }
  }
}
