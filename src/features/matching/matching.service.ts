/**
 * The person-matching engine: finds the people a search (or a stored person) may be,
 * ranked by Fellegi–Sunter match probability, each with a plain-English explanation.
 * Candidate generation is in PostgreSQL (indexed blocking keys plus trigram names within a
 * postcode sector); scoring is the pure model in src/domain/matching/.
 */
import type { Executor } from '../../platform/db/database.js';
import type { MatchStdColumn } from '../../platform/db/schema.js';
import { standardise, blockingKeys, specificKeys, broadKeys, standardisePostcode, STANDARDISATION_VERSION, type MatchInput, type Standardised } from '../../domain/matching/standardise.js';
import { score, WEIGHTS, LIKELY_PROBABILITY, POSSIBLE_PROBABILITY, VERY_LIKELY_PROBABILITY, type Band, type Frequencies, type ModelWeights } from '../../domain/matching/model.js';
import { MatchingRepository, type CandidateRow } from './matching.repository.js';

export { LIKELY_PROBABILITY, POSSIBLE_PROBABILITY, VERY_LIKELY_PROBABILITY };
export type { MatchInput };

export interface MatchCandidate {
  personId: string;
  person: CandidateRow;
  probability: number;
  weight: number;
  /** Match weight of the details alone, without the prior. */
  evidence: number;
  band: Band;
  reasons: string[];
  against: string[];
}

export interface SearchOptions {
  /** How many candidates to return, best first (default 10). */
  limit?: number;
  /** Leave out candidates below this probability (default 0: every candidate, ranked). */
  minProbability?: number;
  /** A whole-years age when the date of birth is not known. */
  ageYears?: number | null;
  /** The date ages are worked out on. */
  today?: string;
  /** The household of the person searched for, when known (twins rule). */
  householdId?: string | null;
  excludePersonIds?: string[];
  /**
   * Widen to the broad rules (a date of birth or a name alone) when the specific ones find
   * nobody likely. On for searches; off for the duplicate scan, where a pair with only that in
   * common is not worth a reviewer's time and the wider lookups would dominate the scan.
   */
  broad?: boolean;
  /** Model weights (the evaluation can try others); the checked-in ones by default. */
  weights?: ModelWeights;
}

/** How many blocked candidates one search may score at most. */
const CANDIDATE_CAP = 1000;
/** How many people each broad rule (a date of birth, a name alone) may bring in. */
const BROAD_PER_KEY = 60;
/** Evidence (bits) that counts as a strong candidate: about full name and date of birth agreeing with a slip. */
const STRONG_EVIDENCE_BITS = 16;

export type StandardColumns = {
  given_fold: string | null;
  family_fold: string | null;
  name_placeholder: boolean;
  postcode_outward: string | null;
  postcode_sector: string | null;
  match_std: MatchStdColumn;
  match_keys: string[];
  std_version: number;
};

/** Address lines as one string for comparison. */
export function addressText(p: { address_line_1?: string | null; address_line_2?: string | null; town?: string | null }): string | null {
  return [p.address_line_1, p.address_line_2, p.town].filter(Boolean).join(', ') || null;
}

/** A stored person's details (and their aliases) as the engine reads them. */
export function personMatchInput(
  p: {
    given_name: string | null; family_name: string | null; date_of_birth: string | null; expected_date_of_birth: string | null; sex: string;
    nhs_number: string | null; postcode: string | null; address_line_1?: string | null; address_line_2?: string | null; town?: string | null;
  },
  aliases: { given_name: string | null; family_name: string | null }[],
): MatchInput {
  return {
    givenName: p.given_name,
    familyName: p.family_name,
    otherNames: aliases.map((a) => ({ givenName: a.given_name, familyName: a.family_name })),
    dateOfBirth: p.date_of_birth,
    expectedDateOfBirth: p.expected_date_of_birth,
    sex: p.sex,
    nhsNumber: p.nhs_number,
    postcode: p.postcode,
    address: addressText(p),
  };
}

export class MatchingService {
  readonly repo = new MatchingRepository();

  /** The standardised columns stored beside a person's raw details. */
  static columns(input: MatchInput): StandardColumns {
    const s = standardise(input);
    const own = s.names[0];
    return {
      given_fold: own?.given ?? null,
      family_fold: own?.family ?? null,
      name_placeholder: s.placeholder,
      postcode_outward: s.outward,
      postcode_sector: s.sector ?? s.postcodeBlock,
      match_std: { names: s.names, address: s.address },
      match_keys: blockingKeys(s),
      std_version: STANDARDISATION_VERSION,
    };
  }

  /** Candidates for the details a worker typed (or a referral carried), best first. */
  async search(db: Executor, authorityId: string, input: MatchInput, opts: SearchOptions = {}): Promise<MatchCandidate[]> {
    const probe = standardise(input);
    return this.rank(db, authorityId, probe, opts);
  }

  /** Candidates for a stored person: possible duplicates of them, best first. */
  async candidatesForPerson(db: Executor, authorityId: string, personId: string, opts: SearchOptions = {}): Promise<MatchCandidate[]> {
    const row = await this.repo.person(db, authorityId, personId);
    if (!row || row.merged_into_id) return [];
    return this.rank(db, authorityId, fromStored(row), { broad: false, ...opts, householdId: row.household_id, excludePersonIds: [personId, ...(opts.excludePersonIds ?? [])] });
  }

  private async rank(db: Executor, authorityId: string, probe: Standardised, opts: SearchOptions): Promise<MatchCandidate[]> {
    const first = probe.names.find((n) => n.given || n.family);
    const trigramName = first ? [first.given, first.family].filter(Boolean).join(' ') : '';
    // Names spelt differently within the postcode sector: for searches without a date of birth,
    // where the keys that pair a phonetic name with the date cannot help.
    const trigram = probe.postcodeBlock && !probe.dob && trigramName.length >= 3 ? { sector: probe.sector ?? probe.postcodeBlock, name: trigramName } : null;
    const exclude = opts.excludePersonIds ?? [];
    const rows = await this.repo.candidates(db, authorityId, specificKeys(probe, true), trigram, exclude, CANDIDATE_CAP);
    const freq = rows.length ? await this.frequencies(db, authorityId, probe) : undefined;
    let scored = this.scoreAll(probe, rows, opts, freq);
    // Nobody with strong evidence from the specific rules: widen to the broad ones (date of birth,
    // first name, surname alone). Evidence, not probability, decides, so the choice does not depend
    // on how many people the database holds.
    if (opts.broad !== false && !scored.some((c) => c.evidence >= STRONG_EVIDENCE_BITS)) {
      const seen = new Set([...exclude, ...rows.map((r) => r.id)]);
      const more = await this.repo.broadCandidates(db, authorityId, broadKeys(probe, true), [...seen], BROAD_PER_KEY);
      if (more.length) scored = scored.concat(this.scoreAll(probe, more, opts, freq ?? (await this.frequencies(db, authorityId, probe))));
    }
    const min = opts.minProbability ?? 0;
    return scored
      .filter((c) => c.probability >= min)
      .sort((a, b) => b.weight - a.weight || a.personId.localeCompare(b.personId))
      .slice(0, opts.limit ?? 10);
  }

  private scoreAll(probe: Standardised, rows: CandidateRow[], opts: SearchOptions, freq: Frequencies | undefined): MatchCandidate[] {
    return rows.map((row) => {
      const s = score(probe, fromStored(row), { ageYears: opts.ageYears ?? null, today: opts.today, sameHousehold: !!opts.householdId && opts.householdId === row.household_id }, opts.weights ?? WEIGHTS, freq);
      return { personId: row.id, person: row, probability: s.probability, weight: s.weight, evidence: s.evidence, band: s.band, reasons: s.reasons, against: s.against };
    });
  }

  private async frequencies(db: Executor, authorityId: string, probe: Standardised): Promise<Frequencies | undefined> {
    const given = [...new Set(probe.names.map((n) => n.given?.split(' ')[0]).filter((g): g is string => !!g))];
    const family = [...new Set(probe.names.map((n) => n.family).filter((f): f is string => !!f))];
    const rows = await this.repo.frequencies(db, authorityId, given, family);
    const total = rows.find((r) => r.field === '*')?.n ?? 0;
    if (total === 0) return undefined;
    // Too few people to say how common a name is: use the model's average instead.
    if (total < 1000) return { population: total, given: () => undefined, family: () => undefined };
    const map = new Map(rows.map((r) => [`${r.field}:${r.value}`, r.n / total]));
    return {
      population: total,
      given: (v) => map.get(`given:${v}`) ?? 1 / total,
      family: (v) => map.get(`family:${v}`) ?? 1 / total,
    };
  }

  refreshFrequencies(db: Executor, authorityId: string): Promise<void> {
    return this.repo.refreshFrequencies(db, authorityId);
  }

  /**
   * Recomputes the standardised columns of everyone made by older rules (after the rules or
   * the nickname list change and STANDARDISATION_VERSION is bumped). Runs at start-up.
   */
  async restandardise(db: Executor, batch = 500): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await this.repo.stale(db, STANDARDISATION_VERSION, batch);
      if (rows.length === 0) return done;
      for (const p of rows) {
        const cols = MatchingService.columns(personMatchInput(p, p.aliases));
        await db.updateTable('persons').set(cols).where('id', '=', p.id).execute();
      }
      done += rows.length;
    }
  }
}

/** A stored person as the scorer sees them, from the standardised columns (no re-computation). */
function fromStored(row: CandidateRow): Standardised {
  const pc = standardisePostcode(row.postcode);
  return {
    names: row.match_std.names ?? [],
    placeholder: row.name_placeholder,
    dob: row.date_of_birth,
    expected: row.expected_date_of_birth,
    sex: row.sex === 'M' || row.sex === 'F' ? row.sex : null,
    nhs: row.nhs_number,
    postcode: pc.postcode,
    outward: row.postcode_outward,
    sector: pc.sector,
    postcodeBlock: pc.block,
    address: row.match_std.address ?? null,
  };
}
