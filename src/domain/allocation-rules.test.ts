import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindLabel, parseAllocation, type AllocationInput } from './allocation-rules.js';

const TODAY = '2026-11-23';
const USER = '3f2a3c1e-1d2b-4c5d-8e9f-0a1b2c3d4e5f';
const good: AllocationInput = {
  kind: 'social-worker', workerName: 'Olu Adeyemi', team: 'Children in need locality team', phone: '01632 960210',
  email: 'olu.adeyemi@norfolk.example', userId: USER, start: { day: '2', month: '11', year: '2026' },
};

test('a complete allocation is accepted, with the phone number tidied', () => {
  const r = parseAllocation(good, TODAY, [USER]);
  assert.ok(r.ok, 'accepted');
  assert.equal(r.values.start_date, '2026-11-02');
  assert.equal(r.values.user_id, USER);
  assert.equal(r.values.phone.replace(/\s/g, ''), '01632960210');
});

test('without a Front Door user it is still accepted', () => {
  const r = parseAllocation({ ...good, userId: '' }, TODAY, []);
  assert.ok(r.ok && r.values.user_id === null, 'no user');
});

test('everything callers need to reach the worker is required', () => {
  const r = parseAllocation({ kind: '', workerName: '', team: '', phone: '', email: '', userId: '', start: { day: '', month: '', year: '' } }, TODAY, []);
  assert.ok(!r.ok, 'refused');
  assert.deepEqual(r.errors.map((e) => e.field), ['kind', 'worker-name', 'team', 'phone', 'email', 'start-day']);
});

test('bad formats, a user from elsewhere and a future start are refused', () => {
  const r = parseAllocation({ ...good, phone: '12', email: 'not-an-email', userId: USER, start: { day: '1', month: '12', year: '2026' } }, TODAY, []);
  assert.ok(!r.ok, 'refused');
  assert.deepEqual(r.errors.map((e) => e.field), ['phone', 'email', 'user', 'start-day']);
  assert.match(r.errors[3]!.message, /today or in the past/);
});

test('kinds have labels', () => {
  assert.equal(kindLabel('family-practitioner'), 'Family practitioner');
  assert.equal(kindLabel('unknown'), 'unknown');
});
