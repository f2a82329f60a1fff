import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  accumulationRuleSchema,
  accumulationRulesSchema,
  evaluateAccumulation,
  type AccumulationRule,
  type ConversationSummary,
} from './accumulation.js';

const YEAR: AccumulationRule = { kind: 'count-in-window', count: 3, windowDays: 365 };
const WEEK: AccumulationRule = { kind: 'count-in-window', count: 2, windowDays: 7 };
const AFTER_NFA: AccumulationRule = { kind: 'repeat-after-outcome', outcomeCodes: ['no-further-action'], withinDays: 28 };

// Midday in London (BST) on 15 June 2026.
const AS_OF = new Date('2026-06-15T11:00:00Z');

let seq = 0;
function conv(when: string, outcomeCode = 'advice', id?: string): ConversationSummary {
  seq += 1;
  // A bare date means midday UTC that day, which is the same London date all year.
  const occurredAt = new Date(when.length === 10 ? `${when}T12:00:00Z` : when);
  return { id: id ?? `c${seq}-${when.slice(0, 10)}`, occurredAt, outcomeCode };
}

describe('count-in-window over the whole year', () => {
  it('does not fire with too few conversations', () => {
    assert.deepEqual(evaluateAccumulation([conv('2026-01-10'), conv('2026-06-01')], AS_OF, [YEAR]), []);
    assert.deepEqual(evaluateAccumulation([], AS_OF, [YEAR, WEEK, AFTER_NFA]), []);
  });

  it('fires for 3 in the last 12 months and lists them oldest first', () => {
    const history = [conv('2026-06-01', 'advice', 'c'), conv('2025-07-01', 'advice', 'a'), conv('2026-01-10', 'advice', 'b')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [YEAR]), [
      { rule: YEAR, message: '3 conversations in the last 12 months', conversationIds: ['a', 'b', 'c'] },
    ]);
  });

  it('counts every conversation in the period, not just the first 3', () => {
    const history = ['2025-09-01', '2025-12-01', '2026-02-01', '2026-04-01', '2026-06-14'].map((d) => conv(d));
    const [flag] = evaluateAccumulation(history, AS_OF, [YEAR]);
    assert.equal(flag?.message, '5 conversations in the last 12 months');
    assert.equal(flag?.conversationIds.length, 5);
  });

  it('the 12 months are the 365 calendar days ending on the asOf date', () => {
    const justIn = [conv('2025-06-16', 'advice', 'old'), conv('2026-01-10'), conv('2026-06-01')];
    assert.equal(evaluateAccumulation(justIn, AS_OF, [YEAR]).length, 1);
    const justOut = [conv('2025-06-15', 'advice', 'old'), conv('2026-01-10'), conv('2026-06-01')];
    assert.deepEqual(evaluateAccumulation(justOut, AS_OF, [YEAR]), []);
  });

  it('ignores conversations after asOf', () => {
    const history = [conv('2026-01-10'), conv('2026-06-01'), conv('2026-06-15T11:00:01Z')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [YEAR]), []);
    const atAsOf = [conv('2026-01-10'), conv('2026-06-01'), conv('2026-06-15T11:00:00Z')];
    assert.equal(evaluateAccumulation(atAsOf, AS_OF, [YEAR]).length, 1);
  });

  it('honours a longer lookback', () => {
    const rule: AccumulationRule = { kind: 'count-in-window', count: 3, windowDays: 730, lookbackDays: 730 };
    const history = [conv('2024-09-01'), conv('2025-03-01'), conv('2026-01-01')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [YEAR]), []);
    assert.equal(evaluateAccumulation(history, AS_OF, [rule])[0]?.message, '3 conversations in the last 730 days');
  });
});

describe('count-in-window with a short window', () => {
  it('fires for 2 within 7 calendar days (Monday and the following Sunday)', () => {
    const history = [conv('2026-03-02', 'advice', 'mon'), conv('2026-03-08', 'advice', 'sun')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [WEEK]), [
      { rule: WEEK, message: '2 conversations within 7 days of each other in the last 12 months', conversationIds: ['mon', 'sun'] },
    ]);
  });

  it('does not fire for Monday and the following Monday', () => {
    const history = [conv('2026-03-02'), conv('2026-03-09')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [WEEK]), []);
  });

  it('finds a cluster anywhere in the last 12 months, not only the latest week', () => {
    const history = [conv('2025-08-10', 'advice', 'x'), conv('2025-08-12', 'advice', 'y'), conv('2026-06-01', 'advice', 'z')];
    const [flag] = evaluateAccumulation(history, AS_OF, [WEEK]);
    assert.deepEqual(flag?.conversationIds, ['x', 'y']);
  });

  it('ignores a cluster that is older than 12 months', () => {
    const history = [conv('2025-06-01'), conv('2025-06-03'), conv('2026-06-01')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [WEEK]), []);
  });

  it('reports the busiest window and every conversation in any qualifying window', () => {
    const history = [
      conv('2025-11-03', 'advice', 'a'),
      conv('2025-11-05', 'advice', 'b'),
      conv('2025-11-07', 'advice', 'c'),
      conv('2026-01-15', 'advice', 'lonely'),
      conv('2026-04-01', 'advice', 'd'),
      conv('2026-04-02', 'advice', 'e'),
    ];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [WEEK]), [
      {
        rule: WEEK,
        message: '3 conversations within 7 days of each other in the last 12 months',
        conversationIds: ['a', 'b', 'c', 'd', 'e'],
      },
    ]);
  });

  it('uses London dates: 00:30 BST belongs to the next day', () => {
    // 2 May 00:30 BST and 8 May 23:00 BST are 6 London days apart (7 by UTC date).
    const history = [conv('2026-05-01T23:30:00Z'), conv('2026-05-08T22:00:00Z')];
    assert.equal(evaluateAccumulation(history, AS_OF, [WEEK]).length, 1);
    // 1 May 12:00 and 8 May 12:00 are 7 days apart in any time zone.
    assert.deepEqual(evaluateAccumulation([conv('2026-05-01'), conv('2026-05-08')], AS_OF, [WEEK]), []);
  });

  it('treats two conversations on the same day as within the window', () => {
    const history = [conv('2026-06-15T08:00:00Z'), conv('2026-06-15T09:00:00Z')];
    assert.equal(evaluateAccumulation(history, AS_OF, [{ kind: 'count-in-window', count: 2, windowDays: 1 }])[0]?.message,
      '2 conversations within 1 day of each other in the last 12 months');
  });
});

describe('repeat-after-outcome', () => {
  const labels = { outcomeLabels: { 'no-further-action': 'No further action', 'advice-given': 'Advice given' } };

  it('fires when contacted again within 28 days of no further action', () => {
    const history = [conv('2026-05-01', 'no-further-action', 'nfa'), conv('2026-05-29', 'advice', 'again')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [AFTER_NFA], labels), [
      {
        rule: AFTER_NFA,
        message: "Contacted again within 28 days after the outcome 'No further action'",
        conversationIds: ['nfa', 'again'],
      },
    ]);
  });

  it('does not fire 29 days later', () => {
    const history = [conv('2026-05-01', 'no-further-action'), conv('2026-05-30')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [AFTER_NFA]), []);
  });

  it('fires on the same day, if later in the day', () => {
    const history = [conv('2026-06-10T08:00:00Z', 'no-further-action'), conv('2026-06-10T15:00:00Z')];
    assert.equal(evaluateAccumulation(history, AS_OF, [AFTER_NFA]).length, 1);
  });

  it('needs the earlier conversation to have one of the outcomes', () => {
    const wrongOutcome = [conv('2026-05-01', 'early-help'), conv('2026-05-10')];
    assert.deepEqual(evaluateAccumulation(wrongOutcome, AS_OF, [AFTER_NFA]), []);
    // The NFA must come first: an NFA after another conversation is not a repeat.
    const wrongOrder = [conv('2026-05-01', 'advice'), conv('2026-05-10', 'no-further-action')];
    assert.deepEqual(evaluateAccumulation(wrongOrder, AS_OF, [AFTER_NFA]), []);
  });

  it('ignores records with identical timestamps, since their order is unknown', () => {
    const history = [conv('2026-05-01T10:00:00Z', 'no-further-action'), conv('2026-05-01T10:00:00Z')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [AFTER_NFA]), []);
  });

  it('only looks at the last 12 months', () => {
    const history = [conv('2025-06-01', 'no-further-action'), conv('2025-06-10')];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [AFTER_NFA]), []);
  });

  it('counts repeats and names each outcome involved, falling back to the code', () => {
    const rule: AccumulationRule = { kind: 'repeat-after-outcome', outcomeCodes: ['no-further-action', 'advice-given', 'signpost'], withinDays: 28 };
    const history = [
      conv('2025-10-01', 'no-further-action', 'a'),
      conv('2025-10-20', 'advice-given', 'b'),
      conv('2026-03-01', 'signpost', 'c'),
      conv('2026-03-05', 'early-help', 'd'),
      conv('2026-06-01', 'advice', 'e'),
    ];
    assert.deepEqual(evaluateAccumulation(history, AS_OF, [rule], labels), [
      {
        rule,
        message: "Contacted again within 28 days after the outcome 'No further action' or 'signpost' (2 times in the last 12 months)",
        conversationIds: ['a', 'b', 'c', 'd'],
      },
    ]);
  });
});

describe('evaluateAccumulation with several rules', () => {
  it('returns flags in rule order, only for rules that fire', () => {
    const history = [
      conv('2026-01-05', 'no-further-action'),
      conv('2026-01-08'),
      conv('2026-04-20'),
    ];
    const flags = evaluateAccumulation(history, AS_OF, [YEAR, WEEK, AFTER_NFA]);
    assert.deepEqual(
      flags.map((f) => f.rule.kind + ':' + f.message),
      [
        'count-in-window:3 conversations in the last 12 months',
        'count-in-window:2 conversations within 7 days of each other in the last 12 months',
        "repeat-after-outcome:Contacted again within 28 days after the outcome 'no-further-action'",
      ],
    );
  });

  it('throws for invalid dates', () => {
    assert.throws(() => evaluateAccumulation([], new Date('x'), [YEAR]), TypeError);
    assert.throws(() => evaluateAccumulation([{ id: 'a', occurredAt: new Date('x'), outcomeCode: 'advice' }], AS_OF, [YEAR]), TypeError);
  });
});

describe('accumulationRuleSchema', () => {
  it('accepts the example profile configuration', () => {
    const config = [
      { kind: 'count-in-window', count: 3, windowDays: 365 },
      { kind: 'count-in-window', count: 2, windowDays: 7 },
      { kind: 'repeat-after-outcome', outcomeCodes: ['no-further-action'], withinDays: 28 },
    ];
    assert.deepEqual(accumulationRulesSchema.parse(config), config);
  });

  it('rejects unknown kinds, misspelt keys and nonsense numbers', () => {
    const bad: unknown[] = [
      { kind: 'count-in-period', count: 3, windowDays: 365 },
      { kind: 'count-in-window', count: 3, windowdays: 365 },
      { kind: 'count-in-window', count: 3, windowDays: 365, extra: true },
      { kind: 'count-in-window', count: 1, windowDays: 7 },
      { kind: 'count-in-window', count: 2.5, windowDays: 7 },
      { kind: 'count-in-window', count: 2, windowDays: 0 },
      { kind: 'count-in-window', count: 2, windowDays: 400 },
      { kind: 'count-in-window', count: 2, windowDays: 400, lookbackDays: 200 },
      { kind: 'repeat-after-outcome', outcomeCodes: [], withinDays: 28 },
      { kind: 'repeat-after-outcome', outcomeCodes: ['no-further-action'] },
      { kind: 'repeat-after-outcome', outcomeCodes: [''], withinDays: 28 },
    ];
    for (const rule of bad) {
      assert.equal(accumulationRuleSchema.safeParse(rule).success, false, JSON.stringify(rule));
    }
  });

  it('allows a window longer than a year when the lookback is longer too', () => {
    assert.equal(accumulationRuleSchema.safeParse({ kind: 'count-in-window', count: 2, windowDays: 400, lookbackDays: 730 }).success, true);
  });
});
