/** Timing and percentiles for the benchmark. All times are milliseconds with microsecond precision. */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Rounds to microseconds (three decimals of a millisecond). */
export function us(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The p-th percentile (0–100) of sorted values, by the nearest-rank method. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    min: us(s[0] ?? Number.NaN),
    p50: us(percentile(s, 50)),
    p95: us(percentile(s, 95)),
    p99: us(percentile(s, 99)),
    max: us(s[s.length - 1] ?? Number.NaN),
    mean: us(mean),
  };
}

export function now(): bigint {
  return process.hrtime.bigint();
}

export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Times one call of `fn`, in ms. */
export async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = now();
  await fn();
  return msSince(t);
}

/** Runs `fn` `warmup` times untimed, then `runs` times timed, one after another. */
export async function sampleSerial(runs: number, warmup: number, fn: () => Promise<unknown> | unknown): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await time(fn));
  return summarise(samples);
}

export interface ClosedLoopResult {
  concurrency: number;
  operations: number;
  errors: number;
  firstError?: string;
  wallMs: number;
  throughputPerSecond: number;
  latencyMs: Summary;
}

/**
 * A closed loop: `concurrency` clients each issue the next operation as soon as their previous
 * one finishes, until `total` operations have been issued. Latency is per operation.
 */
export async function closedLoop(concurrency: number, total: number, op: (i: number) => Promise<unknown>): Promise<ClosedLoopResult> {
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const samples: number[] = [];
  const start = now();
  const client = async () => {
    while (issued < total) {
      const i = issued++;
      const t = now();
      try {
        await op(i);
        samples.push(msSince(t));
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const wallMs = msSince(start);
  return {
    concurrency,
    operations: samples.length,
    errors,
    ...(firstError ? { firstError } : {}),
    wallMs: Math.round(wallMs),
    throughputPerSecond: Math.round((samples.length / wallMs) * 1000 * 10) / 10,
    latencyMs: summarise(samples),
  };
}

/** The seeded PRNG (mulberry32) the synthetic-data generator uses, so every run generates the same data. */
export { createRng as rng, type Rng } from '../src/domain/matching/synthetic.js';
