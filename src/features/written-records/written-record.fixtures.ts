/**
 * Shared by the written-record tests: an authority's profile, and the example record with
 * everything else we hold about the children riding along on the rows, which must never leak.
 */
import type { AuthorityProfile } from '../../domain/authority-profile.js';
import { readAuthorityProfiles } from '../../platform/authorities.js';
import { exampleWrittenRecordSource, type WrittenRecordSource } from './written-record.js';

export function profile(id: 'norfolk' | 'stoke-on-trent' = 'norfolk'): AuthorityProfile {
  const found = readAuthorityProfiles().find((p) => p.id === id);
  if (!found) throw new Error(`no profile ${id}`);
  return found;
}

export function leakySource(options: { amended?: boolean } = {}): WrittenRecordSource {
  const src = exampleWrittenRecordSource(profile(), options);
  return {
    ...src,
    children: src.children.map((c) => ({
      ...c,
      nhs_number: '9434765919',
      address_line_1: '14 Acacia Avenue',
      town: 'Norwich',
      postcode: 'NR1 2AB',
      family: [{ given_name: 'Kerry', family_name: 'Smith', relationship_type: 'mother' }],
      other_conversations: ['NFK-2025-000999'],
    })),
  } as WrittenRecordSource;
}

/** Strings from `leakySource` that no rendering of the record may contain. */
export const FORBIDDEN = ['9434765919', '943 476 5919', 'Acacia', 'Norwich', 'NR1 2AB', 'Kerry', 'NFK-2025-000999'];
