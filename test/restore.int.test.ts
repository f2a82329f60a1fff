/**
 * The backup and restore scripts (scripts/backup.sh, scripts/restore.sh), run as an operator runs
 * them: a schema with real records made through the app, backed up with pg_dump in the script's
 * snapshot, restored into a new database, and compared table by table (rows and content), with the
 * privileges, policies and triggers the audit log and the MASH depend on.
 *
 * pg_dump can only dump a server of its own major version or older, so on the embedded engine
 * (PGlite, PostgreSQL 18 inside) the PostgreSQL 15 client refuses; there the test proves that the
 * script fails loudly and leaves nothing that looks like a backup. Both engines run the checks
 * that need no dump (a failed backup, refusals).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createServiceAccount, createTestApp, createTestContext, createUser, completeConversationByApi, testDatabaseUrl, type TestContext } from './support/harness.js';
import { openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const BACKUP = join(root, 'scripts', 'backup.sh');
const RESTORE = join(root, 'scripts', 'restore.sh');

let ctx: TestContext;
let app: FastifyInstance;
let dir: string;
/** Decided before the tests are registered, so each engine's test says what it proves. */
const embedded = /PGlite/.test((await query<{ version: string }>(testDatabaseUrl(), 'select version()'))[0]!.version);
const CONVERSATIONS = 3;

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}\n${r.stderr}` };
}

async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The URL of another database on the same server. */
function databaseUrl(name: string): string {
  const u = new URL(testDatabaseUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

/** Every table in the schemas, with its rows and a digest of its whole content (one connection). */
async function tables(url: string, schemas: string[]): Promise<Map<string, { rows: number; digest: string }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const names = (await client.query<{ schema: string; name: string }>(`select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname = any($1) order by 1, 2`, [schemas])).rows;
    const out = new Map<string, { rows: number; digest: string }>();
    for (const { schema, name } of names) {
      const r = (await client.query<{ rows: string; digest: string }>(`select count(*) as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as digest from "${schema}"."${name}" t`)).rows[0]!;
      out.set(`${schema}.${name}`, { rows: Number(r.rows), digest: r.digest });
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Who may do what, the row-level-security policies and the triggers, per table. */
async function protections(url: string, schemas: string[]): Promise<string[]> {
  const acl = await query<{ line: string }>(url, `select n.nspname || '.' || c.relname || ' acl ' || coalesce(c.relacl::text, 'default') || ' rls ' || c.relrowsecurity as line from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname = any($1)`, [schemas]);
  const policies = await query<{ line: string }>(url, `select schemaname || '.' || tablename || ' policy ' || policyname || ' ' || array_to_string(roles, ',') || ' ' || coalesce(qual, '') as line from pg_policies where schemaname = any($1)`, [schemas]);
  const triggers = await query<{ line: string }>(url, `select n.nspname || '.' || c.relname || ' trigger ' || t.tgname || ' ' || t.tgenabled::text as line from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace where not t.tgisinternal and n.nspname = any($1)`, [schemas]);
  return [...acl, ...policies, ...triggers].map((r) => r.line).sort();
}

function leftovers(): string[] {
  return readdirSync(dir);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'front-door-backup-'));
  ctx = await createTestContext();
  app = await createTestApp(ctx);
  const worker = await createUser(ctx, { role: 'cads-worker' });
  const token = await createServiceAccount(ctx);
  for (let i = 0; i < CONVERSATIONS; i++) {
    await completeConversationByApi(app, token, { workerEmail: worker.email, callerEmail: `caller${i}@gp.example`, familyName: `Restore${i}` });
  }
});

after(async () => {
  await app?.close();
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a backup that cannot be taken fails loudly and leaves nothing that looks like a backup', () => {
  const file = join(dir, 'unreachable.dump');
  const r = run(BACKUP, [file], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
  assert.notEqual(r.status, 0, 'the script fails');
  assert.match(r.stderr, /connection|connect/i, `it says why: ${r.stderr}`);
  assert.deepEqual(leftovers(), [], 'no dump, no manifest, no partial files');
});

test('restore refuses a missing or unmatched backup before touching the target', () => {
  const missing = run(RESTORE, [join(dir, 'nothing.dump'), 'postgres://postgres@127.0.0.1:1/nothing']);
  assert.equal(missing.status, 2, `refused: ${missing.output}`);
  assert.match(missing.stderr, /no backup at/, 'says what is missing');
  const fake = join(dir, 'fake.dump');
  writeFileSync(fake, 'not a dump');
  writeFileSync(`${fake}.manifest`, `format 1\nsha256 ${'0'.repeat(64)}\n`);
  const altered = run(RESTORE, [fake, 'postgres://postgres@127.0.0.1:1/nothing']);
  assert.equal(altered.status, 2, `refused: ${altered.output}`);
  assert.match(altered.stderr, /does not match its manifest/, 'a dump that is not the one the manifest describes');
  rmSync(fake);
  rmSync(`${fake}.manifest`);
});

const mainTitle = embedded
  ? 'embedded engine: pg_dump refuses the newer server, the script says so and leaves nothing behind'
  : 'backup and restore: every row, every table’s content, privileges, policies and triggers come back';
test(mainTitle, async (t) => {
  const schemas = [ctx.schema, `${ctx.schema}_jobs`];
  const file = join(dir, 'front-door.dump');
  // The job queue's maintenance keeps writing; it is stopped so the source can be read again after
  // the backup and compared. (Under live load the manifest's counts are still exact: they are taken
  // in the dump's own snapshot.)
  await ctx.jobs.stop();
  const backup = run(BACKUP, ['--schema', schemas[0]!, '--schema', schemas[1]!, file], { DATABASE_URL: testDatabaseUrl() });

  if (embedded) {
    // PGlite runs PostgreSQL 18; the PostgreSQL 15 pg_dump refuses a newer server, and says so.
    assert.notEqual(backup.status, 0, 'pg_dump refuses the embedded engine');
    assert.match(backup.stderr, /server version mismatch/, `it says why: ${backup.stderr}`);
    assert.deepEqual(leftovers(), [], 'and leaves no dump, manifest or partial file');
    t.diagnostic('embedded engine: pg_dump refused (server version mismatch), as expected; the restore is proved on PostgreSQL');
    return;
  }

  assert.equal(backup.status, 0, `backup failed: ${backup.output}`);
  assert.deepEqual(leftovers().sort(), ['front-door.dump', 'front-door.dump.manifest'], 'the dump and its manifest, nothing else');
  const source = await tables(testDatabaseUrl(), schemas);
  const manifest = readFileSync(`${file}.manifest`, 'utf8');
  const manifestRows = new Map([...manifest.matchAll(/^rows (\S+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  assert.deepEqual(manifestRows, new Map([...source].map(([k, v]) => [k, v.rows])), 'the manifest counts every table, as it was');
  assert.equal(source.get(`${ctx.schema}.conversations`)?.rows, CONVERSATIONS, 'the conversations made for the test');
  assert.ok((source.get(`${ctx.schema}.audit_events`)?.rows ?? 0) > CONVERSATIONS, 'and their audit entries');
  assert.ok([...source.values()].filter((v) => v.rows > 0).length >= 10, 'many tables hold rows');

  const target = `restore_${randomBytes(5).toString('hex')}`;
  await query(testDatabaseUrl(), `create database ${target}`);
  try {
    // DB_SCHEMA points `npm run audit:verify` (which the script runs) at the test's schema.
    const restored = run(RESTORE, [file, databaseUrl(target)], { DB_SCHEMA: ctx.schema });
    assert.equal(restored.status, 0, `restore failed: ${restored.output}`);
    assert.match(restored.stdout, new RegExp(`row counts match the backup \\(${source.size} tables`), 'the script checked every table');
    assert.match(restored.stdout, /chain intact: [1-9]\d* entries/, `the audit log's hash chain verifies in the copy: ${restored.output}`);

    const copy = await tables(databaseUrl(target), schemas);
    assert.equal(copy.size, source.size, 'the same tables');
    for (const [name, s] of source) {
      assert.equal(copy.get(name)?.rows, s.rows, `${name}: rows written ${s.rows}, rows found after restore ${copy.get(name)?.rows}`);
      assert.equal(copy.get(name)?.digest, s.digest, `${name}: the same content`);
    }
    const [src, dst] = [await protections(testDatabaseUrl(), schemas), await protections(databaseUrl(target), schemas)];
    assert.ok(src.some((l) => / policy /.test(l)) && src.some((l) => / trigger /.test(l)), 'the source has policies and triggers to compare');
    assert.deepEqual(dst, src, 'privileges (the audit log is append-only by grant), row-level security and triggers');

    // The app recognises the copy: every migration is there with its checksum, none runs again.
    const handle = openDatabase({ url: databaseUrl(target), schema: ctx.schema, poolSize: 1 });
    try {
      assert.deepEqual((await migrate(handle.db)).applied, [], 'no migration is applied again');
    } finally {
      await handle.close();
    }

    // A restore never goes over data, and a damaged dump is refused.
    const again = run(RESTORE, ['--no-audit-verify', file, databaseUrl(target)]);
    assert.equal(again.status, 2, `restoring over data is refused: ${again.output}`);
    assert.match(again.stderr, /already has \d+ table/, 'and says why');
    const damaged = join(dir, 'damaged.dump');
    copyFileSync(file, damaged);
    copyFileSync(`${file}.manifest`, `${damaged}.manifest`);
    const bytes = readFileSync(damaged);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0xff;
    writeFileSync(damaged, bytes);
    const bad = run(RESTORE, [damaged, databaseUrl(target)]);
    assert.equal(bad.status, 2, `a damaged dump is refused: ${bad.output}`);
    assert.match(bad.stderr, /does not match its manifest/, 'because it no longer matches its checksum');

    // The count check can fail: checked again (--check-only) against a manifest that expects one
    // more conversation than the copy holds, it reports the table.
    const check = run(RESTORE, ['--no-audit-verify', '--check-only', file, databaseUrl(target)]);
    assert.equal(check.status, 0, `the copy checks again: ${check.output}`);
    const wrong = join(dir, 'wrong.dump');
    copyFileSync(file, wrong);
    const conversations = `${ctx.schema}.conversations`;
    writeFileSync(`${wrong}.manifest`, manifest.replace(new RegExp(`^rows ${conversations} \\d+$`, 'm'), `rows ${conversations} ${CONVERSATIONS + 1}`));
    const mismatch = run(RESTORE, ['--no-audit-verify', '--check-only', wrong, databaseUrl(target)]);
    assert.equal(mismatch.status, 3, `a copy that differs from the backup is reported: ${mismatch.output}`);
    assert.match(mismatch.stderr, new RegExp(`${conversations} has ${CONVERSATIONS} rows; the backup had ${CONVERSATIONS + 1}`), 'naming the table');
  } finally {
    await query(testDatabaseUrl(), `drop database if exists ${target} with (force)`);
  }
  assert.ok(!existsSync(`${file}.partial`), 'no partial file');
});
