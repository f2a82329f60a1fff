/**
 * `npm run linkage:eval -- <file.csv> [more.csv…]`
 *
 * Loads each file of linkage records (the CSV format of ../shared/data/linkage/README.md)
 * into a fresh schema, searches for every record with its own details through the real
 * matching engine, and prints one JSON line per file; the last line is the result for the
 * last file: {"records","truePairs","precision","recall","f1","recallAt1","recallAt5","msPerQueryP95",…}.
 *
 * Runs on the embedded engine (PGlite, in a temporary folder) unless DATABASE_URL is set.
 * Progress goes to stderr.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { startEmbeddedEngine, type EmbeddedEngine } from '../src/platform/db/embedded.js';
import { readAuthorityProfiles, syncAuthorityProfiles } from '../src/platform/authorities.js';
import { parseLinkageCsv, loadRecords, evaluate } from '../src/features/matching/linkage.js';
import { todayInLondon } from '../src/domain/dates.js';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('Usage: npm run linkage:eval -- <file.csv> [more.csv…]');
  process.exit(2);
}

async function admin(url: string, text: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

let engine: EmbeddedEngine | null = null;
let dataDir: string | null = null;
let url = process.env.DATABASE_URL;
if (!url) {
  dataDir = mkdtempSync(join(tmpdir(), 'front-door-linkage-'));
  engine = await startEmbeddedEngine(dataDir);
  url = engine.url;
}
const engineName = engine ? 'embedded' : 'postgresql';
try {
  if (!engine) await admin(url, 'create extension if not exists pg_trgm with schema public; create extension if not exists fuzzystrmatch with schema public;');
  for (const file of files) {
    const schema = `linkage_${randomBytes(4).toString('hex')}`;
    await admin(url, `create schema ${schema}`);
    const handle = openDatabase({ url, schema, poolSize: 1 });
    try {
      await migrate(handle.db);
      const profiles = readAuthorityProfiles();
      await syncAuthorityProfiles(handle.db, profiles);
      const authorityId = profiles[0]!.id;
      const records = parseLinkageCsv(readFileSync(file, 'utf8'));
      const t0 = performance.now();
      const ids = await loadRecords(handle.db, authorityId, records);
      console.error(`${basename(file)}: loaded ${records.length} records in ${Math.round(performance.now() - t0)} ms on ${engineName}`);
      const t1 = performance.now();
      const result = await evaluate(handle.db, authorityId, records, ids, {
        today: todayInLondon(new Date()),
        onProgress: (n) => console.error(`  searched ${n} of ${records.length}`),
      });
      console.log(JSON.stringify({ file: basename(file), engine: engineName, ...result, evaluationSeconds: Math.round((performance.now() - t1) / 100) / 10 }));
    } finally {
      await handle.close();
      await admin(url, `drop schema if exists ${schema} cascade`);
    }
  }
} finally {
  await engine?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
