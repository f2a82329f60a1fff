/**
 * Withholding restricted people from what a page or an API answer shows (pure; no I/O).
 *
 * The routes that open a child's record are guarded (restricted-records.guard.ts): someone not
 * named on a restriction gets the "restricted record" page instead. Lists are different: a worker
 * must still see that a restricted child is there (search results, a conversation's children, the
 * MASH dashboard, an MI drill-down), only not who it is. Every page's data and every API answer
 * therefore passes through `withhold`, which finds the rows that describe a withheld person and
 * blanks what identifies them, leaving ids and codes so that the row still links to the
 * "restricted record" page and still counts.
 *
 * A row describes a person when it has a name or a date of birth and one of its own values is a
 * withheld person's id: `{ id, given_name, … }`, `{ person_id, given_name, … }`,
 * `{ personId, name }` (a chronology's children), `{ personId, givenName, address }` (a MASH
 * partner's "who to search for"). Rows that hold a withheld conversation's children as one string
 * (a work list's "children" column, a referral queue's) are found by the conversation's or referral's id.
 */

/** Shown instead of a withheld person's name. */
export const RESTRICTED_NAME = 'Restricted record';

/** Keys that mark a row as describing a person. */
const PERSON_MARKERS = new Set([
  'given_name', 'family_name', 'givenName', 'familyName', 'name', 'child_name', 'childName', 'person_name', 'personName',
  'date_of_birth', 'dateOfBirth', 'nhs_number', 'nhsNumber',
]);

/** Name-like keys: replaced by RESTRICTED_NAME (or null for the parts of a name). */
const NAME_KEYS: Record<string, string | null> = {
  given_name: null, family_name: null, givenName: null, familyName: null,
  name: RESTRICTED_NAME, child_name: RESTRICTED_NAME, childName: RESTRICTED_NAME, person_name: RESTRICTED_NAME, personName: RESTRICTED_NAME,
};

/** Everything else that would tell someone who the person is. */
const IDENTIFYING = new Set([
  'date_of_birth', 'dateOfBirth', 'expected_date_of_birth', 'expectedDateOfBirth', 'expected', 'age',
  'nhs_number', 'nhsNumber', 'upn', 'ethnicity',
  'address_line_1', 'address_line_2', 'addressLine1', 'addressLine2', 'address', 'town', 'postcode', 'postcode_outward', 'postcode_sector',
  'school_setting', 'schoolSetting', 'gp_practice', 'gpPractice', 'first_language', 'firstLanguage', 'interpreter_needed', 'interpreterNeeded',
  'name_search', 'match_std', 'aliases', 'alias', 'disability_codes', 'disabilityCodes', 'reasons', 'against',
]);

/** Keys a row uses for "the conversation (or referral) this row is", and the string columns that list its children. */
const RECORD_KEYS = ['id', 'conversation_id', 'conversationId', 'referral_id', 'referralId'];
const CHILDREN_TEXT_KEYS = ['children', 'child_names', 'childNames'];
/** Free-text evidence about a row's person, blanked when that person (a nested row) is withheld. */
const EVIDENCE_KEYS = ['reasons', 'against', 'household'];

export interface WithheldSet {
  /** Withheld person id → the reference shown instead of their name. */
  people: ReadonlyMap<string, string>;
  /** Conversations and written referrals about a withheld person (for rows that list their children as one string). */
  records: ReadonlySet<string>;
}

export const NOTHING_WITHHELD: WithheldSet = { people: new Map(), records: new Set() };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The withheld person this row describes, if any: one of its own (shallow) string values. */
function withheldPersonOf(row: Record<string, unknown>, w: WithheldSet): string | null {
  let marked = false;
  for (const k of Object.keys(row)) if (PERSON_MARKERS.has(k)) { marked = true; break; }
  if (!marked) return null;
  for (const v of Object.values(row)) if (typeof v === 'string' && w.people.has(v)) return v;
  return null;
}

function redactRow(row: Record<string, unknown>, reference: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k in NAME_KEYS) out[k] = NAME_KEYS[k] === null ? null : `${RESTRICTED_NAME} ${reference}`;
    // An address object keeps its shape (an API's schema may require it), with every part blanked.
    else if (IDENTIFYING.has(k)) out[k] = Array.isArray(v) ? [] : isPlainObject(v) ? Object.fromEntries(Object.keys(v).map((x) => [x, null])) : null;
    else out[k] = v;
  }
  out.restricted = true;
  out.restrictedReference = reference;
  return out;
}

/**
 * A copy of `data` with every withheld person's identifying details blanked. Returns `data` itself
 * when nothing is withheld. Dates, buffers and class instances are passed through untouched.
 */
export function withhold<T>(data: T, w: WithheldSet): T {
  if (w.people.size === 0) return data;
  const seen = new WeakMap<object, unknown>();
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 20 || v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(walk(x, depth + 1));
      return out;
    }
    if (!isPlainObject(v)) return v;
    const person = withheldPersonOf(v, w);
    let row: Record<string, unknown> = person ? redactRow(v, w.people.get(person)!) : v;
    if (!person && w.records.size && RECORD_KEYS.some((k) => typeof v[k] === 'string' && w.records.has(v[k] as string))) {
      const textKeys = CHILDREN_TEXT_KEYS.filter((k) => typeof v[k] === 'string');
      // A line another feature adds under the conversation in a chronology ("Early Help request for …: sent").
      if (typeof v.conversationId === 'string' && typeof v.text === 'string') textKeys.push('text');
      if (textKeys.length) {
        row = { ...v };
        for (const k of textKeys) row[k] = RESTRICTED_NAME;
      }
    }
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, x] of Object.entries(row)) out[k] = walk(x, depth + 1);
    // A search result or a duplicate pair: the matching engine's evidence quotes the record's names
    // and dates ("first names differ by one letter (Ellie, Elly)"), so it goes with them.
    if (!person && Object.values(out).some((x) => isPlainObject(x) && x.restricted === true)) {
      for (const k of EVIDENCE_KEYS) if (Array.isArray(out[k])) out[k] = [];
    }
    return out;
  };
  return walk(data, 0) as T;
}

/** Every UUID anywhere in a request's query or body (for "does this request name a withheld person?"). */
export function uuidsIn(value: unknown, limit = 2000): string[] {
  const found: string[] = [];
  const re = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  const walk = (v: unknown, depth: number) => {
    if (found.length >= limit || depth > 10) return;
    if (typeof v === 'string') {
      for (const m of v.matchAll(re)) found.push(m[0].toLowerCase());
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
    } else if (isPlainObject(v)) {
      for (const x of Object.values(v)) walk(x, depth + 1);
    }
  };
  walk(value, 0);
  return found;
}
