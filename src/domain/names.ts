/**
 * Name folding for search: case, accents, apostrophes, hyphens and spacing should never
 * decide whether a worker finds a child (O'Brien, OBrien and o brien are one name).
 */
export function foldName(raw: string | null | undefined): string {
  if (!raw) return '';
  return raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The text indexed for trigram search: own name and every alias, folded. */
export function nameSearchText(
  person: { given_name?: string | null; family_name?: string | null },
  aliases: { given_name?: string | null; family_name?: string | null }[] = [],
): string {
  return [person, ...aliases]
    .map((n) => foldName([n.given_name, n.family_name].filter(Boolean).join(' ')))
    .filter(Boolean)
    .join(' | ');
}

export function displayName(p: { given_name?: string | null; family_name?: string | null; expected_date_of_birth?: string | null }): string {
  const name = [p.given_name, p.family_name].filter(Boolean).join(' ');
  if (name) return name;
  return p.expected_date_of_birth ? 'Unborn child' : 'Name not known';
}
