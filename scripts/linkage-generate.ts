/**
 * Writes a synthetic UK children linkage set in the common CSV format
 * (/work/shared/data/linkage/README.md), with ground truth in cluster_id and extra columns
 * household_id, scenario, expected_date_of_birth, age_years, twin_of.
 *
 *   npx tsx scripts/linkage-generate.ts --seed 1 --people 5000 --out synthetic-children.csv
 *     [--duplicate-rate 0.3] [--nhs-rate 0.35] [--twin-rate 0.03] [--unborn-rate 0.04]
 *     [--as-of 2026-11-23] [--regions norfolk,stoke] [--stats]
 *
 * Without --out the CSV goes to stdout. --stats prints counts by scenario to stderr.
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { csvHeader, csvLine, generateChildren } from '../src/domain/matching/synthetic.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    people: { type: 'string', default: '5000' },
    out: { type: 'string' },
    'duplicate-rate': { type: 'string' },
    'nhs-rate': { type: 'string' },
    'twin-rate': { type: 'string' },
    'unborn-rate': { type: 'string' },
    'as-of': { type: 'string' },
    regions: { type: 'string' },
    stats: { type: 'boolean', default: false },
  },
});

const num = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, not ${JSON.stringify(v)}`);
  return n;
};

const regions = values.regions?.split(',').map((s) => s.trim());
if (regions && !regions.every((r) => r === 'norfolk' || r === 'stoke')) throw new Error('--regions takes norfolk, stoke or both');

const records = generateChildren({
  seed: num(values.seed, 'seed')!,
  people: num(values.people, 'people')!,
  duplicateRate: num(values['duplicate-rate'], 'duplicate-rate'),
  nhsRate: num(values['nhs-rate'], 'nhs-rate'),
  twinRate: num(values['twin-rate'], 'twin-rate'),
  unbornRate: num(values['unborn-rate'], 'unborn-rate'),
  asOf: values['as-of'],
  regions: regions as ('norfolk' | 'stoke')[] | undefined,
});

const out = values.out ? createWriteStream(values.out) : process.stdout;
out.write(csvHeader() + '\n');
for (const r of records) out.write(csvLine(r) + '\n');
if (values.out) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? reject(e) : resolve())));

const clusters = new Map<string, number>();
for (const r of records) clusters.set(r.cluster_id, (clusters.get(r.cluster_id) ?? 0) + 1);
let pairs = 0;
for (const k of clusters.values()) pairs += (k * (k - 1)) / 2;
process.stderr.write(`${records.length} records, ${clusters.size} people, ${pairs} true-match pairs${values.out ? ` → ${values.out}` : ''}\n`);
if (values.stats) {
  const byScenario = new Map<string, number>();
  for (const r of records) for (const s of r.scenario.split('+')) byScenario.set(s, (byScenario.get(s) ?? 0) + 1);
  for (const [s, n] of [...byScenario].sort((a, b) => b[1] - a[1])) process.stderr.write(`  ${s.padEnd(24)} ${n}\n`);
  const twins = records.filter((r) => r.twin_of && r.scenario === 'original').length;
  process.stderr.write(`  twins (original records)  ${twins}\n`);
}
