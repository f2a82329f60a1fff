// issue10-A: the checker's canonical text and link hash (the database's own is compared in audit-chain.int.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalText, linkHash, describeResult, GENESIS_HASH, type ChainedEntry } from './audit-chain.js';

const entry: ChainedEntry = {
  seq: '7', event_id: '42', prev_hash: GENESIS_HASH, hash: Buffer.alloc(32),
  id: '42', occurred_at: '2026-11-23T10:00:00.123456Z', authority_id: 'norfolk', actor_user_id: null, actor_service_account_id: null,
  actor_role: 'cads-worker', action: 'person.viewed', entity_type: 'person', entity_id: 'a|b', person_id: null, conversation_id: null,
  details: '{"name": "Zoë"}', ip: '', request_id: '-',
};

test('each field is its length in bytes and its value; null is a dash; so no two entries share a text', () => {
  assert.equal(
    canonicalText(entry),
    'front-door-audit-v1|1:7|2:42|27:2026-11-23T10:00:00.123456Z|7:norfolk|-|-|11:cads-worker|13:person.viewed|6:person|3:a|b|-|-|16:{"name": "Zoë"}|0:|1:-',
  );
  // The empty string and null differ; a value that looks like a separator cannot shift the fields.
  assert.notEqual(canonicalText({ ...entry, ip: null }), canonicalText(entry));
  assert.notEqual(canonicalText({ ...entry, entity_id: 'a', authority_id: 'norfolk|1:b' }), canonicalText(entry));
});

test('a link’s hash is SHA-256 of the previous hash followed by the canonical text in UTF-8', () => {
  const expected = createHash('sha256').update(Buffer.concat([GENESIS_HASH, Buffer.from(canonicalText(entry), 'utf8')])).digest();
  assert.ok(linkHash(GENESIS_HASH, entry).equals(expected), 'the same bytes');
  assert.ok(!linkHash(Buffer.alloc(32, 1), entry).equals(expected), 'another previous hash, another link');
});

test('the report says how many entries are intact, or where the chain broke and what was expected and found', () => {
  assert.equal(describeResult({ ok: true, entries: 0, head: null }), 'chain intact: 0 entries');
  assert.equal(describeResult({ ok: true, entries: 1, head: { seq: 1, hash: 'ab' } }), 'chain intact: 1 entry (head: position 1, hash ab)');
  assert.equal(
    describeResult({ ok: false, entries: 2, break: { seq: 3, entryId: 9, problem: 'content', message: 'Entry 9 (position 3) has been changed since it was written.', expected: 'hash aa', found: 'hash bb' } }),
    'chain broken at entry 9 (position 3): Entry 9 (position 3) has been changed since it was written.\n  expected: hash aa\n  found:    hash bb\n  2 entries before it are intact.',
  );
});
