/**
 * Builds the given-name equivalence index from "name1,has_nickname,name2" rows
 * (data/names/names.csv from carltonnorthern/nicknames, Apache-2.0, plus our own
 * data/names/uk-diminutives.csv). Pure, so the generator script and the test that
 * proves the committed index is current share it.
 *
 * The list is a directed graph and not transitive (Harry→Henry and Henry→Hank do not
 * make Harry a form of Hank's every other form). Each name's canonical forms are the name
 * itself plus every formal name it is a direct short form of; two given names are treated
 * as the same name when their canonical forms share an element. No chains are followed.
 */
export type NicknameIndex = Record<string, string[]>;

export function parseNicknameCsv(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const line of text.split(/\r?\n/).slice(1)) {
    const [formal, rel, short] = line.split(',').map((s) => s?.trim().toLowerCase());
    if (!formal || !short || rel !== 'has_nickname' || formal === short) continue;
    pairs.push([formal, short]);
  }
  return pairs;
}

export function buildNicknameIndex(csvTexts: string[]): NicknameIndex {
  const canon = new Map<string, Set<string>>();
  const add = (name: string, form: string) => {
    let s = canon.get(name);
    if (!s) canon.set(name, (s = new Set([name])));
    s.add(form);
  };
  for (const text of csvTexts) {
    for (const [formal, short] of parseNicknameCsv(text)) {
      add(formal, formal);
      add(short, formal);
    }
  }
  const out: NicknameIndex = {};
  for (const name of [...canon.keys()].sort()) {
    const forms = [...canon.get(name)!].sort();
    // Names that are only ever themselves need no entry: the lookup falls back to the name.
    if (forms.length > 1) out[name] = forms;
  }
  return out;
}
