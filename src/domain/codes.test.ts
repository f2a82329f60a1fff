import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CALLER_TYPES,
  CONSENT_NOT_SOUGHT_REASONS,
  DISABILITY_CODES,
  ETHNICITY_CODES,
  IMMEDIACY_OPTIONS,
  LAWFUL_BASES,
  REFERRAL_SOURCE_CODES,
  RELATIONSHIP_TYPES,
  SEX_CODES,
  isCodeIn,
  labelFor,
  validateDisabilities,
  type CodeOption,
} from './codes.js';

function codes(list: readonly CodeOption[]): string[] {
  return list.map((c) => c.code);
}

describe('code lists', () => {
  it('no list repeats a code and every label is filled in', () => {
    const lists = {
      SEX_CODES,
      ETHNICITY_CODES,
      DISABILITY_CODES,
      REFERRAL_SOURCE_CODES,
      CONSENT_NOT_SOUGHT_REASONS,
      LAWFUL_BASES,
      RELATIONSHIP_TYPES,
      CALLER_TYPES,
      IMMEDIACY_OPTIONS,
    };
    for (const [name, list] of Object.entries(lists)) {
      assert.equal(new Set(codes(list)).size, list.length, `${name} has a duplicate code`);
      for (const item of list) assert.ok(item.label.trim().length > 0, `${name} ${item.code} has no label`);
    }
  });

  it('sex uses the 2024-25 CIN codes', () => {
    assert.deepEqual(
      SEX_CODES.map((s) => [s.code, s.label]),
      [
        ['M', 'Male'],
        ['F', 'Female'],
        ['U', 'Not known'],
      ],
    );
  });

  it('ethnicity has the 20 DfE main codes in CIN XSD order', () => {
    assert.deepEqual(codes(ETHNICITY_CODES), [
      'WBRI', 'WIRI', 'WIRT', 'WOTH', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND',
      'APKN', 'ABAN', 'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT',
    ]);
    assert.equal(labelFor(ETHNICITY_CODES, 'WROM'), 'Gypsy/Roma');
    assert.equal(labelFor(ETHNICITY_CODES, 'NOBT'), 'Information not yet obtained');
    // A typo in one DfE guidance document; the real code is CHNE.
    assert.equal(isCodeIn(ETHNICITY_CODES, 'CNHE'), false);
  });

  it('disability has the 13 CIN codes', () => {
    assert.deepEqual(codes(DISABILITY_CODES).sort(), [
      'AUT', 'BEH', 'COMM', 'CON', 'DDA', 'HAND', 'HEAR', 'INC', 'LD', 'MOB', 'NONE', 'PC', 'VIS',
    ]);
  });

  it('referral sources are the 22 CIN codes as strings, including 5D', () => {
    assert.equal(REFERRAL_SOURCE_CODES.length, 22);
    assert.deepEqual(codes(REFERRAL_SOURCE_CODES), [
      '1A', '1B', '1C', '1D', '2A', '2B', '3A', '3B', '3C', '3D', '3E', '3F',
      '4', '5A', '5B', '5C', '5D', '6', '7', '8', '9', '10',
    ]);
    assert.equal(labelFor(REFERRAL_SOURCE_CODES, '6'), 'POLICE');
    assert.equal(labelFor(REFERRAL_SOURCE_CODES, '5D'), 'LA SERVICES – early help');
  });

  it('consent-not-sought reasons and lawful bases have the agreed codes and wording', () => {
    assert.deepEqual(codes(CONSENT_NOT_SOUGHT_REASONS), [
      'risk-to-child',
      'risk-to-another-child',
      'risk-to-someone-else',
      'risk-to-referrer',
      'undermine-investigation',
    ]);
    assert.equal(labelFor(CONSENT_NOT_SOUGHT_REASONS, 'risk-to-child'), 'It would put the child at risk of significant harm');
    assert.equal(
      labelFor(CONSENT_NOT_SOUGHT_REASONS, 'undermine-investigation'),
      'It would undermine the investigation of a serious crime',
    );
    assert.deepEqual(
      LAWFUL_BASES.map((b) => [b.code, b.article]),
      [
        ['public-task-children-act', '6(1)(e)'],
        ['legal-obligation', '6(1)(c)'],
        ['vital-interests', '6(1)(d)'],
      ],
    );
    assert.equal(
      labelFor(LAWFUL_BASES, 'public-task-children-act'),
      'UK GDPR Article 6(1)(e) public task (Children Act 1989 s17/s47, Children Act 2004 s11) with DPA 2018 Schedule 1 paragraph 18 safeguarding',
    );
    assert.equal(isCodeIn(LAWFUL_BASES, 'consent'), false);
  });

  it('relationship types cover family composition', () => {
    assert.deepEqual(codes(RELATIONSHIP_TYPES), [
      'mother', 'father', 'step-parent', 'carer', 'sibling', 'half-sibling', 'step-sibling',
      'grandparent', 'aunt-uncle', 'other-relative', 'family-friend', 'other-important-person',
    ]);
  });

  it('caller types and immediacy options', () => {
    assert.deepEqual(codes(CALLER_TYPES), ['professional', 'public']);
    assert.deepEqual(codes(IMMEDIACY_OPTIONS), ['immediate', 'soon', 'not-immediate']);
    assert.equal(labelFor(IMMEDIACY_OPTIONS, 'immediate'), 'Immediate – the child is at risk now');
  });
});

describe('labelFor and isCodeIn', () => {
  it('return undefined / false for unknown codes', () => {
    assert.equal(labelFor(SEX_CODES, 'X'), undefined);
    assert.equal(isCodeIn(SEX_CODES, 'X'), false);
    assert.equal(isCodeIn(SEX_CODES, null), false);
    assert.equal(isCodeIn(SEX_CODES, 'M'), true);
  });

  it('codes are case-sensitive, as in the census', () => {
    assert.equal(isCodeIn(SEX_CODES, 'm'), false);
  });
});

describe('validateDisabilities', () => {
  it('accepts nothing recorded, NONE alone, or any set of real disabilities', () => {
    assert.equal(validateDisabilities([]), null);
    assert.equal(validateDisabilities(['NONE']), null);
    assert.equal(validateDisabilities(['AUT', 'COMM', 'LD']), null);
  });

  it('rejects NONE combined with anything else (CIN rule 8790)', () => {
    assert.equal(validateDisabilities(['NONE', 'AUT']), "Select either 'No disability' or the child's disabilities, not both");
    assert.equal(validateDisabilities(['AUT', 'NONE', 'AUT']), "Select either 'No disability' or the child's disabilities, not both");
  });

  it('rejects the same code twice (CIN rule 8794)', () => {
    assert.equal(validateDisabilities(['AUT', 'AUT']), 'Select each disability only once');
    assert.equal(validateDisabilities(['NONE', 'NONE']), 'Select each disability only once');
  });

  it('rejects codes not in the list', () => {
    assert.equal(validateDisabilities(['ADHD']), 'Select disabilities from the list');
    assert.equal(validateDisabilities(['aut']), 'Select disabilities from the list');
  });
});
