import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBfpo, isValidPostcode, normalisePostcode, postcodeParts } from './postcode.js';

describe('normalisePostcode', () => {
  const cases: Array<[string, string]> = [
    ['ec1a1bb', 'EC1A 1BB'],
    [' w1a 0ax ', 'W1A 0AX'],
    ['DN55 1PT', 'DN55 1PT'],
    ['CR2 6XH', 'CR2 6XH'],
    ['M1 1AE', 'M1 1AE'],
    ['B33 8TH', 'B33 8TH'],
    ['LS1-4AP', 'LS1 4AP'],
    ['(LS1 4AP)', 'LS1 4AP'],
    ['LS1 4AP.', 'LS1 4AP'],
    ['ls1–4ap', 'LS1 4AP'], // en dash
    ['N R 1   2 D H', 'NR1 2DH'],
    ['NW1W 1AA', 'NW1W 1AA'],
    ['BF1 3AA', 'BF1 3AA'],
    ['gir0aa', 'GIR 0AA'],
    ['QA1 1AA', 'QA1 1AA'], // shape only: strict validation rejects it later
    ['bfpo 61', 'BFPO 61'],
    ['BFPO61', 'BFPO 61'],
    ['BFPO  1234', 'BFPO 1234'],
    ['bfpo c/o 61', 'BFPO C/O 61'],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(normalisePostcode(raw), expected));
  }

  for (const raw of ['', 'hello', 'NR1', 'NR1 2DH UK', '12345', 'ASCN 1ZZ', 'BFPO 12345', 'NR1 2ÉH']) {
    it(`${JSON.stringify(raw)} → null`, () => assert.equal(normalisePostcode(raw), null));
  }
});

describe('isValidPostcode', () => {
  for (const valid of [
    'EC1A 1BB',
    'w1a0ax',
    'DN55 1PT',
    'CR2 6XH',
    'M1 1AE',
    'B33 8TH',
    '(LS1 4AP)',
    'NW1W 1AA',
    'BF1 3AA',
    'gir0aa',
    'BFPO 61',
    'bfpo c/o 1234',
    'JE2 3AB',
    'NR1 2DH',
  ]) {
    it(`accepts ${valid}`, () => assert.equal(isValidPostcode(valid), true));
  }

  for (const [invalid, why] of [
    ['QA1 1AA', 'Q never first'],
    ['VA1 1AA', 'V never first'],
    ['X1 1AA', 'X never first'],
    ['AJ1 1AA', 'J never second'],
    ['AB1 1CA', 'C never in the inward code'],
    ['AB1 1AK', 'K never in the inward code'],
    ['W1I 0AX', 'I not allowed third in A9A'],
    ['NW1C 1AA', 'C not allowed fourth in AA9A'],
    ['GIR 0AB', 'GIR only with 0AA'],
    ['', 'empty'],
    ['hello', 'not a postcode'],
  ] as const) {
    it(`rejects ${invalid || '(empty)'} (${why})`, () => assert.equal(isValidPostcode(invalid), false));
  }
});

describe('isBfpo', () => {
  it('recognises BFPO numbers but not BF1 postcodes', () => {
    assert.equal(isBfpo('BFPO 61'), true);
    assert.equal(isBfpo('BF1 0AA'), false);
  });
});

describe('postcodeParts', () => {
  it('splits a two-letter-area postcode', () => {
    assert.deepEqual(postcodeParts('nr12dh'), { outward: 'NR1', inward: '2DH', sector: 'NR1 2', area: 'NR' });
  });

  it('splits a one-letter area with a sub-district letter', () => {
    assert.deepEqual(postcodeParts('W1A 0AX'), { outward: 'W1A', inward: '0AX', sector: 'W1A 0', area: 'W' });
  });

  it('splits a four-character outward code', () => {
    assert.deepEqual(postcodeParts('DN55 1PT'), { outward: 'DN55', inward: '1PT', sector: 'DN55 1', area: 'DN' });
  });

  it('handles GIR 0AA', () => {
    assert.deepEqual(postcodeParts('GIR 0AA'), { outward: 'GIR', inward: '0AA', sector: 'GIR 0', area: 'GIR' });
  });

  it('returns null for BFPO numbers and invalid postcodes', () => {
    assert.equal(postcodeParts('BFPO 61'), null);
    assert.equal(postcodeParts('QA1 1AA'), null);
    assert.equal(postcodeParts('rubbish'), null);
  });
});
