/**
 * The dependency audit for CI (issue 10, ADR 0017): `npm audit` of the packages the service runs
 * with, failing on any high or critical advisory that is not in the documented exception list
 * (docs/audit-exceptions.json), and on any exception whose review date has passed.
 *
 *   npm run audit:deps                      # production dependencies, high and critical
 *   npm run audit:deps -- --include-dev     # dev dependencies too
 *   npm run audit:deps -- --level moderate  # a lower bar
 *
 * Exit status: 0 nothing to act on; 1 an advisory without an exception, an expired exception or a
 * bad exception file; 2 the audit could not run (npm could not reach the advisory service). Exit 2
 * is a failure too, unless AUDIT_UNAVAILABLE=warn says this environment cannot reach it (then it
 * prints NOT RUN and exits 0, never "passed").
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The exception list; AUDIT_EXCEPTIONS names another file (the tests use one of their own). */
export const EXCEPTIONS_FILE = process.env.AUDIT_EXCEPTIONS ?? join(root, 'docs', 'audit-exceptions.json');

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const exceptionSchema = z.object({
  /** The advisory: its GitHub id (GHSA-xxxx-xxxx-xxxx), as npm audit reports it. */
  id: z.string().regex(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/, 'must be a GitHub advisory id, GHSA-xxxx-xxxx-xxxx'),
  package: z.string().min(1),
  /** Why the service is not exposed, or why it cannot be fixed yet, and what would change that. */
  reason: z.string().min(40, 'must explain why (at least 40 characters)'),
  /** Who accepted it. */
  acceptedBy: z.string().min(2),
  /** Looked at again by this date (YYYY-MM-DD); after it the audit fails until it is reviewed. */
  reviewBy: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD'),
});
const exceptionsFileSchema = z.object({ exceptions: z.array(exceptionSchema) });
export type AuditException = z.infer<typeof exceptionSchema>;

/** One advisory as npm audit's JSON (report version 2) gives it inside a vulnerability's `via`. */
interface Advisory {
  source: number;
  name: string;
  title: string;
  url: string;
  severity: Severity;
  range: string;
}
interface Vulnerability {
  name: string;
  severity: Severity;
  isDirect: boolean;
  via: (string | Advisory)[];
  effects: string[];
  fixAvailable: boolean | { name: string; version: string; isSemVerMajor: boolean };
}
export interface AuditReport {
  auditReportVersion?: number;
  vulnerabilities?: Record<string, Vulnerability>;
  metadata?: { vulnerabilities?: Record<Severity | 'total', number>; dependencies?: Record<string, number> };
}

export interface Finding {
  id: string;
  package: string;
  severity: Severity;
  title: string;
  url: string;
  range: string;
  /** The packages we depend on directly that bring it in. */
  through: string[];
  fix: string;
}

export interface Assessment {
  /** At or above the level, with no exception: these fail the audit. */
  failing: Finding[];
  /** At or above the level, covered by an exception that is still in date. */
  excepted: { finding: Finding; exception: AuditException }[];
  /** Exceptions past their review date: these fail the audit too. */
  expired: AuditException[];
  /** Exceptions for advisories no longer reported: remove them. */
  unused: AuditException[];
  /** Below the level: reported, not failing. */
  below: Finding[];
}

/** The advisory's id: the GHSA id in its URL, else npm's numeric source. */
function advisoryId(a: Advisory): string {
  return a.url.match(/GHSA(-[a-z0-9]{4}){3}/)?.[0] ?? String(a.source);
}

/** Follows `effects` up to the packages that are direct dependencies. */
function directDependents(report: AuditReport, name: string, seen = new Set<string>()): string[] {
  const v = report.vulnerabilities?.[name];
  if (!v || seen.has(name)) return [];
  seen.add(name);
  const up = v.effects.flatMap((e) => directDependents(report, e, seen));
  return [...new Set([...(v.isDirect ? [name] : []), ...up])].sort();
}

function fixText(v: Vulnerability): string {
  if (v.fixAvailable === true) return 'npm audit fix';
  if (v.fixAvailable && typeof v.fixAvailable === 'object') return `upgrade ${v.fixAvailable.name} to ${v.fixAvailable.version}${v.fixAvailable.isSemVerMajor ? ' (major)' : ''}`;
  return 'no fix available yet';
}

/** Every advisory in the report, once each, with the direct dependencies that bring it in. */
export function findings(report: AuditReport): Finding[] {
  const byId = new Map<string, Finding>();
  for (const v of Object.values(report.vulnerabilities ?? {})) {
    for (const via of v.via) {
      if (typeof via === 'string') continue;
      const id = advisoryId(via);
      const through = directDependents(report, v.name);
      const existing = byId.get(id);
      if (existing) {
        existing.through = [...new Set([...existing.through, ...through])].sort();
        continue;
      }
      byId.set(id, { id, package: via.name, severity: via.severity, title: via.title, url: via.url, range: via.range, through, fix: fixText(v) });
    }
  }
  return [...byId.values()].sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.id.localeCompare(b.id));
}

/** Applies the exceptions to the report's advisories at a severity level, on a given day. */
export function assess(report: AuditReport, exceptions: AuditException[], level: Severity, today: string): Assessment {
  const all = findings(report);
  const atLevel = (f: Finding) => SEVERITIES.indexOf(f.severity) >= SEVERITIES.indexOf(level);
  const inDate = exceptions.filter((e) => e.reviewBy >= today);
  const result: Assessment = { failing: [], excepted: [], expired: exceptions.filter((e) => e.reviewBy < today), unused: [], below: all.filter((f) => !atLevel(f)) };
  for (const f of all.filter(atLevel)) {
    const exception = inDate.find((e) => e.id === f.id && e.package === f.package);
    if (exception) result.excepted.push({ finding: f, exception });
    else result.failing.push(f);
  }
  result.unused = inDate.filter((e) => !all.some((f) => f.id === e.id && f.package === e.package));
  return result;
}

/** Reads and checks the exception list; a bad file is an error, never "no exceptions". */
export function readExceptions(text: string): AuditException[] {
  const parsed = exceptionsFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`${EXCEPTIONS_FILE} is not valid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data.exceptions;
}

/** Whether npm's output is an audit report at all (not an error from the advisory service). */
export function isReport(value: unknown): value is AuditReport {
  return typeof value === 'object' && value !== null && (value as AuditReport).auditReportVersion === 2 && typeof (value as AuditReport).vulnerabilities === 'object';
}

function line(f: Finding): string {
  return `  ${f.severity.padEnd(8)} ${f.id}  ${f.package} ${f.range}: ${f.title}\n           through ${f.through.join(', ') || f.package}; ${f.fix}\n           ${f.url}`;
}

function main(): number {
  const args = process.argv.slice(2);
  const includeDev = args.includes('--include-dev');
  const levelArg = args[args.indexOf('--level') + 1];
  const level: Severity = args.includes('--level') && SEVERITIES.includes(levelArg as Severity) ? (levelArg as Severity) : 'high';
  const today = new Date().toISOString().slice(0, 10);

  let exceptions: AuditException[];
  try {
    exceptions = readExceptions(readFileSync(EXCEPTIONS_FILE, 'utf8'));
  } catch (e) {
    process.stderr.write(`audit: ${(e as Error).message}\n`);
    return 1;
  }

  const npm = spawnSync('npm', ['audit', '--json', ...(includeDev ? [] : ['--omit=dev'])], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  let output: unknown = null;
  try {
    output = JSON.parse(npm.stdout);
  } catch {
    // not JSON: reported below as "could not run"
  }
  if (!isReport(output)) {
    const why = (output as { message?: string; error?: { summary?: string } } | null)?.message ?? (output as { error?: { summary?: string } } | null)?.error?.summary ?? npm.stderr.trim().split('\n').slice(-1)[0] ?? 'no output';
    if (process.env.AUDIT_UNAVAILABLE === 'warn') {
      process.stdout.write(`audit: NOT RUN: npm could not reach the advisory service (${why}). AUDIT_UNAVAILABLE=warn, so this does not fail; it has not passed either.\n`);
      return 0;
    }
    process.stderr.write(`audit: could not run: npm could not reach the advisory service (${why}).\n  An audit that cannot run is not a pass. Where the registry has no advisory service, set AUDIT_UNAVAILABLE=warn.\n`);
    return 2;
  }

  const a = assess(output, exceptions, level, today);
  const deps = output.metadata?.dependencies;
  const counts = output.metadata?.vulnerabilities;
  process.stdout.write(
    `audit: ${includeDev ? 'all' : 'production'} dependencies (${deps ? `${includeDev ? deps.total : deps.prod} packages` : 'count unknown'}); advisories by severity: ${counts ? SEVERITIES.map((s) => `${s} ${counts[s] ?? 0}`).join(', ') : 'none'}; failing at ${level} and above\n`,
  );
  if (a.below.length) process.stdout.write(`below ${level} (not failing):\n${a.below.map(line).join('\n')}\n`);
  if (a.excepted.length) process.stdout.write(`excepted (docs/audit-exceptions.json):\n${a.excepted.map((x) => `${line(x.finding)}\n           accepted by ${x.exception.acceptedBy}, review by ${x.exception.reviewBy}: ${x.exception.reason}`).join('\n')}\n`);
  if (a.unused.length) process.stdout.write(`exceptions no longer needed (remove them):\n${a.unused.map((e) => `  ${e.id} ${e.package}`).join('\n')}\n`);
  let failed = false;
  if (a.expired.length) {
    failed = true;
    process.stderr.write(`exceptions past their review date (review them, then move the date or remove them):\n${a.expired.map((e) => `  ${e.id} ${e.package}: review by ${e.reviewBy}`).join('\n')}\n`);
  }
  if (a.failing.length) {
    failed = true;
    process.stderr.write(`FAILING: ${a.failing.length} ${level}-or-worse advisor${a.failing.length === 1 ? 'y' : 'ies'} without an exception:\n${a.failing.map(line).join('\n')}\n  Upgrade, or add an exception with a reason and a review date to docs/audit-exceptions.json.\n`);
  }
  if (!failed) process.stdout.write(`audit: passed (${a.failing.length} failing, ${a.excepted.length} excepted, ${a.below.length} below ${level})\n`);
  return failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main());
