import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatNhsNumber,
  isTestRangeNhsNumber,
  isValidNhsNumber,
  nhsNumberCheckDigit,
  normaliseNhsNumber,
} from './nhs-number.js';

describe('normaliseNhsNumber', () => {
  it('strips spaces and hyphens', () => {
    assert.equal(normaliseNhsNumber('943 476 5919'), '9434765919');
    assert.equal(normaliseNhsNumber('943-476-5919'), '9434765919');
    assert.equal(normaliseNhsNumber('  943 476-5919 '), '9434765919');
  });

  it('keeps leading zeros', () => {
    assert.equal(normaliseNhsNumber('010 000 0000'), '0100000000');
  });

  it('rejects anything that is not 10 digits', () => {
    assert.equal(normaliseNhsNumber('943476591'), null);
    assert.equal(normaliseNhsNumber('94347659190'), null);
    assert.equal(normaliseNhsNumber('943.476.5919'), null);
    assert.equal(normaliseNhsNumber('94347659I9'), null);
    assert.equal(normaliseNhsNumber(''), null);
  });
});

describe('nhsNumberCheckDigit', () => {
  it('follows the worked example (sum 299, remainder 2, check 9)', () => {
    assert.equal(nhsNumberCheckDigit('943476591'), 9);
  });

  it('maps a result of 11 to 0', () => {
    // 000000000: sum 0, remainder 0, 11 - 0 = 11 → 0.
    assert.equal(nhsNumberCheckDigit('000000000'), 0);
    // 100000001: sum 10 + 2 = 12, remainder 1 → 10 (invalid); 200000001: 22 → r 0 → 0.
    assert.equal(nhsNumberCheckDigit('200000001'), 0);
    assert.equal(isValidNhsNumber('2000000010'), true);
  });

  it('returns null where the check would be 10', () => {
    assert.equal(nhsNumberCheckDigit('123456789'), null);
    assert.equal(nhsNumberCheckDigit('999000000'), null);
  });

  it('throws for input that is not 9 digits', () => {
    assert.throws(() => nhsNumberCheckDigit('12345678'), TypeError);
  });
});

describe('isValidNhsNumber', () => {
  for (const valid of [
    '9434765919',
    '943 476 5919',
    '943-476-5919',
    '4010232137',
    '4857773457',
    '9000000009',
    '9991000003',
  ]) {
    it(`accepts ${valid}`, () => assert.equal(isValidNhsNumber(valid), true));
  }

  for (const [invalid, why] of [
    ['9434765918', 'wrong check digit'],
    ['1234567890', 'check would be 10'],
    ['943476591', '9 digits'],
    ['94347659190', '11 digits'],
    ['', 'empty'],
    ['abcdefghij', 'letters'],
  ] as const) {
    it(`rejects ${invalid || '(empty)'} (${why})`, () => assert.equal(isValidNhsNumber(invalid), false));
  }

  it('rejects the whole 999000000x block (check would be 10)', () => {
    for (let d = 0; d <= 9; d++) assert.equal(isValidNhsNumber(`999000000${d}`), false, `999000000${d}`);
  });

  it('rejects repeated-digit strings even though they pass modulus 11', () => {
    for (let d = 0; d <= 9; d++) {
      const repeated = String(d).repeat(10);
      assert.equal(nhsNumberCheckDigit(repeated.slice(0, 9)), d, `${repeated} passes the checksum`);
      assert.equal(isValidNhsNumber(repeated), false, repeated);
    }
  });

  it('accepts Scottish CHI style numbers that pass the check', () => {
    // CHI: DDMMYY (01/01/90), two sequence digits, sex digit, then the same
    // check digit: sum 86, remainder 9, check 2.
    assert.equal(isValidNhsNumber('0101901232'), true);
    assert.equal(isValidNhsNumber('0101901233'), false);
  });
});

describe('formatNhsNumber', () => {
  it('groups 3-3-4', () => {
    assert.equal(formatNhsNumber('9434765919'), '943 476 5919');
    assert.equal(formatNhsNumber('943-476-5919'), '943 476 5919');
  });

  it('returns unusable input unchanged apart from trimming', () => {
    assert.equal(formatNhsNumber(' 12345 '), '12345');
  });
});

describe('isTestRangeNhsNumber', () => {
  it('is true only for numbers starting 999', () => {
    assert.equal(isTestRangeNhsNumber('999 100 0003'), true);
    assert.equal(isTestRangeNhsNumber('9000000009'), false);
    assert.equal(isTestRangeNhsNumber('9434765919'), false);
    assert.equal(isTestRangeNhsNumber('999'), false);
  });
});
