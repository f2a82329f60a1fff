import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from './database.js';

export const migrationsDir = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies each SQL file in migrations/ once, in name order, each in its own transaction.
 * A file that changed after it was applied stops the start: migrations are never edited.
 */
export async function migrate(db: Database, dir = migrationsDir): Promise<MigrationResult> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  // One connection holds an advisory lock for the whole run, so two instances starting together
  // take turns: the second finds everything applied.
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(current_schema() || ':migrations'))`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`.execute(conn);
      for (const name of files) {
        const text = readFileSync(join(dir, name), 'utf8');
        const checksum = createHash('sha256').update(text).digest('hex');
        const done = await conn.selectFrom('schema_migrations').select('checksum').where('name', '=', name).executeTakeFirst();
        if (done) {
          if (done.checksum !== checksum) {
            throw new Error(`Migration ${name} was changed after it was applied. Add a new migration instead.`);
          }
          continue;
        }
        await conn.transaction().execute(async (tx) => {
          await sql.raw(text).execute(tx);
          await tx.insertInto('schema_migrations').values({ name, checksum }).execute();
        });
        applied.push(name);
      }
    } finally {
      await sql`select pg_advisory_unlock(hashtext(current_schema() || ':migrations'))`.execute(conn);
    }
  });
  return { applied };
}
