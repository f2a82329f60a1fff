// issue10-E
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addYears, describeRule, recordTypeFromSlug, retentionSchema, retentionStage, subtractMonths, DEFAULT_RETENTION_RULES, RETENTION_RECORD_TYPES, RECORD_TYPE_INFO } from './retention.js';

test('a birthday is counted the way the law counts ages: 29 February moves to 1 March in other years', () => {
  assert.equal(addYears('2000-03-15', 25), '2025-03-15', 'an ordinary date');
  assert.equal(addYears('2000-02-29', 25), '2025-03-01', 'a leap day, in a year without one');
  assert.equal(addYears('2000-02-29', 28), '2028-02-29', 'a leap day, in a leap year');
  assert.equal(addYears('2000-02-28', 25), '2025-02-28', 'the day before a leap day stays put');
  assert.equal(addYears('1999-12-31', 6), '2005-12-31', 'the last day of a year');
});

test('months are taken away with the day held to the end of a shorter month', () => {
  assert.equal(subtractMonths('2026-05-31', 3), '2026-02-28', 'May 31 less 3 months');
  assert.equal(subtractMonths('2026-01-15', 3), '2025-10-15', 'across a year');
  assert.equal(subtractMonths('2026-01-15', 0), '2026-01-15', 'no months');
});

test('the stage of a record: not yet, listed for review, or past its disposal date', () => {
  assert.equal(retentionStage('2026-01-01', '2026-02-01', '2026-05-01'), 'not-yet', 'before the review date');
  assert.equal(retentionStage('2026-02-01', '2026-02-01', '2026-05-01'), 'review', 'on the review date');
  assert.equal(retentionStage('2026-05-01', '2026-02-01', '2026-05-01'), 'due', 'on the disposal date');
});

test('a profile without a retention block gets every default rule', () => {
  const parsed = retentionSchema.parse({});
  assert.equal(parsed.reviewMonthsBefore, 3, 'three months of review by default');
  for (const t of RETENTION_RECORD_TYPES) assert.deepEqual(parsed.rules[t], DEFAULT_RETENTION_RULES[t], `the default rule for ${t}`);
  assert.equal(parsed.rules.conversations.trigger, 'childs-birthday', 'conversations run to a birthday');
  assert.equal(parsed.rules.conversations.years, 25, 'the 25th birthday');
});

test('a rule given for one type leaves the others at their defaults', () => {
  const parsed = retentionSchema.parse({ rules: { calls: { trigger: 'record-date', years: 2, basis: 'Our call recording policy', setByCouncil: true } } });
  assert.equal(parsed.rules.calls.years, 2, 'the rule given');
  assert.equal(parsed.rules.calls.action, 'delete', 'action defaults to delete');
  assert.deepEqual(parsed.rules.mashEnquiries, DEFAULT_RETENTION_RULES.mashEnquiries, 'the others untouched');
});

test('rules that cannot be applied are refused with the field named', () => {
  const childsCall = retentionSchema.safeParse({ rules: { calls: { trigger: 'childs-birthday', years: 25, basis: 'x', setByCouncil: true } } });
  assert.ok(!childsCall.success, 'a call is not about a child the service can date');
  assert.deepEqual(childsCall.error.issues[0]!.path, ['rules', 'calls', 'trigger'], 'names the trigger');
  const deleteAudit = retentionSchema.safeParse({ rules: { auditEntries: { trigger: 'record-date', years: 10, action: 'delete', basis: 'x', setByCouncil: true } } });
  assert.ok(!deleteAudit.success, 'audit entries are only reviewed');
  const unknownType = retentionSchema.safeParse({ rules: { emails: { trigger: 'record-date', years: 1, basis: 'x', setByCouncil: true } } });
  assert.ok(!unknownType.success, 'an unknown record type is a typing mistake, not silently ignored');
  const zeroYears = retentionSchema.safeParse({ rules: { conversations: { trigger: 'childs-birthday', years: 0, basis: 'x', setByCouncil: true } } });
  assert.ok(!zeroYears.success, 'a period of no years');
});

test('each rule reads as a sentence', () => {
  assert.equal(describeRule('conversations', DEFAULT_RETENTION_RULES.conversations), 'Until the 25th birthday of the youngest child it is about, then deleted');
  assert.equal(describeRule('mashEnquiries', DEFAULT_RETENTION_RULES.mashEnquiries), '35 years after the last contact with any child it is about, then reviewed');
  assert.equal(describeRule('calls', DEFAULT_RETENTION_RULES.calls), '6 years after the call, then deleted');
  assert.equal(describeRule('calls', { ...DEFAULT_RETENTION_RULES.calls, years: 1 }), '1 year after the call, then deleted');
  assert.equal(describeRule('conversations', { ...DEFAULT_RETENTION_RULES.conversations, years: 21 }), 'Until the 21st birthday of the youngest child it is about, then deleted');
});

test('every record type has its own address on the pages', () => {
  for (const t of RETENTION_RECORD_TYPES) assert.equal(recordTypeFromSlug(RECORD_TYPE_INFO[t].slug), t, `${t} round-trips`);
  assert.equal(recordTypeFromSlug('people'), undefined, 'an unknown address');
});
