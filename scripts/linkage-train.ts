/**
 * `npm run linkage:train -- [--out src/domain/matching/weights.json] <file.csv>…`
 *
 * Estimates the Fellegi–Sunter parameters of the matching model from UNLABELLED records
 * (cluster_id is never read for training), as Splink does:
 *   - u (how often non-matching pairs land on each comparison level) from random pairs of
 *     records, which are almost all non-matches;
 *   - m (how often matching pairs land on each level) and the prior by
 *     expectation–maximisation over the candidate pairs the blocking rules produce, with u fixed.
 * The result is written as weights.json, which the engine loads. The checked-in weights were
 * produced by the command in the README ("How the weights were made").
 *
 * --report prints, for information only, pairwise precision and recall of the new weights on
 * the blocked pairs using cluster_id (an in-memory estimate; `npm run linkage:eval` is the
 * real measurement through the database).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { parseLinkageCsv, recordInput } from '../src/features/matching/linkage.js';
import { standardise, specificKeys, type Standardised } from '../src/domain/matching/standardise.js';
import { compare, FIELDS, LEVELS, type Comparison } from '../src/domain/matching/compare.js';
import { scoreComparison, WEIGHTS, LIKELY_PROBABILITY, type ModelWeights } from '../src/domain/matching/model.js';
import { createRng } from '../src/domain/matching/synthetic.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    report: { type: 'boolean', default: false },
    'max-records': { type: 'string', default: '20000' },
    'random-pairs': { type: 'string', default: '300000' },
    iterations: { type: 'string', default: '25' },
    seed: { type: 'string', default: '1' },
    // Files without NHS numbers can lend another identifier column as the anchor (FEBRL: other_id, a fake social-security number).
    'anchor-column': { type: 'string', multiple: true, default: [] },
  },
});
if (positionals.length === 0) {
  console.error('Usage: npm run linkage:train -- [--out weights.json] [--report] <file.csv>…');
  process.exit(2);
}
const rng = createRng(Number(values.seed));
const maxRecords = Number(values['max-records']);
const BLOCK_CAP = 200;

interface Loaded { std: Standardised[]; cluster: string[]; name: string; anchor: (string | null)[] }
const anchorColumns = (values['anchor-column'] as string[]).map((a) => { const [file, col] = a.split(':'); return { file: file!, col: col! }; });

function load(file: string): Loaded {
  let records = parseLinkageCsv(readFileSync(file, 'utf8'));
  if (records.length > maxRecords) {
    // A random sample of whole records keeps the pair mix of the file.
    const picked = new Set<number>();
    while (picked.size < maxRecords) picked.add(Math.floor(rng.next() * records.length));
    records = [...picked].sort((a, b) => a - b).map((i) => records[i]!);
  }
  const std = records.map((r) => standardise(recordInput(r)));
  const extra = anchorColumns.find((a) => a.file === basename(file));
  const anchor = records.map((r, i) => (extra ? (r[extra.col]?.trim() || null) : std[i]!.nhs));
  return { std, cluster: records.map((r) => r.cluster_id), name: basename(file), anchor };
}

/** Candidate pairs: records sharing a specific blocking key (blocks capped, as the engine caps its search). */
function blockedPairs(std: Standardised[]): [number, number][] {
  const index = new Map<string, number[]>();
  std.forEach((s, i) => {
    for (const k of specificKeys(s)) {
      const list = index.get(k);
      if (!list) index.set(k, [i]);
      else if (list.length < BLOCK_CAP) list.push(i);
    }
  });
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  std.forEach((s, i) => {
    for (const k of specificKeys(s, true)) {
      for (const j of index.get(k) ?? []) {
        if (j <= i) continue;
        const key = i * std.length + j;
        if (seen.has(key)) continue;
        seen.add(key);
        pairs.push([i, j]);
      }
    }
  });
  return pairs;
}

type Pattern = string; // field levels joined by '|', '-' for a missing value
const patternOf = (c: Comparison): Pattern => c.fields.map((f) => f.level ?? '-').join('|');

const files = positionals.map(load);

/**
 * "Same surname and same home" is scored on top of the surname's own agreement, so its m and u
 * are conditional: among pairs whose surnames agree and whose homes are both known, how often the
 * home is shared (true matches: nearly always; different people: brothers, sisters and parents).
 */
const familyAgreesWithHome = (fs: { field: string; level: string | null }[]) =>
  ['exact', 'part'].includes(fs.find((x) => x.field === 'family')?.level ?? '') && fs.find((x) => x.field === 'home')?.level != null;
let uFamilyHomeBase = 0;
const patterns = new Map<Pattern, number>();
const uCounts: Record<string, Record<string, number>> = Object.fromEntries(FIELDS.map((f) => [f, {}]));
let twinPairs = 0;
for (const f of files) {
  const pairs = blockedPairs(f.std);
  console.error(`${f.name}: ${f.std.length} records, ${pairs.length} blocked pairs`);
  for (const [i, j] of pairs) {
    const c = compare(f.std[i]!, f.std[j]!);
    // Pairs ruled out by hard evidence say nothing about m; they are left out of the fit.
    if (c.hardAgainst.length) continue;
    if (c.twinLike) twinPairs++;
    const p = patternOf(c);
    patterns.set(p, (patterns.get(p) ?? 0) + 1);
  }
  const n = f.std.length;
  const randomPairs = Math.round(Number(values['random-pairs']) / files.length);
  for (let k = 0; k < randomPairs; k++) {
    const i = Math.floor(rng.next() * n);
    const j = Math.floor(rng.next() * n);
    if (i === j) continue;
    const fieldsIJ = compare(f.std[i]!, f.std[j]!).fields;
    if (familyAgreesWithHome(fieldsIJ)) uFamilyHomeBase++;
    for (const fc of fieldsIJ) {
      if (fc.level === null) continue;
      uCounts[fc.field]![fc.level] = (uCounts[fc.field]![fc.level] ?? 0) + 1;
    }
  }
}

// u: level shares among random pairs, with a small floor so a level never seen is still possible.
const fields = {} as ModelWeights['fields'];
for (const field of FIELDS) {
  const counts = uCounts[field]!;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  fields[field] = {};
  for (const level of LEVELS[field]) {
    const u = ((counts[level] ?? 0) + 0.5) / (total + 0.5 * LEVELS[field].length);
    fields[field][level] = { m: WEIGHTS.fields[field]?.[level]?.m ?? 0.05, u };
  }
}
// Age-only comparisons never occur between stored records; keep the hand-set values for that level.
fields.dob.age = WEIGHTS.fields.dob.age!;

// m: level shares among ANCHOR pairs, i.e. pairs of records carrying the same valid NHS number.
// Those are the same person whatever else the records say, so how their names, dates and
// addresses differ is exactly how a true match's details differ. (Plain EM over blocked
// pairs was tried first and drifts to "everything matches": brothers and sisters share a
// surname and a home, which breaks its independence assumption badly. See ADR 0010.)
// Each file with anchors contributes its own level shares, and the files are averaged with equal
// weight, so a large benchmark cannot drown the error patterns of the children's set.
const perFile: Record<string, Record<string, number>>[] = [];
let anchorPairs = 0;
for (const f of files) {
  const counts: Record<string, Record<string, number>> = { ...Object.fromEntries(FIELDS.map((x) => [x, {}])), familyHomeBase: {} };
  const byAnchor = new Map<string, number[]>();
  f.anchor.forEach((id, i) => { if (id) byAnchor.set(id, [...(byAnchor.get(id) ?? []), i]); });
  let pairs = 0;
  for (const ids of byAnchor.values()) {
    for (let x = 0; x < ids.length; x++) for (let y = x + 1; y < ids.length; y++) {
      pairs++;
      const fsXY = compare(f.std[ids[x]!]!, f.std[ids[y]!]!).fields;
      if (familyAgreesWithHome(fsXY)) counts.familyHomeBase!.n = (counts.familyHomeBase!.n ?? 0) + 1;
      for (const fc of fsXY) {
        if (fc.level === null || fc.field === 'nhs') continue;
        counts[fc.field]![fc.level] = (counts[fc.field]![fc.level] ?? 0) + 1;
      }
    }
  }
  console.error(`${f.name}: ${pairs} anchor pairs`);
  anchorPairs += pairs;
  if (pairs >= 100) perFile.push(counts);
}
if (perFile.length === 0) throw new Error('No file has 100 pairs sharing an NHS number (or an --anchor-column): include the synthetic children set.');
for (const field of FIELDS) {
  if (field === 'nhs') continue;
  const levels = LEVELS[field].filter((l) => !(field === 'dob' && l === 'age'));
  const total = (counts: Record<string, Record<string, number>>) => levels.reduce((a, l) => a + (counts[field]![l] ?? 0), 0);
  // Only files that record this field say anything about it (FEBRL has no sex).
  const withField = perFile.filter((c) => total(c) > 0);
  for (const level of levels) {
    fields[field][level]!.m = withField.reduce((a, c) => a + ((c[field]![level] ?? 0) + 0.5) / (total(c) + 0.5 * levels.length), 0) / Math.max(1, withField.length);
  }
}
{
  const fh = 'family-home';
  fields.home[fh]!.u = ((uCounts.home![fh] ?? 0) + 0.5) / (uFamilyHomeBase + 1);
  const withBase = perFile.filter((c) => (c.familyHomeBase!.n ?? 0) > 0);
  fields.home[fh]!.m = withBase.reduce((a, c) => a + ((c.home![fh] ?? 0) + 0.5) / (c.familyHomeBase!.n! + 1), 0) / Math.max(1, withBase.length);
}

// The NHS number itself: a typo in it fails the check digit (so it is missing, not different) nine times in ten.
fields.nhs = { exact: { m: 0.995, u: fields.nhs.exact!.u }, different: { m: 0.005, u: fields.nhs.different!.u } };

// The prior used when the population is unknown; searches use 1 / (people on the database).
const prior = 1 / 10_000;

const weights: ModelWeights = {
  prior,
  trainedOn: `scripts/linkage-train.ts on ${files.map((f) => `${f.name} (${f.std.length} records)`).join(', ')}; ${[...patterns.values()].reduce((a, n) => a + n, 0)} blocked pairs (prior), ${anchorPairs} NHS-number anchor pairs (m), random pairs (u); ${twinPairs} possible-twin pairs`,
  fields,
};
const round = (x: number) => Number(x.toPrecision(4));
for (const f of FIELDS) for (const l of Object.keys(weights.fields[f])) weights.fields[f][l] = { m: round(weights.fields[f][l]!.m), u: round(weights.fields[f][l]!.u) };
weights.prior = round(weights.prior);
const json = JSON.stringify(weights, null, 2) + '\n';
if (values.out) writeFileSync(values.out, json);
else console.log(json);
console.error(`prior ${weights.prior}`);
for (const f of FIELDS) console.error(f.padEnd(6), Object.entries(weights.fields[f]).map(([l, p]) => `${l} ${Math.log2(p.m / p.u).toFixed(1)}`).join(', '));

if (values.report) {
  for (const f of files) {
    let tp = 0, fp = 0, truePairs = 0;
    const sizes = new Map<string, number>();
    for (const c of f.cluster) sizes.set(c, (sizes.get(c) ?? 0) + 1);
    for (const k of sizes.values()) truePairs += (k * (k - 1)) / 2;
    const fpPatterns = new Map<string, number>();
    for (const [i, j] of blockedPairs(f.std)) {
      const s = scoreComparison(compare(f.std[i]!, f.std[j]!), weights, { population: f.std.length, given: () => undefined, family: () => undefined });
      if (s.probability < LIKELY_PROBABILITY) continue;
      if (f.cluster[i] === f.cluster[j]) tp++;
      else {
        fp++;
        const p = patternOf(s.comparison);
        fpPatterns.set(p, (fpPatterns.get(p) ?? 0) + 1);
      }
    }
    const precision = tp / (tp + fp || 1);
    const recall = tp / (truePairs || 1);
    console.error(`${f.name}: precision ${precision.toFixed(4)} recall ${recall.toFixed(4)} f1 ${((2 * precision * recall) / (precision + recall || 1)).toFixed(4)} (blocked pairs, in memory)`);
    console.error('  top false-positive patterns (' + FIELDS.join('|') + '):', [...fpPatterns.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5));
  }
}
