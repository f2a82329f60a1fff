import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { standardise, isPlaceholderGiven, canonicalGiven, sameNameForms, swappedDate, standardisePostcode, blockingKeys, specificKeys, addressKey, type MatchInput } from './standardise.js';
import { compare } from './compare.js';
import { score, explain, LIKELY_PROBABILITY, POSSIBLE_PROBABILITY } from './model.js';
import { jaroWinkler, typoDistance } from './similarity.js';
import { buildNicknameIndex } from './nickname-index.js';
import nicknames from './nicknames.json' with { type: 'json' };

const child = (over: Partial<MatchInput> = {}): MatchInput => ({
  givenName: 'Eleanor', familyName: 'Smith-Jones', dateOfBirth: '2016-11-04', sex: 'F', postcode: 'NR1 2DH', address: '12 Oak Road, Norwich', ...over,
});
const levels = (a: MatchInput, b: MatchInput) => Object.fromEntries(compare(standardise(a), standardise(b)).fields.map((f) => [f.field, f.level]));
const pop = { population: 100_000, given: () => undefined, family: () => undefined };

describe('standardisation', () => {
  test('folds case, accents, apostrophes, hyphens and spaces', () => {
    const s = standardise(child({ givenName: 'Zoë', familyName: "O'Brien-Smith " }));
    assert.equal(s.names[0]!.given, 'zoe');
    assert.equal(s.names[0]!.family, 'obrien smith');
    assert.deepEqual(s.names[0]!.familyTokens, ['obrien', 'smith']);
  });

  test('placeholders are recognised and never used as name evidence', () => {
    for (const p of ['Baby', 'Unborn', 'Unknown', 'Baby of Smith', 'baby girl', 'Twin 1', 'Not known', 'Unborn baby']) assert.ok(isPlaceholderGiven(standardise({ ...child(), givenName: p }).names[0]?.given ?? p.toLowerCase()), p);
    for (const real of ['Bob', 'Babette', 'Knowles', 'Ofelia']) assert.equal(isPlaceholderGiven(real.toLowerCase()), false, real);
    const s = standardise({ givenName: 'Baby of Smith', familyName: null, dateOfBirth: null, expectedDateOfBirth: '2027-01-10' });
    assert.equal(s.placeholder, true);
    assert.equal(s.names[0]!.given, null);
    assert.equal(s.names[0]!.family, 'smith', 'the parent’s surname is kept as the likely family name');
    // Two babies both called "Baby" must not agree on a first name.
    const c = compare(standardise({ givenName: 'Baby', familyName: 'Smith', dateOfBirth: null }), standardise({ givenName: 'Baby', familyName: 'Jones', dateOfBirth: null }));
    assert.equal(c.fields.find((f) => f.field === 'given')!.level, null);
  });

  test('given names map to canonical forms from the nickname list and our UK diminutives', () => {
    assert.ok(canonicalGiven('alfie').includes('alfred'));
    assert.ok(canonicalGiven('ellie').includes('eleanor'));
    assert.ok(canonicalGiven('libby').includes('elizabeth'));
    assert.ok(canonicalGiven('liam').includes('william'));
    assert.ok(canonicalGiven('evie').includes('evelyn'));
    assert.equal(sameNameForms('eleanor', 'ellie'), 'eleanor');
    assert.equal(sameNameForms('ellie', 'eleanor'), 'eleanor');
    assert.equal(sameNameForms('oliver', 'jack'), null);
  });

  test('the committed nickname index is built from data/names', () => {
    const texts = ['names.csv', 'uk-diminutives.csv'].map((f) => readFileSync(new URL(`../../../data/names/${f}`, import.meta.url), 'utf8'));
    assert.deepEqual(buildNicknameIndex(texts), nicknames, 'run: npx tsx scripts/build-nicknames.ts');
  });

  test('dates: day and month swapped only when both are real and different dates', () => {
    assert.equal(swappedDate('2016-11-04'), '2016-04-11');
    assert.equal(swappedDate('2016-04-04'), null);
    assert.equal(swappedDate('2016-04-13'), null);
    assert.equal(standardise(child({ dateOfBirth: '1937-12-33' })).dob, null);
  });

  test('postcodes are normalised and split into outward code and sector; others are kept compact', () => {
    assert.deepEqual(standardisePostcode(' nr12dh '), { postcode: 'NR1 2DH', outward: 'NR1', sector: 'NR1 2', block: 'NR1 2' });
    assert.deepEqual(standardisePostcode('4011'), { postcode: '4011', outward: null, sector: null, block: '4011' });
  });

  test('NHS numbers that fail the check digit are not used', () => {
    assert.equal(standardise(child({ nhsNumber: '943 476 5919' })).nhs, '9434765919');
    assert.equal(standardise(child({ nhsNumber: '943 476 5918' })).nhs, null);
  });

  test('blocking keys: a search with the day and month swapped, or the names the other way round, meets the stored keys', () => {
    const stored = new Set(blockingKeys(standardise(child())));
    const swapped = specificKeys(standardise(child({ givenName: 'Ellie', dateOfBirth: '2016-04-11', postcode: null, address: null })), true);
    assert.ok(swapped.some((k) => stored.has(k)));
    const reversed = specificKeys(standardise(child({ givenName: 'Smith-Jones', familyName: 'Eleanor', dateOfBirth: null, postcode: null, address: null })), true);
    assert.ok(reversed.some((k) => stored.has(k)));
    assert.equal(addressKey(standardise(child({ address: 'Flat 8, 45 Lavender Terrace, Norwich' }))), '45 lavender|NR1');
  });
});

describe('comparison levels', () => {
  test('first names: exact, nickname, phonetic, one letter out, initial, different', () => {
    assert.equal(levels(child(), child()).given, 'exact');
    assert.equal(levels(child(), child({ givenName: 'Ellie' })).given, 'nickname');
    assert.equal(levels(child({ givenName: 'Kayleigh' }), child({ givenName: 'Caleigh' })).given, 'phonetic');
    assert.equal(levels(child({ givenName: 'Jessica' }), child({ givenName: 'Jesica' })).given, 'close');
    assert.equal(levels(child({ givenName: 'E' }), child()).given, 'initial');
    assert.equal(levels(child({ givenName: 'Oliver' }), child({ givenName: 'Harriet' })).given, 'different');
    assert.equal(levels(child({ givenName: null }), child()).given, null);
  });

  test('family names: double-barrelled part, phonetic, typo', () => {
    assert.equal(levels(child(), child({ familyName: 'Smith' })).family, 'part');
    assert.equal(levels(child({ familyName: 'Stephenson' }), child({ familyName: 'Stevenson' })).family, 'phonetic');
    assert.equal(levels(child({ familyName: 'Pritchard' }), child({ familyName: 'Pritchrad' })).family, 'close');
  });

  test('dates of birth: exact, swapped, one part different, near (unborn), different', () => {
    assert.equal(levels(child(), child({ dateOfBirth: '2016-04-11' })).dob, 'swapped');
    assert.equal(levels(child(), child({ dateOfBirth: '2016-11-14' })).dob, 'one-part');
    assert.equal(levels(child({ dateOfBirth: null, expectedDateOfBirth: '2016-11-20' }), child()).dob, 'near');
    assert.equal(levels(child(), child({ dateOfBirth: '2012-03-01' })).dob, 'different');
  });

  test('home: postcode and address together, and a shared surname and home counted once', () => {
    assert.equal(levels(child({ familyName: 'Brown' }), child({ familyName: 'Green' })).home, 'same');
    assert.equal(levels(child(), child()).home, 'family-home');
    assert.equal(levels(child(), child({ postcode: 'NR1 2DJ', address: '3 Elm Road, Norwich' })).home, 'sector');
  });
});

describe('scores and explanations', () => {
  test('the same child under another spelling, with the day and month swapped, is likely, and says why in plain English', () => {
    const s = score(standardise(child()), standardise(child({ givenName: 'Ellie', dateOfBirth: '2016-04-11', postcode: 'NR1 2DJ', address: null })), {}, undefined, pop);
    assert.ok(s.probability >= LIKELY_PROBABILITY, `probability ${s.probability}`);
    const text = explain(s);
    assert.match(text, /same date of birth with day and month swapped/i);
    assert.match(text, /Ellie is a short form of Eleanor/);
    assert.match(text, /same postcode sector \(NR1 2\)/);
  });

  test('twins in one household are never the same child', () => {
    const a = standardise(child({ givenName: 'Amelia' }));
    const b = standardise(child({ givenName: 'Oliver', sex: 'M' }));
    const inHousehold = score(a, b, { sameHousehold: true }, undefined, pop);
    assert.ok(inHousehold.probability < 0.001);
    assert.match(inHousehold.against.join(' '), /twins/);
    // Without a recorded household, same date, surname and address: shown, but never more than possible.
    const sameSex = score(a, standardise(child({ givenName: 'Harriet' })), {}, undefined, pop);
    assert.ok(sameSex.probability < LIKELY_PROBABILITY);
    assert.match(sameSex.against.join(' '), /could be twins/);
  });

  test('the same-home twin rule is for children: adults with one first name recorded differently can still match', () => {
    const adult = (given: string) => standardise(child({ givenName: given, dateOfBirth: '1985-06-02' }));
    const s = score(adult('Amelia'), adult('Harriet'), { today: '2026-11-23' }, undefined, pop);
    assert.ok(!s.comparison.twinLike);
    const kids = score(standardise(child({ givenName: 'Amelia' })), standardise(child({ givenName: 'Harriet' })), { today: '2026-11-23' }, undefined, pop);
    assert.ok(kids.comparison.twinLike);
  });

  test('a surname written in the first-name box still counts as the surname', () => {
    const c = compare(standardise(child({ givenName: 'Quilliam', familyName: 'Ashleigh' })), standardise(child({ givenName: 'Maddison', familyName: 'Quilliam' })));
    assert.equal(c.fields.find((f) => f.field === 'family')!.level, 'close');
    assert.match(c.fields.find((f) => f.field === 'family')!.reason!, /Quilliam is a first name on one record and a last name on the other/);
  });

  test('different valid NHS numbers rule a pair out whatever else agrees', () => {
    const s = score(standardise(child({ nhsNumber: '9434765919' })), standardise(child({ nhsNumber: '9990000026' })), {}, undefined, pop);
    assert.ok(s.probability < 0.001);
    assert.deepEqual(s.against[0], 'different NHS numbers, both valid');
  });

  test('brothers and sisters (same surname and home, different name and date of birth) are not a match', () => {
    const s = score(standardise(child()), standardise(child({ givenName: 'Alfie', sex: 'M', dateOfBirth: '2019-02-12' })), {}, undefined, pop);
    assert.ok(s.probability < POSSIBLE_PROBABILITY, `probability ${s.probability}`);
  });

  test('common names agreeing count for less than rare ones (term frequency)', () => {
    const common = { population: 100_000, given: () => 0.02, family: () => 0.02 };
    const rare = { population: 100_000, given: () => 0.00002, family: () => 0.00002 };
    const a = standardise(child({ dateOfBirth: null, postcode: null, address: null }));
    assert.ok(score(a, a, {}, undefined, rare).weight > score(a, a, {}, undefined, common).weight + 5);
  });
});

describe('string similarity', () => {
  test('Jaro–Winkler and typing distance', () => {
    assert.equal(jaroWinkler('martha', 'martha'), 1);
    assert.ok(Math.abs(jaroWinkler('martha', 'marhta') - 0.961) < 0.001);
    assert.equal(typoDistance('jmaes', 'james'), 1);
    assert.equal(typoDistance('kitten', 'sitting'), 3);
  });
});
