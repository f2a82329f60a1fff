import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authorityProfileSchema, type AuthorityProfile } from '../domain/authority-profile.js';
import type { Database } from './db/database.js';

export const authoritiesDir = fileURLToPath(new URL('../../config/authorities/', import.meta.url));

/** Reads and validates every profile; a bad file stops the start with the file and field named. */
export function readAuthorityProfiles(dir = authoritiesDir): AuthorityProfile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
      const parsed = authorityProfileSchema.safeParse(raw);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
        throw new Error(`Authority profile ${file} is not valid:\n${issues}`);
      }
      return parsed.data;
    });
}

/** Writes the profiles into the database (so SQL and every row can refer to them) and creates their teams. */
export async function syncAuthorityProfiles(db: Database, profiles: AuthorityProfile[]): Promise<void> {
  for (const p of profiles) {
    const json = JSON.stringify(p);
    const hash = createHash('sha256').update(json).digest('hex');
    await db.transaction().execute(async (tx) => {
      await tx
        .insertInto('authorities')
        .values({ id: p.id, name: p.name, profile: json, profile_hash: hash })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({ name: p.name, profile: json, profile_hash: hash, loaded_at: new Date() }),
        )
        .execute();
      for (const team of p.teams) {
        await tx
          .insertInto('teams')
          .values({ id: randomUUID(), authority_id: p.id, name: team })
          .onConflict((oc) => oc.columns(['authority_id', 'name']).doNothing())
          .execute();
      }
      // Every profile ever loaded is kept, so an administrator can see what changed and when. A
      // profile that goes back to an earlier text gets a new version: the history is in load order.
      const latest = await tx
        .selectFrom('authority_profile_versions')
        .select(['version', 'profile_hash'])
        .where('authority_id', '=', p.id)
        .orderBy('version', 'desc')
        .limit(1)
        .forUpdate()
        .executeTakeFirst();
      if (latest?.profile_hash !== hash) {
        await tx
          .insertInto('authority_profile_versions')
          .values({ authority_id: p.id, version: (latest?.version ?? 0) + 1, profile: json, profile_hash: hash })
          .execute();
      }
    });
  }
}

export class AuthorityProfiles {
  private readonly byId: Map<string, AuthorityProfile>;
  constructor(profiles: AuthorityProfile[]) {
    this.byId = new Map(profiles.map((p) => [p.id, p]));
  }
  get(id: string): AuthorityProfile {
    const p = this.byId.get(id);
    if (!p) throw new Error(`No authority profile with id ${id}`);
    return p;
  }
  has(id: string): boolean {
    return this.byId.has(id);
  }
  all(): AuthorityProfile[] {
    return [...this.byId.values()];
  }
}
