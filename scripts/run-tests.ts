/**
 * `npm test`: unit tests, then the integration tests once against a real PostgreSQL and once
 * against the embedded engine, then the browser tests in Chromium. Ends with one line that
 * adds everything up.
 *
 * On CI (CI=true) every phase is required. On a developer's machine without PostgreSQL or
 * Chromium those phases are reported as not run, never as passed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedEngine } from '../src/platform/db/embedded.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// One folder per run, so two runs at once (say, a developer and a helper script) never clash.
const outDir = join(root, '.tmp', 'test-results', String(process.pid));
const ci = process.env.CI === 'true';
const only = process.argv[2]; // optional: unit | postgres | embedded | browser

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(p);
    return [p];
  });
}
const all = [...walk(join(root, 'src')), ...walk(join(root, 'test')), ...walk(join(root, 'e2e'))].map((p) => relative(root, p)).sort();
const unitFiles = all.filter((f) => f.endsWith('.test.ts') && !f.endsWith('.int.test.ts') && !f.endsWith('.browser.test.ts'));
const intFiles = all.filter((f) => f.endsWith('.int.test.ts'));
const browserFiles = all.filter((f) => f.endsWith('.browser.test.ts'));

interface Tally { pass: number; fail: number; skipped: number; ok: boolean }
const totals: Record<string, Tally | string> = {};

function runPhase(name: string, files: string[], env: Record<string, string>, concurrency: number): Promise<Tally> {
  const tap = join(outDir, `${name}.tap`);
  const args = [
    '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ];
  process.stdout.write(`\n=== ${name}: ${files.length} test files ===\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, TZ: 'Europe/London', ...env } });
    child.on('exit', (code) => {
      const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
      const count = (k: string) => Number(text.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
      resolve({ pass: count('pass'), fail: count('fail') + count('cancelled'), skipped: count('skipped'), ok: code === 0 });
    });
  });
}

async function postgresUrl(): Promise<string | null> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    // Extensions are created once here, before test files run in parallel, so they never race.
    await client.query('create extension if not exists pg_trgm with schema public');
    await client.query('create extension if not exists fuzzystrmatch with schema public');
    await client.end();
    return url;
  } catch {
    return null;
  }
}

function chromiumPath(): string | null {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(p) ? p : null;
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

if (!only || only === 'unit') totals.unit = await runPhase('unit', unitFiles, {}, 2);

const pgUrl = await postgresUrl();
if (!only || only === 'postgres') {
  if (pgUrl) totals.postgres = await runPhase('integration on PostgreSQL', intFiles, { TEST_DATABASE_URL: pgUrl }, 4);
  else totals.postgres = 'not run: no PostgreSQL at DATABASE_URL or 127.0.0.1:5432';
}

if (!only || only === 'embedded') {
  const engine = await startEmbeddedEngine('memory://');
  try {
    const client = new pg.Client({ connectionString: engine.url });
    await client.connect();
    await client.query('create extension if not exists pg_trgm with schema public');
    await client.query('create extension if not exists fuzzystrmatch with schema public');
    await client.end();
    // PGlite has a single backend session shared by every connection, so session settings such
    // as the search path are shared too: test files (each in its own schema) run one at a time.
    totals.embedded = await runPhase('integration on the embedded engine', intFiles, { TEST_DATABASE_URL: engine.url }, 1);
  } finally {
    await engine.stop();
  }
}

if (!only || only === 'browser') {
  const chromium = chromiumPath();
  if (!chromium) totals.browser = 'not run: Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)';
  else if (browserFiles.length) {
    // The browser tests use PostgreSQL when there is one, else the embedded engine.
    const engine = pgUrl ? null : await startEmbeddedEngine('memory://');
    try {
      totals.browser = await runPhase('browser', browserFiles, { CHROMIUM_PATH: chromium, TEST_DATABASE_URL: pgUrl ?? engine!.url }, 1);
    } finally {
      await engine?.stop();
    }
  }
}

let pass = 0, fail = 0, skipped = 0, broken = false, missing = false;
process.stdout.write('\n=== summary ===\n');
for (const [name, t] of Object.entries(totals)) {
  if (typeof t === 'string') {
    missing = true;
    process.stdout.write(`${name}: ${t}\n`);
    continue;
  }
  pass += t.pass; fail += t.fail; skipped += t.skipped;
  if (!t.ok) broken = true;
  process.stdout.write(`${name}: ${t.pass} passed, ${t.fail} failed, ${t.skipped} skipped${t.ok ? '' : ' (runner exited with an error)'}\n`);
}
process.stdout.write(`total: ${pass} passed, ${fail} failed, ${skipped} skipped\n`);
if (missing && ci) {
  process.stdout.write('CI requires every phase: install PostgreSQL and Chromium (see .ci/run).\n');
  process.exit(1);
}
process.exit(fail > 0 || broken ? 1 : 0);
