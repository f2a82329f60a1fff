/**
 * Synthetic but realistic data for the benchmark: households of children, and whole conversations
 * with field sizes like those a CADS worker writes. Deterministic (seeded) so runs are comparable.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../src/platform/db/database.js';
import type { AuthorityProfile } from '../src/domain/authority-profile.js';
import type { ChildFields, VersionFields } from '../src/features/conversations/conversations.repository.js';
import { nameSearchText } from '../src/domain/names.js';
import { CONSENT_NOT_SOUGHT_REASONS, LAWFUL_BASES } from '../src/domain/codes.js';
import type { Rng } from './stats.js';

const GIVEN = ['Ellie', 'Oliver', 'Amelia', 'Jack', 'Isla', 'Harry', 'Ava', 'George', 'Mia', 'Noah', 'Freya', 'Leo', 'Lily', 'Alfie', 'Sophie', 'Charlie', 'Grace', 'Oscar', 'Poppy', 'Archie', 'Ruby', 'Thomas', 'Evie', 'Jacob', 'Rosie', 'Muhammad', 'Zofia', 'Kacper', 'Aisha', 'Tyler'];
const FAMILY = ['Smith', 'Jones', 'Williams', 'Brown', 'Taylor', 'Davies', 'Wilson', 'Evans', 'Thomas', 'Johnson', 'Roberts', 'Walker', 'Wright', 'Robinson', 'Thompson', 'White', 'Hughes', "O'Brien", 'Edwards', 'Green', 'Hall', 'Wood', 'Harris', 'Nowak', 'Kowalski', 'Khan', 'Patel', 'Clarke', 'Jackson', 'Turner'];
const TOWNS = ['Norwich', "King's Lynn", 'Great Yarmouth', 'Thetford', 'Dereham', 'Cromer', 'Wymondham', 'Swaffham'];
const WORDS = (
  'school reported that the child arrived without breakfast again and appeared tired and withdrawn during lessons ' +
  'mother disclosed that her partner has been drinking heavily and there were arguments at home overnight police attended ' +
  'the designated safeguarding lead spoke with the child who said they did not want to go home because of the shouting ' +
  'health visitor has concerns about the home conditions and missed developmental checks for the younger sibling ' +
  'family has been supported by early help for six months but engagement has reduced and the plan has not progressed ' +
  'grandmother provides regular care and is protective the child has a trusted adult at school and attends most days ' +
  'caller agreed to speak with parents today and to share the outcome with the school nurse and the family support worker'
).split(' ');

export function text(r: Rng, minChars: number, maxChars: number): string {
  const target = r.int(minChars, maxChars);
  const out: string[] = [];
  let len = 0;
  let sentence = 0;
  while (len < target) {
    let w = r.pick(WORDS);
    if (sentence === 0) w = w[0]!.toUpperCase() + w.slice(1);
    sentence++;
    if (sentence > r.int(8, 18)) {
      w += '.';
      sentence = 0;
    }
    out.push(w);
    len += w.length + 1;
  }
  return out.join(' ').replace(/[^.]$/, (c) => c + '.');
}

function dob(r: Rng, minAge: number, maxAge: number): string {
  const y = 2026 - r.int(minAge, maxAge);
  return `${y}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
}

function postcode(r: Rng): string {
  return `NR${r.int(1, 35)} ${r.int(1, 9)}${String.fromCharCode(65 + r.int(0, 25))}${String.fromCharCode(65 + r.int(0, 25))}`;
}

export interface SeededPeople {
  /** Every child, for picking the children of a conversation. */
  childIds: string[];
  persons: number;
  relationships: number;
}

interface PersonInsert {
  id: string;
  authority_id: string;
  household_id: string;
  given_name: string;
  family_name: string;
  name_search: string;
  date_of_birth: string;
  sex: 'M' | 'F' | 'U';
  ethnicity: string;
  address_line_1: string;
  town: string;
  postcode: string;
  created_by: string;
}

/**
 * Households of one adult and one to four children, the children linked to each other and to
 * the adult as relationships (both directions for siblings), inserted in large batches.
 */
export async function seedHouseholds(db: Database, r: Rng, opts: { households: number; authorityId: string; userId: string }): Promise<SeededPeople> {
  const childIds: string[] = [];
  let persons: PersonInsert[] = [];
  let households: { id: string; authority_id: string }[] = [];
  let rels: { id: string; authority_id: string; person_id: string; related_person_id: string; relationship_type: string; lives_with_child: boolean; created_by: string }[] = [];
  let totalPersons = 0;
  let totalRels = 0;
  const flush = async () => {
    if (households.length) await db.insertInto('households').values(households).execute();
    for (let i = 0; i < persons.length; i += 1000) await db.insertInto('persons').values(persons.slice(i, i + 1000)).execute();
    for (let i = 0; i < rels.length; i += 1000) await db.insertInto('relationships').values(rels.slice(i, i + 1000)).execute();
    totalPersons += persons.length;
    totalRels += rels.length;
    persons = [];
    households = [];
    rels = [];
  };
  for (let h = 0; h < opts.households; h++) {
    const householdId = randomUUID();
    households.push({ id: householdId, authority_id: opts.authorityId });
    const family = r.pick(FAMILY);
    const address = { address_line_1: `${r.int(1, 200)} ${r.pick(['Church', 'Mill', 'Station', 'Park'])} Road`, town: r.pick(TOWNS), postcode: postcode(r) };
    const mk = (given: string, date: string, sex: 'M' | 'F' | 'U'): PersonInsert => ({
      id: randomUUID(),
      authority_id: opts.authorityId,
      household_id: householdId,
      given_name: given,
      family_name: family,
      name_search: nameSearchText({ given_name: given, family_name: family }),
      date_of_birth: date,
      sex,
      ethnicity: r.pick(['WBRI', 'WOTH', 'MWBC', 'AOTH', 'BAFR', 'NOBT']),
      ...address,
      created_by: opts.userId,
    });
    const adult = mk(r.pick(GIVEN), dob(r, 22, 50), 'F');
    persons.push(adult);
    const kids = Array.from({ length: r.int(1, 4) }, () => mk(r.pick(GIVEN), dob(r, 0, 17), r.pick(['M', 'F'] as const)));
    persons.push(...kids);
    for (const k of kids) {
      childIds.push(k.id);
      rels.push({ id: randomUUID(), authority_id: opts.authorityId, person_id: k.id, related_person_id: adult.id, relationship_type: 'mother', lives_with_child: true, created_by: opts.userId });
      for (const s of kids) {
        if (s !== k) rels.push({ id: randomUUID(), authority_id: opts.authorityId, person_id: k.id, related_person_id: s.id, relationship_type: 'sibling', lives_with_child: true, created_by: opts.userId });
      }
    }
    if (persons.length >= 4000) await flush();
  }
  await flush();
  return { childIds, persons: totalPersons, relationships: totalRels };
}

export interface ConversationInput {
  fields: VersionFields;
  children: ({ person_id: string; position: number } & ChildFields)[];
}

/**
 * One whole conversation, valid for completion under the profile: a professional caller,
 * realistic free text (a few hundred to ~1,500 characters per box), and for about a quarter of
 * calls consent not sought, with reasons and a lawful basis.
 */
export function conversationInput(r: Rng, profile: AuthorityProfile, childIds: readonly string[]): ConversationInput {
  const agency = r.pick(profile.agencies.filter((a) => a.code !== 'other'));
  const consentNo = r.chance(0.25);
  const fields: VersionFields = {
    caller_type: 'professional',
    caller_name: `${r.pick(GIVEN)} ${r.pick(FAMILY)}`,
    caller_role: r.pick(['Designated safeguarding lead', 'Health visitor', 'PC', 'Family support worker', 'GP']),
    caller_agency_code: agency.code,
    caller_phone: `01632 960 ${String(r.int(0, 999)).padStart(3, '0')}`,
    caller_email: `caller${r.int(1, 9999)}@example.org`,
    concern_categories: Array.from(new Set([r.pick(profile.concernCategories).code, r.pick(profile.concernCategories).code])),
    concern_detail: text(r, 600, 1500),
    immediacy: r.pick(['immediate', 'soon', 'not-immediate']),
    support_to_date: text(r, 150, 400),
    parents_informed: consentNo ? 'no' : r.pick(['yes', 'no'] as const),
    consent_given: consentNo ? 'no' : 'yes',
    consent_reason_codes: consentNo ? [r.pick(CONSENT_NOT_SOUGHT_REASONS).code] : [],
    consent_reason_detail: consentNo ? text(r, 80, 300) : null,
    lawful_basis_code: consentNo ? r.pick(LAWFUL_BASES).code : null,
    worries: text(r, 300, 900),
    strengths: text(r, 150, 500),
    needs_to_happen: text(r, 150, 500),
  };
  const children = childIds.map((person_id, position) => {
    const agreed = r.chance(0.9);
    return {
      person_id,
      position,
      where_now: r.pick(['At school', 'At home with mother', 'At grandmother’s house', 'In hospital (paediatric ward)', 'At nursery']),
      safe_tonight: r.pick(['yes', 'yes', 'yes', 'unknown', 'no'] as const),
      outcome_code: r.pick(profile.outcomes).code,
      caller_agreed: agreed,
      disagreement_note: agreed ? null : text(r, 80, 250),
      next_steps: text(r, 100, 300),
      next_steps_by: r.pick(['Caller', 'CADS', 'Early Help']),
      level_code: r.pick(profile.levels).code,
    };
  });
  return { fields, children };
}

/** Two different children from the pool. */
export function pickTwo(r: Rng, pool: readonly string[]): [string, string] {
  const a = r.int(0, pool.length - 1);
  let b = r.int(0, pool.length - 2);
  if (b >= a) b++;
  return [pool[a]!, pool[b]!];
}
