/**
 * Fellegi–Sunter scoring. Each comparison level has m (how often true matches land on it)
 * and u (how often non-matches do); the match weight is log2 of the prior odds plus
 * log2(m/u) for every field with a value on both sides. The m and u values are estimated
 * from unlabelled data by scripts/linkage-train.ts and checked in as weights.json.
 *
 * Exact name agreement is adjusted for how common the name is: two Smiths agreeing is
 * weaker evidence than two Przybylskis (term-frequency adjustment, as in Splink).
 */
import weightsJson from './weights.json' with { type: 'json' };
import { compare, type CompareContext, type Comparison, type Field } from './compare.js';
import type { Standardised } from './standardise.js';

export interface LevelParams { m: number; u: number }
export interface ModelWeights {
  /** Prior match probability of a pair when the population is not known (1 / typical population). */
  prior: number;
  fields: Record<Field, Record<string, LevelParams>>;
  trainedOn?: string;
}

export const WEIGHTS = weightsJson as ModelWeights;

/** Probability at or above which the engine calls a pair "likely the same person". */
export const LIKELY_PROBABILITY = 0.5;
/** Probability at or above which a pair is "very likely" the same person. */
export const VERY_LIKELY_PROBABILITY = 0.99;
/** Probability at or above which a pair is shown as a possible match (and proposed as a duplicate). */
export const POSSIBLE_PROBABILITY = 0.2;

/** Weight given to facts that rule a pair out (different NHS numbers, twins). */
const HARD_AGAINST_WEIGHT = -40;
/** The highest weight a possible twin may reach: a "possible" match (probability 0.75), never "likely". */
const TWIN_LIKE_CAP = Math.log2(0.4 / 0.6);

export type Band = 'very-likely' | 'likely' | 'possible' | 'unlikely';

export interface Frequencies {
  /** How many people are on the database searched: the prior that one of them is the child is about 1 in this. */
  population?: number;
  /** Share of people with this folded first name (0..1), or undefined when not known. */
  given(value: string): number | undefined;
  family(value: string): number | undefined;
}

export interface FieldScore {
  field: Field;
  level: string | null;
  weight: number;
  reason: string | null;
}

export interface Score {
  weight: number;
  /** The weight of the details alone, before the prior: comparable between databases of any size. */
  evidence: number;
  probability: number;
  band: Band;
  fields: FieldScore[];
  /** Plain-English evidence for, strongest first. */
  reasons: string[];
  /** Plain-English evidence against, strongest first. */
  against: string[];
  comparison: Comparison;
}

const log2 = Math.log2;
const clampProb = (p: number) => Math.min(Math.max(p, 1e-9), 1 - 1e-9);

export function bandFor(probability: number): Band {
  if (probability >= VERY_LIKELY_PROBABILITY) return 'very-likely';
  if (probability >= LIKELY_PROBABILITY) return 'likely';
  if (probability >= POSSIBLE_PROBABILITY) return 'possible';
  return 'unlikely';
}

export function levelWeight(weights: ModelWeights, field: Field, level: string | null, tf?: number): number {
  if (level === null) return 0;
  const p = weights.fields[field]?.[level];
  if (!p) return 0;
  let u = p.u;
  // Term-frequency adjustment: the chance two different people share this exact name is its frequency.
  if (tf !== undefined && tf > 0) u = Math.min(Math.max(tf, u / 20), u * 20);
  return log2(clampProb(p.m) / clampProb(u));
}

export function scoreComparison(c: Comparison, weights: ModelWeights = WEIGHTS, freq?: Frequencies): Score {
  const fields: FieldScore[] = c.fields.map((f) => {
    let tf: number | undefined;
    if (freq && f.value && f.level === 'exact') tf = f.field === 'given' ? freq.given(f.value) : f.field === 'family' ? freq.family(f.value) : undefined;
    return { field: f.field, level: f.level, weight: levelWeight(weights, f.field, f.level, tf), reason: f.reason };
  });
  // Before looking at the details, the chance that one particular person on the database is the
  // child searched for is about one in the number of people on it.
  const prior = freq?.population ? 1 / Math.max(freq.population, 2) : weights.prior;
  const priorWeight = log2(clampProb(prior) / (1 - clampProb(prior)));
  let weight = priorWeight;
  for (const f of fields) weight += f.weight;
  if (c.hardAgainst.length) weight += HARD_AGAINST_WEIGHT;
  if (c.twinLike) weight = Math.min(weight, TWIN_LIKE_CAP);
  const probability = 1 / (1 + 2 ** -weight);
  const sorted = [...fields].filter((f) => f.reason).sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight));
  const reasons = sorted.filter((f) => f.weight > 0.5).map((f) => f.reason!);
  const against = [...c.hardAgainst, ...(c.twinLike ? [c.twinLike] : []), ...sorted.filter((f) => f.weight < -0.5).map((f) => f.reason!)];
  return { weight, evidence: weight - priorWeight, probability, band: bandFor(probability), fields, reasons, against, comparison: c };
}

export function score(a: Standardised, b: Standardised, ctx: CompareContext = {}, weights: ModelWeights = WEIGHTS, freq?: Frequencies): Score {
  return scoreComparison(compare(a, b, ctx), weights, freq);
}

/** "Same date of birth with day and month swapped; Ellie is a short form of Eleanor; same postcode sector". */
export function explain(s: Pick<Score, 'reasons' | 'against'>): string {
  const text = s.reasons.join('; ');
  const sentence = text ? text[0]!.toUpperCase() + text.slice(1) : 'Little in common';
  return s.against.length ? `${sentence}. Against: ${s.against.join('; ')}` : sentence;
}
