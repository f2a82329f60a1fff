/**
 * Evaluation of the matching engine on record-linkage benchmark files (the common CSV format
 * of ../shared/data/linkage/README.md: record_id, cluster_id, given_name, family_name,
 * date_of_birth, sex, postcode, address, nhs_number, extra columns…).
 *
 * The records are loaded as people into the database, and each record is then searched for
 * with its own details through the real engine, exactly as a worker's search runs.
 */
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import { nameSearchText } from '../../domain/names.js';
import { validIsoDate } from '../../domain/matching/standardise.js';
import { LIKELY_PROBABILITY, MatchingService, type MatchInput, type SearchOptions } from './matching.service.js';

export interface LinkageRecord {
  record_id: string;
  cluster_id: string;
  given_name: string;
  family_name: string;
  date_of_birth: string;
  sex: string;
  postcode: string;
  address: string;
  nhs_number: string;
  [extra: string]: string;
}

export function parseLinkageCsv(text: string): LinkageRecord[] {
  return parse(text, { columns: true, skip_empty_lines: true, bom: true }) as LinkageRecord[];
}

export function recordInput(r: LinkageRecord): MatchInput {
  const blank = (s: string | undefined) => (s && s.trim() ? s.trim() : null);
  return {
    givenName: blank(r.given_name),
    familyName: blank(r.family_name),
    dateOfBirth: validIsoDate(blank(r.date_of_birth)),
    // Extra columns some files carry (our synthetic children set): an unborn child's expected date.
    expectedDateOfBirth: validIsoDate(blank(r.expected_date_of_birth)),
    sex: blank(r.sex),
    nhsNumber: blank(r.nhs_number),
    postcode: blank(r.postcode),
    address: blank(r.address),
  };
}

/** Loads the records as people of an authority; returns record id → person id. */
export async function loadRecords(db: Executor, authorityId: string, records: LinkageRecord[], batch = 1000): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < records.length; i += batch) {
    const rows = records.slice(i, i + batch).map((r) => {
      const id = randomUUID();
      ids.set(r.record_id, id);
      const input = recordInput(r);
      const sex = input.sex === 'M' || input.sex === 'F' ? input.sex : 'U';
      return {
        id,
        authority_id: authorityId,
        household_id: null,
        given_name: input.givenName,
        family_name: input.familyName,
        name_search: nameSearchText({ given_name: input.givenName, family_name: input.familyName }),
        date_of_birth: input.dateOfBirth,
        expected_date_of_birth: input.dateOfBirth ? null : (input.expectedDateOfBirth ?? null),
        sex,
        nhs_number: input.nhsNumber && /^\d{10}$/.test(input.nhsNumber) ? input.nhsNumber : null,
        postcode: input.postcode,
        address_line_1: input.address,
        ...MatchingService.columns(input),
      };
    });
    await db.insertInto('persons').values(rows).execute();
  }
  await new MatchingService().refreshFrequencies(db, authorityId);
  await sql`analyze persons`.execute(db);
  return ids;
}

export interface EvaluationResult {
  records: number;
  truePairs: number;
  predictedPairs: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
  recallAt1: number;
  recallAt5: number;
  queriesWithTrueMatch: number;
  msPerQueryP50: number;
  msPerQueryP95: number;
  threshold: number;
  /**
   * The same pairs grouped into people: records joined by a chain of likely links are one
   * person (connected components), as a reviewer working through the duplicate queue would
   * end up. Reported beside the direct pairwise figures, which are the headline ones.
   */
  clustered: { predictedPairs: number; precision: number; recall: number; f1: number };
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Pairwise precision, recall and F1 of "likely the same person" (probability at or above the
 * engine's LIKELY threshold) against the ground-truth clusters, and recall@k of the search.
 */
export async function evaluate(
  db: Executor,
  authorityId: string,
  records: LinkageRecord[],
  ids: Map<string, string>,
  opts: { searchLimit?: number; weights?: SearchOptions['weights']; today?: string; onProgress?: (done: number) => void } = {},
): Promise<EvaluationResult> {
  const matching = new MatchingService();
  const clusterOf = new Map<string, string>();
  const sizes = new Map<string, number>();
  for (const r of records) {
    const pid = ids.get(r.record_id)!;
    clusterOf.set(pid, r.cluster_id);
    sizes.set(r.cluster_id, (sizes.get(r.cluster_id) ?? 0) + 1);
  }
  let truePairs = 0;
  for (const k of sizes.values()) truePairs += (k * (k - 1)) / 2;

  const predicted = new Set<string>();
  let withMatch = 0;
  let hitAt1 = 0;
  let hitAt5 = 0;
  const times: number[] = [];
  let done = 0;
  for (const r of records) {
    const pid = ids.get(r.record_id)!;
    const t0 = performance.now();
    const age = r.age_years && /^\d+$/.test(r.age_years) ? Number(r.age_years) : null;
    const found = await matching.search(db, authorityId, recordInput(r), {
      limit: opts.searchLimit ?? 50, excludePersonIds: [pid], weights: opts.weights, ageYears: age, today: opts.today, minProbability: 0,
    });
    times.push(performance.now() - t0);
    for (const c of found) if (c.probability >= LIKELY_PROBABILITY) predicted.add(pairKey(pid, c.personId));
    if ((sizes.get(r.cluster_id) ?? 0) > 1) {
      withMatch++;
      const cluster = r.cluster_id;
      if (found.slice(0, 1).some((c) => clusterOf.get(c.personId) === cluster)) hitAt1++;
      if (found.slice(0, 5).some((c) => clusterOf.get(c.personId) === cluster)) hitAt5++;
    }
    if (++done % 1000 === 0) opts.onProgress?.(done);
  }
  let tp = 0;
  for (const key of predicted) {
    const [a, b] = key.split('\u0000') as [string, string];
    if (clusterOf.get(a) === clusterOf.get(b)) tp++;
  }
  const precision = predicted.size ? tp / predicted.size : 1;
  const recall = truePairs ? tp / truePairs : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  times.sort((a, b) => a - b);
  // Connected components of the likely links (union–find), then every pair inside a component.
  const parent = new Map<string, string>();
  const find = (x: string): string => { let r = x; while (parent.get(r) !== r) r = parent.get(r)!; parent.set(x, r); return r; };
  for (const pid of clusterOf.keys()) parent.set(pid, pid);
  for (const key of predicted) { const [a, b] = key.split('\u0000') as [string, string]; parent.set(find(a), find(b)); }
  const components = new Map<string, Map<string, number>>();
  for (const [pid, cluster] of clusterOf) {
    const root = find(pid);
    const m = components.get(root) ?? new Map<string, number>();
    m.set(cluster, (m.get(cluster) ?? 0) + 1);
    components.set(root, m);
  }
  let cPred = 0;
  let cTp = 0;
  for (const m of components.values()) {
    let size = 0;
    for (const n of m.values()) { size += n; cTp += (n * (n - 1)) / 2; }
    cPred += (size * (size - 1)) / 2;
  }
  const cP = cPred ? cTp / cPred : 1;
  const cR = truePairs ? cTp / truePairs : 1;
  const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    records: records.length,
    truePairs,
    predictedPairs: predicted.size,
    truePositives: tp,
    precision: round(precision),
    recall: round(recall),
    f1: round(f1),
    recallAt1: round(withMatch ? hitAt1 / withMatch : 1),
    recallAt5: round(withMatch ? hitAt5 / withMatch : 1),
    queriesWithTrueMatch: withMatch,
    msPerQueryP50: round(percentile(times, 50), 2),
    msPerQueryP95: round(percentile(times, 95), 2),
    threshold: LIKELY_PROBABILITY,
    clustered: { predictedPairs: cPred, precision: round(cP), recall: round(cR), f1: round(cP + cR ? (2 * cP * cR) / (cP + cR) : 0) },
  };
}
