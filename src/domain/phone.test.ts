import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPlausibleEmail, normaliseUkPhone } from './phone.js';

describe('normaliseUkPhone', () => {
  const accepted: Array<[string, string, string]> = [
    // Ofcom drama numbers: libphonenumber calls these invalid, but they must be accepted.
    ['07700 900982', '+447700900982', '07700 900982'],
    ['+44 7700 900982', '+447700900982', '07700 900982'],
    ['0044 7700 900982', '+447700900982', '07700 900982'],
    ['01632 960001', '+441632960001', '01632 960001'],
    ['020 7946 0123', '+442079460123', '020 7946 0123'],
    ['(020) 7946 0123', '+442079460123', '020 7946 0123'],
    ['+44 (0)20 7946 0123', '+442079460123', '020 7946 0123'],
    ['020-7946-0123', '+442079460123', '020 7946 0123'],
    ['0113 496 0000', '+441134960000', '0113 496 0000'],
    ['0808 157 0192', '+448081570192', '0808 157 0192'],
    ['+44 808 157 0192', '+448081570192', '0808 157 0192'],
    // Genuine 9-digit national number.
    ['016977 3555', '+44169773555', '016977 3555'],
    ['01697 73555', '+44169773555', '016977 3555'],
  ];
  for (const [raw, e164, national] of accepted) {
    it(`${raw} → ${e164}`, () => assert.deepEqual(normaliseUkPhone(raw), { e164, national }));
  }

  it('keeps international numbers in international format', () => {
    assert.deepEqual(normaliseUkPhone('+33 1 23 45 67 89'), { e164: '+33123456789', national: '+33 1 23 45 67 89' });
  });

  for (const [raw, why] of [
    ['', 'empty'],
    ['999', 'emergency short code'],
    ['116 123', 'helpline short code'],
    ['anonymous', 'withheld caller ID'],
    ['07700 90098', 'mobile missing a digit'],
    ['020 7946 012', 'London number missing a digit'],
    ['077009009821', 'too long'],
    ['447700900123', "ambiguous: '44' without '+'"],
    ['call 020 7946 0123 now', 'a sentence, not a number'],
    ['020 7946 0123 ext 45', 'extension would be lost'],
    ['0800 FLOWERS', 'letters'],
  ] as const) {
    it(`rejects ${JSON.stringify(raw)} (${why})`, () => assert.equal(normaliseUkPhone(raw), null));
  }
});

describe('isPlausibleEmail', () => {
  for (const ok of [
    'name@example.com',
    ' name@example.com ',
    'first.last+tag@sub.example.co.uk',
    "o'brien@example.org",
    'duty.team@norfolk.gov.uk',
  ]) {
    it(`accepts ${ok}`, () => assert.equal(isPlausibleEmail(ok), true));
  }

  for (const bad of [
    '',
    'name',
    'name@',
    '@example.com',
    'name@example',
    'name@@example.com',
    'na me@example.com',
    'name@exa mple.com',
    'name@.example.com',
    'name@example..com',
    '.name@example.com',
    'name.@example.com',
    'na..me@example.com',
    'name@-example.com',
    'name@example.c',
    'name@example.123',
    'a@b@example.com',
    `${'a'.repeat(65)}@example.com`,
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(isPlausibleEmail(bad), false));
  }
});
