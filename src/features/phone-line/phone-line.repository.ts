import type { Executor } from '../../platform/db/database.js';

export class PhoneLineRepository {
  /** Every version of the authority's profile ever loaded, newest first, without the profiles themselves. */
  versions(db: Executor, authorityId: string) {
    return db
      .selectFrom('authority_profile_versions')
      .select(['version', 'profile_hash', 'loaded_at'])
      .where('authority_id', '=', authorityId)
      .orderBy('version', 'desc')
      .execute();
  }

  /** One version and the one before it (when there is one), with their profiles. */
  versionAndPrevious(db: Executor, authorityId: string, version: number) {
    return db
      .selectFrom('authority_profile_versions')
      .select(['version', 'profile', 'profile_hash', 'loaded_at'])
      .where('authority_id', '=', authorityId)
      .where('version', 'in', [version, version - 1])
      .orderBy('version', 'desc')
      .execute();
  }
}
