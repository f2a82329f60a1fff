import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRng } from '../../domain/matching/synthetic.js';
import { DEFAULT_BEHAVIOUR, ScaledClock, distribution, exponential, lognormal, percentile, planCallers, poissonArrivals, readTwiml } from './simulator.js';
import { dequeueTwiml, holdTwiml, sayAndThen, stepToTwiml } from './twiml.js';
import { readAuthorityProfiles } from '../../platform/authorities.js';

describe('poissonArrivals', () => {
  it('gives exactly the number of callers asked for, in order, inside the period', () => {
    const times = poissonArrivals(createRng(7), 300, 600_000);
    assert.equal(times.length, 300);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!);
    assert.ok(times[0]! >= 0 && times[299]! < 600_000);
  });

  it('is the same for the same seed and different for another', () => {
    assert.deepEqual(poissonArrivals(createRng(1), 50, 60_000), poissonArrivals(createRng(1), 50, 60_000));
    assert.notDeepEqual(poissonArrivals(createRng(1), 50, 60_000), poissonArrivals(createRng(2), 50, 60_000));
  });

  it('spreads arrivals evenly over the period with exponential gaps (a Poisson process)', () => {
    const n = 20_000;
    const period = 1_000_000;
    const times = poissonArrivals(createRng(42), n, period);
    // Even: each tenth of the period gets about a tenth of the callers.
    const bins = Array.from({ length: 10 }, () => 0);
    for (const t of times) bins[Math.floor(t / (period / 10))]! += 1;
    for (const b of bins) assert.ok(Math.abs(b - n / 10) < n / 10 * 0.06, `bin of ${b}`);
    // Exponential gaps: mean period / n, and standard deviation equal to the mean (CV 1).
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    assert.ok(Math.abs(mean - period / n) / (period / n) < 0.02, `mean gap ${mean}`);
    assert.ok(Math.abs(sd / mean - 1) < 0.05, `coefficient of variation ${sd / mean}`);
    // Memoryless: about e^-1 of gaps are longer than the mean.
    const longer = gaps.filter((g) => g > mean).length / gaps.length;
    assert.ok(Math.abs(longer - Math.exp(-1)) < 0.02, `share of gaps longer than the mean ${longer}`);
  });

  it('refuses nonsense', () => {
    assert.throws(() => poissonArrivals(createRng(1), -1, 1000));
    assert.throws(() => poissonArrivals(createRng(1), 1.5, 1000));
    assert.throws(() => poissonArrivals(createRng(1), 10, 0));
    assert.deepEqual(poissonArrivals(createRng(1), 0, 1000), []);
  });
});

describe('random draws', () => {
  it('exponential has the mean asked for', () => {
    const r = createRng(3);
    const xs = Array.from({ length: 20_000 }, () => exponential(r, 240));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean - 240) < 240 * 0.03, `mean ${mean}`);
    assert.ok(xs.every((x) => x >= 0));
  });

  it('lognormal has the median asked for and a long right tail', () => {
    const r = createRng(4);
    const xs = Array.from({ length: 20_000 }, () => lognormal(r, 300, 0.5));
    assert.ok(Math.abs(percentile(xs, 50) - 300) < 300 * 0.03, `median ${percentile(xs, 50)}`);
    // e^(1.645 × 0.5) ≈ 2.28 times the median at the 95th percentile.
    assert.ok(Math.abs(percentile(xs, 95) / 300 - Math.exp(1.645 * 0.5)) < 0.1, `p95 ${percentile(xs, 95)}`);
    assert.ok(xs.every((x) => x > 0));
  });
});

describe('percentile (nearest rank)', () => {
  const ten = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  it('picks the value at rank ceil(p/100 × n), whatever order the values come in', () => {
    assert.equal(percentile(ten, 50), 5);
    assert.equal(percentile(ten, 90), 9);
    assert.equal(percentile(ten, 95), 10);
    assert.equal(percentile(ten, 100), 10);
    assert.equal(percentile(ten, 0), 1);
    assert.equal(percentile(ten, 51), 6);
    assert.equal(percentile([42], 95), 42);
  });

  it('is NaN for nothing, and leaves its input alone', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    const xs = [3, 1, 2];
    percentile(xs, 50);
    assert.deepEqual(xs, [3, 1, 2]);
  });

  it('distribution sums up a sample', () => {
    assert.deepEqual(distribution(ten), { n: 10, p50: 5, p90: 9, p95: 10, max: 10, mean: 5.5 });
    assert.deepEqual(distribution([]), { n: 0, p50: null, p90: null, p95: null, max: null, mean: null });
  });
});

describe('planCallers', () => {
  it('draws the same callers from the same seed, with valid CallSids and numbers', () => {
    const a = planCallers(1, 200, 600_000);
    const b = planCallers(1, 200, 600_000);
    assert.deepEqual(a, b);
    assert.equal(new Set(a.map((c) => c.callSid)).size, 200);
    for (const c of a) {
      assert.match(c.callSid, /^CA[0-9a-f]{32}$/);
      assert.ok(c.from === 'anonymous' ? c.withheld : /^\+447700900\d{3}$/.test(c.from));
      assert.equal(c.menuMs.length, c.menu.keys.length);
      assert.ok(c.talkMs > 0 && c.talkMs <= DEFAULT_BEHAVIOUR.talkMaxSeconds * 1000);
    }
  });

  it('a run tag changes the CallSids but not the callers', () => {
    const a = planCallers(1, 20, 60_000, DEFAULT_BEHAVIOUR, 'run-a');
    const b = planCallers(1, 20, 60_000, DEFAULT_BEHAVIOUR, 'run-b');
    assert.notDeepEqual(a.map((c) => c.callSid), b.map((c) => c.callSid));
    assert.deepEqual(a.map((c) => [c.arrivalMs, c.menu.label, c.patienceMs]), b.map((c) => [c.arrivalMs, c.menu.label, c.patienceMs]));
  });

  it('chooses menu options in the configured mix', () => {
    const callers = planCallers(9, 10_000, 600_000);
    for (const m of DEFAULT_BEHAVIOUR.menuMix) {
      const share = callers.filter((c) => c.menu === m).length / callers.length;
      assert.ok(Math.abs(share - m.weight) < 0.02, `${m.label}: ${share}`);
    }
    const accepts = callers.filter((c) => c.acceptsCallback).length / callers.length;
    assert.ok(Math.abs(accepts - 0.4) < 0.02, `callback acceptance ${accepts}`);
  });
});

describe('readTwiml, on the TwiML the app builds', () => {
  const norfolk = readAuthorityProfiles().find((p) => p.id === 'norfolk')!;
  const urls = { menu: 'http://127.0.0.1:1/telephony/twilio/menu?attempt=2', wait: 'http://127.0.0.1:1/telephony/twilio/wait', queueResult: 'http://127.0.0.1:1/telephony/twilio/queue-result' };

  it('finds the menu’s Gather action', () => {
    const t = readTwiml(stepToTwiml(norfolk, { kind: 'menu', prompts: [{ say: 'Press 1 & wait' }], options: [] }, urls));
    assert.equal(t.gather?.action, urls.menu);
    assert.deepEqual(t.says, ['Press 1 & wait']);
    assert.equal(t.enqueue, null);
  });

  it('finds the queue, its wait URL and its action', () => {
    const t = readTwiml(stepToTwiml(norfolk, { kind: 'enqueue', queue: 'consultation', prompts: [] }, urls));
    assert.deepEqual(t.enqueue, { name: 'norfolk.consultation', waitUrl: urls.wait, action: urls.queueResult });
  });

  it('finds the queue a softphone dials, with an escaped URL read back whole', () => {
    const t = readTwiml(dequeueTwiml('norfolk.allocated', 'http://127.0.0.1:1/telephony/twilio/connected?worker=abc&x=1'));
    assert.deepEqual(t.dialQueue, { name: 'norfolk.allocated', url: 'http://127.0.0.1:1/telephony/twilio/connected?worker=abc&x=1' });
  });

  it('tells a callback offer, a Leave and a Hangup apart', () => {
    assert.equal(readTwiml(holdTwiml(norfolk, [{ say: 'Press 1' }], 'http://h/callback')).gather?.action, 'http://h/callback');
    assert.equal(readTwiml(holdTwiml(norfolk, [{ say: 'Hold' }], null)).gather, null);
    assert.equal(readTwiml(sayAndThen(norfolk, [], 'leave')).leave, true);
    const bye = readTwiml(sayAndThen(norfolk, [{ say: 'Goodbye' }], 'hangup'));
    assert.equal(bye.hangup, true);
    assert.equal(bye.leave, false);
  });
});

describe('ScaledClock', () => {
  it('runs speed times faster than real time from its start, and set() moves it', async () => {
    const clock = new ScaledClock('2026-11-23T09:30:00Z', 100);
    const t0 = clock.nowMs();
    const real0 = performance.now();
    await sleep(50);
    const elapsedSim = clock.nowMs() - t0;
    const elapsedReal = performance.now() - real0;
    assert.ok(Math.abs(elapsedSim - elapsedReal * 100) < 100 * 5, `${elapsedSim} simulated ms in ${elapsedReal} real ms`);
    clock.set('2026-11-23T12:00:00Z');
    assert.ok(clock.now().getTime() - Date.parse('2026-11-23T12:00:00Z') < 100 * 5);
    assert.ok(Math.abs(clock.realMsUntil(clock.nowMs() + 60_000) - 600) < 5);
    assert.equal(clock.realMsUntil(0), 0);
  });

  it('refuses a speed that is not positive', () => {
    assert.throws(() => new ScaledClock('2026-11-23T09:30:00Z', 0));
    assert.throws(() => new ScaledClock('not a time', 1));
  });
});
