import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTemporaryUpn, isValidUpn, normaliseUpn, upnCheckLetter } from './upn.js';

describe('upnCheckLetter', () => {
  it('permanent worked example: sum 144 → 6 → G', () => {
    assert.equal(upnCheckLetter('820201325001'), 'G');
  });

  it('temporary worked example: final A counts as 0, sum 131 → 16 → T', () => {
    assert.equal(upnCheckLetter('82020132500A'), 'T');
  });

  it('a remainder of 0 gives A', () => {
    assert.equal(upnCheckLetter('950000178301'), 'A');
  });

  it('skips I, O and S in the letter table (remainder 20 → X, not U)', () => {
    assert.equal(upnCheckLetter('845212818005'), 'X');
  });

  it('accepts a lower-case final letter', () => {
    assert.equal(upnCheckLetter('82020132500a'), 'T');
  });

  it('throws for a body of the wrong shape or with I/O/S', () => {
    assert.throws(() => upnCheckLetter('82020132500'), TypeError);
    assert.throws(() => upnCheckLetter('82020132500O'), TypeError);
    assert.throws(() => upnCheckLetter('8202013250AB'), TypeError);
  });
});

describe('isValidUpn', () => {
  for (const valid of ['G820201325001', 'T82020132500A', 'A950000178301', 'H243278544154', 'X845212818005']) {
    it(`accepts ${valid}`, () => assert.equal(isValidUpn(valid), true));
  }

  it('accepts lower case and stray spaces', () => {
    assert.equal(isValidUpn('g820201325001'), true);
    assert.equal(isValidUpn(' G820 2013 25001 '), true);
  });

  for (const [invalid, why] of [
    ['R247962919251', 'check letter should be Q'],
    ['X428558133462', 'check letter should be W'],
    ['I820201325001', 'I is never a check letter'],
    ['G82020132500O', 'O is never a final letter'],
    ['G82020132500S', 'S is never a final letter'],
    ['G82020132500', '12 characters'],
    ['G8202013250011', '14 characters'],
    ['G8202013A5001', 'letter in the middle'],
    ['', 'empty'],
  ] as const) {
    it(`rejects ${invalid || '(empty)'} (${why})`, () => assert.equal(isValidUpn(invalid), false));
  }
});

describe('normaliseUpn', () => {
  it('upper-cases and removes spaces', () => {
    assert.equal(normaliseUpn(' t82020132500a '), 'T82020132500A');
  });

  it('returns null for the wrong shape', () => {
    assert.equal(normaliseUpn('UN1'), null);
    assert.equal(normaliseUpn('1820201325001'), null);
  });
});

describe('isTemporaryUpn', () => {
  it('is true for a valid UPN ending in a letter', () => {
    assert.equal(isTemporaryUpn('T82020132500A'), true);
    assert.equal(isTemporaryUpn('G820201325001'), false);
    assert.equal(isTemporaryUpn('A82020132500A'), false);
  });
});
