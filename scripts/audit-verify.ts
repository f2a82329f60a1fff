/**
 * issue10-A: `npm run audit:verify` checks the audit log's hash chain (ADR 0016).
 *
 * It finds the database the way `npm start` does: DATABASE_URL when set (DB_SCHEMA picks a schema
 * other than the default, as for `npm run worker`), otherwise the embedded engine's data in
 * DATA_DIR/pglite (stop Front Door first: one process at a time may open that folder).
 *
 * Prints "chain intact: N entries (head: position N, hash …)" and exits 0, or the first broken link
 * (which entry, what was expected and what was found) and exits 1. Exits 2 when it could not check.
 *
 * Options:
 *   --anchor N:HASH   the head printed by an earlier run (kept outside the database): the chain must
 *                     still have that hash at position N, so entries removed from the end are found
 *   --batch N         links read per query (default 5000)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig, ConfigError } from '../src/config.js';
import { openDatabase, type DatabaseHandle } from '../src/platform/db/database.js';
import { startEmbeddedEngine, type EmbeddedEngine } from '../src/platform/db/embedded.js';
import { verifyAuditChainSnapshot, describeResult, type VerifyOptions } from '../src/platform/audit-chain.js';

class UsageError extends Error {}

function parseArgs(argv: string[]): VerifyOptions {
  const opts: VerifyOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--anchor') {
      const m = /^(\d+):([0-9a-fA-F]{64})$/.exec(value());
      if (!m) throw new UsageError('--anchor takes POSITION:HASH, as printed by an earlier run (for example 1200:3f1c…, 64 hex digits)');
      opts.anchor = { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
    } else if (arg === '--batch') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UsageError('--batch takes a whole number from 1 to 100000');
      opts.batchSize = n;
    } else {
      throw new UsageError(`unknown option ${arg} (use --anchor POSITION:HASH or --batch N)`);
    }
  }
  return opts;
}

async function main(): Promise<number> {
  let opts: VerifyOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`audit:verify: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const config = loadConfig();
  let engine: EmbeddedEngine | null = null;
  let handle: DatabaseHandle | null = null;
  try {
    let url = config.databaseUrl;
    if (!url) {
      const dir = join(config.dataDir, 'pglite');
      if (!existsSync(join(dir, 'PG_VERSION'))) {
        process.stderr.write(`audit:verify: there is no database in ${dir} yet (start Front Door once, or set DATABASE_URL).\n`);
        return 2;
      }
      engine = await startEmbeddedEngine(dir);
      url = engine.url;
    }
    handle = openDatabase({ url, poolSize: 1, schema: process.env.DB_SCHEMA });
    const chain = await sql<{ t: string | null }>`select to_regclass('audit_chain')::text as t`.execute(handle.db);
    if (!chain.rows[0]?.t) {
      process.stderr.write('audit:verify: this database has no audit chain yet: start Front Door once so that migration 0020 is applied.\n');
      return 2;
    }
    const started = Date.now();
    const result = await verifyAuditChainSnapshot(handle.db, opts);
    process.stdout.write(`${describeResult(result)}\n`);
    process.stderr.write(`(checked in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    // The embedded demo always connects as its superuser; the note is for real deployments.
    if (!engine) for (const note of await privilegeNotes(handle)) process.stderr.write(`note: ${note}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await handle?.close();
    await engine?.stop();
  }
}

/** Whether the role we connected as could still change the log: a reminder of the production REVOKE. */
async function privilegeNotes(handle: DatabaseHandle): Promise<string[]> {
  const { rows } = await sql<{ role: string; superuser: boolean; can: string | null }>`
    select current_user as role, r.rolsuper as superuser,
           nullif(concat_ws(', ',
             case when has_table_privilege('audit_events', 'UPDATE') then 'UPDATE' end,
             case when has_table_privilege('audit_events', 'DELETE') then 'DELETE' end,
             case when has_table_privilege('audit_events', 'TRUNCATE') then 'TRUNCATE' end), '') as can
    from pg_roles r where r.rolname = current_user`.execute(handle.db);
  const r = rows[0];
  if (!r) return [];
  if (r.superuser) return [`${r.role} is a superuser, who can switch the log's protections off; the application should run as an ordinary role (README: "Audit log: tamper-evident and searchable").`];
  if (r.can) return [`${r.role} still has ${r.can} on audit_events; apply the REVOKE in the README.`];
  return [];
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof ConfigError ? err.message : `audit:verify could not check the chain: ${(err as Error)?.message ?? String(err)}`;
    process.stderr.write(`${message}\n`);
    process.exit(2);
  },
);
