import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldName, nameSearchText, displayName } from './names.js';

test('foldName removes case, accents, apostrophes and hyphens', () => {
  assert.equal(foldName("O'Brien"), 'obrien');
  assert.equal(foldName('Zoë  Smith-Jones'), 'zoe smith jones');
  assert.equal(foldName('  ÉLODIE '), 'elodie');
  assert.equal(foldName(null), '');
});

test('nameSearchText joins own name and aliases', () => {
  assert.equal(
    nameSearchText({ given_name: 'Eleanor', family_name: 'Smith-Jones' }, [{ given_name: 'Ellie', family_name: 'Smith' }]),
    'eleanor smith jones | ellie smith',
  );
});

test('displayName falls back for unborn and unnamed people', () => {
  assert.equal(displayName({ given_name: null, family_name: null, expected_date_of_birth: '2027-01-01' }), 'Unborn child');
  assert.equal(displayName({ given_name: null, family_name: null }), 'Name not known');
  assert.equal(displayName({ given_name: 'Ava', family_name: 'Reed' }), 'Ava Reed');
});
