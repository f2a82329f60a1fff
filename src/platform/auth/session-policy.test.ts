import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionState, type SessionAuth } from './session-policy.js';

// issue10-D: when a session may go on.
const rules = { sessionIdleMinutes: 30, sessionMaxHours: 12 };
const MIN = 60_000;
const auth = (over: Partial<SessionAuth> = {}): SessionAuth => ({ method: 'local', signedInAt: 0, authenticatedAt: 0, lastSeenAt: 0, generation: 3, ...over });

test('a session goes on while used, ends after the idle time, and ends at the absolute limit however busy', () => {
  assert.equal(sessionState(auth(), 3, 29 * MIN, rules), 'ok', '29 minutes idle');
  assert.equal(sessionState(auth(), 3, 30 * MIN, rules), 'idle', '30 minutes idle');
  assert.equal(sessionState(auth({ lastSeenAt: 12 * 60 * MIN - MIN }), 3, 12 * 60 * MIN - 1, rules), 'ok', 'busy, just under 12 hours');
  assert.equal(sessionState(auth({ lastSeenAt: 12 * 60 * MIN - MIN }), 3, 12 * 60 * MIN, rules), 'absolute', 'busy, 12 hours');
});

test('a session from an older generation, or without bookkeeping, has ended', () => {
  assert.equal(sessionState(auth({ generation: 2 }), 3, MIN, rules), 'ended', 'signed out everywhere since');
  assert.equal(sessionState(undefined, 0, MIN, rules), 'ended', 'a session from before these rules');
});
