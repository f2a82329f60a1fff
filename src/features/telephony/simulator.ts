/**
 * A busy period on the phone line, played against a running app over real HTTP: this module plays
 * Twilio (signed voice webhooks, the callers in each Twilio queue, the workers' softphones) and a
 * CTI switch (workers' statuses), on a clock that runs faster than real time. The app is given the
 * same clock, so every time it stores is simulated time, and the report can set what the simulator
 * did beside what the app recorded.
 *
 * Everything random comes from one seeded generator, so a seed gives the same callers (arrival
 * times, options, patience, talk times); what happens to them also depends on how fast the app
 * answers, so two runs agree closely but not always exactly.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { AppContext, Clock } from '../../platform/context.js';
import { createRng } from '../../domain/matching/synthetic.js';
import { TelephonyService } from './telephony.service.js';

export type Rng = ReturnType<typeof createRng>;

// ---------------------------------------------------------------------------------------------
// The clock

/**
 * A clock that runs `speed` times faster than real time from a simulated start: now() is the start
 * plus the real time elapsed since then times `speed`. `set()` moves it to another instant and
 * carries on from there at the same speed (the shape of the test harness's MutableClock).
 */
export class ScaledClock implements Clock {
  private simStart: number;
  private realStart: number;

  constructor(
    start: Date | string,
    readonly speed = 1,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error('The clock speed must be a positive number');
    this.simStart = new Date(start).getTime();
    if (Number.isNaN(this.simStart)) throw new Error(`Not a time: ${String(start)}`);
    this.realStart = performance.now();
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Simulated milliseconds since the epoch, with sub-millisecond precision. */
  nowMs(): number {
    return this.simStart + (performance.now() - this.realStart) * this.speed;
  }

  set(t: Date | string): void {
    this.simStart = new Date(t).getTime();
    this.realStart = performance.now();
  }

  /** Real milliseconds until the clock shows `simMs` (0 if it already has). */
  realMsUntil(simMs: number): number {
    return Math.max(0, (simMs - this.nowMs()) / this.speed);
  }
}

/**
 * Timers on a ScaledClock that can be woken early: one sleeper per actor (a caller, a worker), so
 * an actor waiting for its next turn can be told that something changed (a worker took the call,
 * or the run is stopping).
 */
class Sleeper {
  private timer: NodeJS.Timeout | null = null;
  private resolve: (() => void) | null = null;
  constructor(private readonly clock: ScaledClock) {}

  until(simMs: number): Promise<void> {
    this.wake();
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), this.clock.realMsUntil(simMs));
    });
  }

  wake(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const r = this.resolve;
    this.resolve = null;
    r?.();
  }
}

// ---------------------------------------------------------------------------------------------
// Random callers

/**
 * Arrival times (milliseconds from the start of the period) of exactly `calls` callers in a
 * Poisson process over `periodMs`: given how many arrive, the arrival times of a Poisson process
 * are independent and uniform over the period, so these are sorted uniform draws. The gaps between
 * them are (nearly) exponential with mean periodMs / calls.
 */
export function poissonArrivals(rng: Rng, calls: number, periodMs: number): number[] {
  if (!Number.isInteger(calls) || calls < 0) throw new Error('calls must be a whole number, 0 or more');
  if (!(periodMs > 0)) throw new Error('the period must be longer than nothing');
  return Array.from({ length: calls }, () => rng.next() * periodMs).sort((a, b) => a - b);
}

/** An exponential draw with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

/** A standard normal draw (Box–Muller). */
export function standardNormal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A lognormal draw: `median` × e^(sigma × N(0,1)). */
export function lognormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * standardNormal(rng));
}

/** What a caller does with the menu: the key pressed at each attempt (null: nothing pressed). */
export interface MenuChoice {
  label: string;
  weight: number;
  keys: (string | null)[];
}

export interface CallerBehaviour {
  /** How callers answer the menu; weights need not add up to 1. */
  menuMix: MenuChoice[];
  /** Seconds spent listening to the menu before pressing a key (uniform between the two). */
  pressAfterSeconds: [number, number];
  /** Seconds until a caller who presses nothing is moved on (the whole menu and the Gather timeout). */
  noKeySeconds: [number, number];
  /** Mean of the exponential patience, in seconds, counted from joining the queue. */
  patienceMeanSeconds: number;
  /** Chance that a caller offered a callback presses 1. */
  callbackAcceptProbability: number;
  /** How often Twilio asks the wait URL again while a caller waits. */
  waitPollSeconds: number;
  /** Lognormal talk time: median seconds and sigma; capped. */
  talkMedianSeconds: number;
  talkSigma: number;
  talkMaxSeconds: number;
  wrapUpSeconds: number;
  /** Chance that a caller's number is withheld (they are never offered a callback). */
  withheldProbability: number;
  /** How long a worker whose softphone found nobody waits before trying again. */
  redialSeconds: number;
}

export const DEFAULT_BEHAVIOUR: CallerBehaviour = {
  menuMix: [
    { label: 'no key (new worry)', weight: 0.55, keys: [null] },
    { label: 'option 1', weight: 0.15, keys: ['1'] },
    { label: 'option 2', weight: 0.15, keys: ['2'] },
    { label: 'option 3', weight: 0.1, keys: ['3'] },
    { label: 'a wrong key, then nothing', weight: 0.05, keys: ['9', null] },
  ],
  pressAfterSeconds: [6, 20],
  noKeySeconds: [24, 32],
  patienceMeanSeconds: 240,
  callbackAcceptProbability: 0.4,
  waitPollSeconds: 30,
  talkMedianSeconds: 300,
  talkSigma: 0.5,
  talkMaxSeconds: 45 * 60,
  wrapUpSeconds: 60,
  withheldProbability: 0.05,
  redialSeconds: 2,
};

export interface PlannedCaller {
  index: number;
  callSid: string;
  /** Simulated ms after the start of the period. */
  arrivalMs: number;
  from: string;
  withheld: boolean;
  menu: MenuChoice;
  /** Simulated ms spent in each menu attempt before the key (or its absence) is sent. */
  menuMs: number[];
  patienceMs: number;
  acceptsCallback: boolean;
  talkMs: number;
}

function sidFrom(rng: Rng, prefix: 'CA' | 'AC'): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += Math.floor(rng.next() * 2 ** 32).toString(16).padStart(8, '0');
  return prefix + hex;
}

/** The callers of a run, all drawn up front from the seed. */
export function planCallers(seed: number, calls: number, periodMs: number, behaviour: CallerBehaviour = DEFAULT_BEHAVIOUR, runTag = ''): PlannedCaller[] {
  const rng = createRng(seed);
  const arrivals = poissonArrivals(rng, calls, periodMs);
  const weights = behaviour.menuMix.map((m) => m.weight);
  const between = ([lo, hi]: [number, number]) => (lo + rng.next() * (hi - lo)) * 1000;
  // A run tag keeps CallSids unique when the same seed is played twice against one database.
  const tagRng = createRng(seed ^ hashString(runTag));
  return arrivals.map((arrivalMs, index) => {
    const menu = behaviour.menuMix[rng.weighted(weights)]!;
    const withheld = rng.chance(behaviour.withheldProbability);
    // Ofcom's drama range for mobiles: 07700 900000 to 07700 900999.
    const from = withheld ? 'anonymous' : `+447700900${String(rng.int(0, 999)).padStart(3, '0')}`;
    return {
      index,
      callSid: runTag ? sidFrom(tagRng, 'CA') : sidFrom(rng, 'CA'),
      arrivalMs,
      from,
      withheld,
      menu,
      menuMs: menu.keys.map((k) => (k === null ? between(behaviour.noKeySeconds) : between(behaviour.pressAfterSeconds))),
      patienceMs: exponential(rng, behaviour.patienceMeanSeconds * 1000),
      acceptsCallback: rng.chance(behaviour.callbackAcceptProbability),
      talkMs: Math.min(lognormal(rng, behaviour.talkMedianSeconds, behaviour.talkSigma), behaviour.talkMaxSeconds) * 1000,
    };
  });
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Figures

/** The p-th percentile (0–100) by the nearest-rank method; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round = (x: number, places = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** places) / 10 ** places : null);

export function distribution(values: readonly number[], places = 1) {
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  return {
    n: values.length,
    p50: round(percentile(values, 50), places),
    p90: round(percentile(values, 90), places),
    p95: round(percentile(values, 95), places),
    max: round(values.length ? Math.max(...values) : Number.NaN, places),
    mean: round(mean, places),
  };
}

// ---------------------------------------------------------------------------------------------
// TwiML, read as Twilio would

export interface TwimlSteps {
  gather: { action: string } | null;
  enqueue: { name: string; waitUrl: string | null; action: string | null } | null;
  dialQueue: { name: string; url: string | null } | null;
  hangup: boolean;
  leave: boolean;
  says: string[];
}

function decode(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
}

function attributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([A-Za-z]+)="([^"]*)"/g)) out[m[1]!] = decode(m[2]!);
  return out;
}

/** The parts of a TwiML answer that decide what Twilio does next. */
export function readTwiml(xml: string): TwimlSteps {
  const gather = xml.match(/<Gather\b([^>]*)>/);
  const enqueue = xml.match(/<Enqueue\b([^>]*)>([^<]*)<\/Enqueue>/);
  const queue = xml.match(/<Queue\b([^>]*)>([^<]*)<\/Queue>/);
  return {
    gather: gather ? { action: attributes(gather[1]!).action ?? '' } : null,
    enqueue: enqueue ? { name: decode(enqueue[2]!.trim()), waitUrl: attributes(enqueue[1]!).waitUrl ?? null, action: attributes(enqueue[1]!).action ?? null } : null,
    dialQueue: queue ? { name: decode(queue[2]!.trim()), url: attributes(queue[1]!).url ?? null } : null,
    hangup: /<Hangup\s*\/>/.test(xml),
    leave: /<Leave\s*\/>/.test(xml),
    says: [...xml.matchAll(/<Say\b[^>]*>([^<]*)<\/Say>/g)].map((m) => decode(m[1]!)),
  };
}

// ---------------------------------------------------------------------------------------------
// The simulation

export interface SimulateCallsOptions {
  /** Where the app listens; must be the app's ctx.config.baseUrl, which signatures are checked against. */
  baseUrl: string;
  twilioAuthToken: string;
  /** Twilio account of the calls; a random one unless the app insists on its own (TWILIO_ACCOUNT_SID). */
  twilioAccountSid?: string;
  /** Bearer token of a service account with the role telephony-switch, for the workers' statuses. */
  switchToken: string;
  /** Users who answer calls (cads-worker or team-manager) in the line's authority. */
  workerIds: string[];
  /** The app's clock: arrivals and every wait are timed on it. */
  clock: ScaledClock;
  calls: number;
  simulatedMinutes: number;
  seed: number;
  /** The number dialled (default Norfolk's professionals line, +443448008021). */
  lineNumber?: string;
  authorityId?: string;
  /** The app's context, to read back what it recorded (its wallboard snapshot and the calls). */
  ctx?: AppContext;
  behaviour?: Partial<CallerBehaviour>;
  /** Stop waiting for the last callers this many simulated minutes after the period (default 120). */
  safetyCapMinutes?: number;
  /** Progress lines (default: none); `progressEverySeconds` of real time apart (default 2). */
  log?: (line: string) => void;
  progressEverySeconds?: number;
}

type CallerState = 'arriving' | 'menu' | 'queued' | 'leaving' | 'connecting' | 'connected' | 'done';
export type SimOutcome = 'answered' | 'abandoned' | 'callback' | 'out-of-hours' | 'no-option' | 'failed' | 'unfinished';

interface LiveCaller {
  plan: PlannedCaller;
  state: CallerState;
  outcome: SimOutcome | null;
  queueName: string | null;
  queueAction: string | null;
  offeredAtMs: number | null;
  queuedAtMs: number | null;
  answeredAtMs: number | null;
  endedAtMs: number | null;
  offeredCallback: boolean;
  workerId: string | null;
  sleeper: Sleeper;
  finished: Promise<void>;
  finish: () => void;
}

interface SimWorker {
  id: string;
  state: 'starting' | 'idle' | 'dialing' | 'talking' | 'wrap-up';
  idleSinceMs: number;
  sleeper: Sleeper;
  answered: number;
  statusEvents: number;
}

const KINDS = ['voice', 'menu', 'wait', 'callback', 'queue-result', 'status', 'agent', 'connected', 'worker-status'] as const;
type Kind = (typeof KINDS)[number];

export async function simulateCalls(opts: SimulateCallsOptions) {
  const b: CallerBehaviour = { ...DEFAULT_BEHAVIOUR, ...opts.behaviour };
  const clock = opts.clock;
  const base = opts.baseUrl.replace(/\/$/, '');
  const account = opts.twilioAccountSid ?? 'AC' + randomBytes(16).toString('hex');
  const line = opts.lineNumber ?? '+443448008021';
  const authorityId = opts.authorityId ?? 'norfolk';
  const periodMs = opts.simulatedMinutes * 60_000;
  const runTag = randomBytes(4).toString('hex');
  const plans = planCallers(opts.seed, opts.calls, periodMs, b, runTag);
  const log = opts.log ?? (() => {});

  const latencies = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  const errors: { kind: Kind; status: number; detail: string }[] = [];
  const anomalies: string[] = [];
  let requests = 0;

  /** Posts a signed Twilio webhook to `url` (absolute, as TwiML gives it) and times the answer. */
  async function twilioHook(kind: Kind, url: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
    const absolute = url.startsWith('http') ? url : `${base}${url}`;
    const signature = twilio.getExpectedTwilioSignature(opts.twilioAuthToken, absolute, params);
    return timed(kind, absolute, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
  }

  async function timed(kind: Kind, url: string, init: RequestInit): Promise<{ status: number; body: string }> {
    requests += 1;
    const t = performance.now();
    let status = 0;
    let body = '';
    try {
      const res = await fetch(url, init);
      body = await res.text();
      status = res.status;
    } catch (e) {
      body = e instanceof Error ? e.message : String(e);
    }
    latencies.get(kind)!.push(performance.now() - t);
    if (status === 0 || status >= 400) errors.push({ kind, status, detail: body.slice(0, 300) });
    return { status, body };
  }

  let eventSeq = 0;
  async function setWorkerStatus(w: SimWorker, status: 'available' | 'offline') {
    w.statusEvents += 1;
    const res = await timed('worker-status', `${base}/api/v1/telephony/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.switchToken}` },
      body: JSON.stringify({ type: 'worker.status', eventId: `sim-${runTag}-${++eventSeq}`, worker: w.id, status }),
    });
    if (res.status !== 202) anomalies.push(`worker ${w.id}: status ${status} answered ${res.status}`);
  }

  // Twilio's queues, as Twilio keeps them: first in, first out, per queue name.
  const fifos = new Map<string, LiveCaller[]>();
  const queued = () => {
    let n = 0;
    for (const q of fifos.values()) n += q.length;
    return n;
  };
  const removeFromQueue = (c: LiveCaller) => {
    const q = c.queueName ? fifos.get(c.queueName) : undefined;
    const i = q ? q.indexOf(c) : -1;
    if (i >= 0) q!.splice(i, 1);
  };

  let stopping = false;
  const pending = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const callers: LiveCaller[] = plans.map((plan) => {
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    return {
      plan, state: 'arriving', outcome: null, queueName: null, queueAction: null, offeredAtMs: null, queuedAtMs: null, answeredAtMs: null, endedAtMs: null,
      offeredCallback: false, workerId: null, sleeper: new Sleeper(clock), finished, finish,
    };
  });

  const end = (c: LiveCaller, outcome: SimOutcome) => {
    if (c.state === 'done') return;
    c.state = 'done';
    c.outcome = outcome;
    c.endedAtMs = clock.nowMs();
    c.finish();
  };

  const secondsSince = (ms: number | null) => String(Math.max(0, Math.round((clock.nowMs() - (ms ?? clock.nowMs())) / 1000)));

  /** The caller's side: ring, hear the menu, wait (polling the wait URL), hang up or take a callback. */
  async function caller(c: LiveCaller, startMs: number): Promise<void> {
    await c.sleeper.until(startMs + c.plan.arrivalMs);
    if (stopping) return end(c, 'unfinished');
    const sid = c.plan.callSid;
    c.offeredAtMs = clock.nowMs();
    c.state = 'menu';
    let res = await twilioHook('voice', '/telephony/twilio/voice', { CallSid: sid, AccountSid: account, From: c.plan.from, To: line, CallStatus: 'ringing', Direction: 'inbound' });
    let twiml = readTwiml(res.body);
    let attempt = 0;
    while (res.status === 200 && twiml.gather && !twiml.enqueue) {
      await c.sleeper.until(clock.nowMs() + (c.plan.menuMs[Math.min(attempt, c.plan.menuMs.length - 1)] ?? 10_000));
      const key = c.plan.menu.keys[attempt] ?? null;
      attempt += 1;
      res = await twilioHook('menu', twiml.gather.action, { CallSid: sid, AccountSid: account, ...(key === null ? {} : { Digits: key }) });
      twiml = readTwiml(res.body);
    }
    if (res.status !== 200) {
      anomalies.push(`call ${sid}: the ${attempt ? 'menu' : 'voice'} webhook answered ${res.status}`);
      await twilioHook('status', '/telephony/twilio/status', { CallSid: sid, AccountSid: account, CallStatus: 'failed' });
      return end(c, 'failed');
    }
    if (!twiml.enqueue) {
      // Said something and hung up: closed (out of hours) at the first step, or no option chosen.
      await twilioHook('status', '/telephony/twilio/status', { CallSid: sid, AccountSid: account, CallStatus: 'completed' });
      return end(c, attempt === 0 ? 'out-of-hours' : 'no-option');
    }

    // In the queue: Twilio asks the wait URL straight away and then each time the hold music ends.
    c.state = 'queued';
    c.queueName = twiml.enqueue.name;
    c.queueAction = twiml.enqueue.action;
    c.queuedAtMs = clock.nowMs();
    const waitUrl = twiml.enqueue.waitUrl;
    if (!fifos.has(c.queueName)) fifos.set(c.queueName, []);
    fifos.get(c.queueName)!.push(c);
    dispatch();

    const patienceAt = c.queuedAtMs + c.plan.patienceMs;
    let nextPoll = c.queuedAtMs;
    let decided = false;
    while (c.state === 'queued') {
      if (clock.nowMs() < Math.min(nextPoll, patienceAt) && !stopping) await c.sleeper.until(Math.min(nextPoll, patienceAt));
      if (c.state !== 'queued') break;
      if (stopping || clock.nowMs() >= patienceAt) {
        // Out of patience: the caller hangs up while waiting.
        c.state = 'leaving';
        removeFromQueue(c);
        dispatch();
        await twilioHook('queue-result', c.queueAction ?? '/telephony/twilio/queue-result', { CallSid: sid, AccountSid: account, QueueResult: 'hangup', QueueTime: secondsSince(c.queuedAtMs) });
        await twilioHook('status', '/telephony/twilio/status', { CallSid: sid, AccountSid: account, CallStatus: 'completed' });
        return end(c, stopping ? 'unfinished' : 'abandoned');
      }
      nextPoll += b.waitPollSeconds * 1000;
      if (!waitUrl) continue;
      const fifo = fifos.get(c.queueName)!;
      const hold = await twilioHook('wait', waitUrl, {
        CallSid: sid, AccountSid: account, QueueSid: 'QU' + '0'.repeat(32), QueueTime: secondsSince(c.queuedAtMs),
        QueuePosition: String(fifo.indexOf(c) + 1), CurrentQueueSize: String(fifo.length),
      });
      if (c.state !== 'queued') break;
      const offer = readTwiml(hold.body).gather;
      if (offer && !decided) {
        decided = true;
        c.offeredCallback = true;
        if (c.plan.acceptsCallback) {
          c.state = 'leaving';
          removeFromQueue(c);
          dispatch();
          const cb = await twilioHook('callback', offer.action, { CallSid: sid, AccountSid: account, Digits: '1' });
          if (!readTwiml(cb.body).leave) anomalies.push(`call ${sid}: pressing 1 for a callback did not leave the queue (${cb.status})`);
          const thanks = await twilioHook('queue-result', c.queueAction ?? '/telephony/twilio/queue-result', { CallSid: sid, AccountSid: account, QueueResult: 'leave', QueueTime: secondsSince(c.queuedAtMs) });
          if (!readTwiml(thanks.body).hangup) anomalies.push(`call ${sid}: after leaving for a callback the caller was not thanked and hung up`);
          await twilioHook('status', '/telephony/twilio/status', { CallSid: sid, AccountSid: account, CallStatus: 'completed' });
          return end(c, 'callback');
        }
      }
    }
    // A worker took the call: their side ends it.
    await c.finished;
  }

  const workers: SimWorker[] = opts.workerIds.map((id) => ({ id, state: 'starting', idleSinceMs: 0, sleeper: new Sleeper(clock), answered: 0, statusEvents: 0 }));
  let dialing = 0;
  let redial: NodeJS.Timeout | null = null;

  /** Puts idle workers' softphones on while callers wait that no softphone is already reaching for. */
  function dispatch(): void {
    if (stopping) return;
    while (queued() - dialing > 0) {
      const idle = workers.filter((w) => w.state === 'idle').sort((x, y) => x.idleSinceMs - y.idleSinceMs);
      const w = idle[0];
      if (!w) return;
      w.state = 'dialing';
      dialing += 1;
      void track(agent(w));
    }
  }

  function redialLater(): void {
    if (redial || stopping) return;
    redial = setTimeout(() => {
      redial = null;
      dispatch();
    }, clock.realMsUntil(clock.nowMs() + b.redialSeconds * 1000));
  }

  /** A worker's softphone asks for the next caller, Twilio bridges the first in that queue, they talk, wrap up. */
  async function agent(w: SimWorker): Promise<void> {
    const res = await twilioHook('agent', '/telephony/twilio/agent', { CallSid: 'CA' + randomBytes(16).toString('hex'), AccountSid: account, From: `client:${w.id}` });
    dialing -= 1;
    const dial = readTwiml(res.body).dialQueue;
    const c = dial ? fifos.get(dial.name)?.shift() : undefined;
    if (!dial || !c || !dial.url) {
      // Nobody in the queue the app named (the caller has just left, or another softphone took them).
      w.state = 'idle';
      redialLater();
      return;
    }
    c.state = 'connecting';
    c.sleeper.wake();
    const connected = await twilioHook('connected', dial.url, { CallSid: c.plan.callSid, AccountSid: account, DequeueingCallSid: 'CA' + randomBytes(16).toString('hex'), QueueTime: secondsSince(c.queuedAtMs) });
    if (connected.status !== 200) {
      anomalies.push(`call ${c.plan.callSid}: connecting it to worker ${w.id} answered ${connected.status}`);
      await twilioHook('status', '/telephony/twilio/status', { CallSid: c.plan.callSid, AccountSid: account, CallStatus: 'failed' });
      end(c, 'failed');
      w.state = 'idle';
      w.idleSinceMs = clock.nowMs();
      dispatch();
      return;
    }
    c.state = 'connected';
    c.answeredAtMs = clock.nowMs();
    c.workerId = w.id;
    w.state = 'talking';
    w.answered += 1;
    if (!stopping) await w.sleeper.until(clock.nowMs() + c.plan.talkMs);
    // The conversation is over: Twilio reports the bridged queue call and the call's completion.
    await twilioHook('queue-result', c.queueAction ?? '/telephony/twilio/queue-result', { CallSid: c.plan.callSid, AccountSid: account, QueueResult: 'bridged', QueueTime: String(Math.round((c.answeredAtMs - c.queuedAtMs!) / 1000)) });
    await twilioHook('status', '/telephony/twilio/status', { CallSid: c.plan.callSid, AccountSid: account, CallStatus: 'completed', CallDuration: secondsSince(c.offeredAtMs) });
    end(c, 'answered');
    w.state = 'wrap-up';
    if (!stopping) await w.sleeper.until(clock.nowMs() + b.wrapUpSeconds * 1000);
    await setWorkerStatus(w, 'available');
    w.state = 'idle';
    w.idleSinceMs = clock.nowMs();
    dispatch();
  }

  // --- Run -----------------------------------------------------------------------------------
  const realStart = performance.now();
  const startMs = clock.nowMs();
  log(`simulating ${opts.calls} calls over ${opts.simulatedMinutes} simulated minutes at ${clock.speed}× with ${workers.length} workers (seed ${opts.seed}), from ${new Date(startMs).toISOString()}`);

  await Promise.all(workers.map((w) => setWorkerStatus(w, 'available')));
  for (const w of workers) {
    w.state = 'idle';
    w.idleSinceMs = clock.nowMs();
  }

  const progress = setInterval(() => {
    const count = (s: SimOutcome) => callers.filter((c) => c.outcome === s).length;
    const simMin = (clock.nowMs() - startMs) / 60_000;
    log(
      `t+${simMin.toFixed(1)} sim min: offered ${callers.filter((c) => c.offeredAtMs !== null).length}/${callers.length}, waiting ${queued()}, ` +
        `talking ${workers.filter((w) => w.state === 'talking').length}/${workers.length}, answered ${callers.filter((c) => c.answeredAtMs !== null).length}, ` +
        `abandoned ${count('abandoned')}, callbacks ${count('callback')}, webhooks ${requests}`,
    );
  }, (opts.progressEverySeconds ?? 2) * 1000);

  const capMs = startMs + periodMs + (opts.safetyCapMinutes ?? 120) * 60_000;
  const cap = setTimeout(() => {
    stopping = true;
    log('safety cap reached: ending the calls still going');
    for (const c of callers) c.sleeper.wake();
    for (const w of workers) w.sleeper.wake();
  }, clock.realMsUntil(capMs));

  try {
    await Promise.all(callers.map((c) => track(caller(c, startMs))));
    // The last workers wrap up and become available again.
    while (pending.size) await Promise.all([...pending]);
  } finally {
    clearInterval(progress);
    clearTimeout(cap);
    if (redial) clearTimeout(redial);
    for (const c of callers) c.sleeper.wake();
    for (const w of workers) w.sleeper.wake();
  }
  const realMs = performance.now() - realStart;
  const endMs = clock.nowMs();

  // --- What the simulator saw --------------------------------------------------------------
  const count = (s: SimOutcome) => callers.filter((c) => c.outcome === s).length;
  const answered = callers.filter((c) => c.outcome === 'answered');
  const answerSeconds = answered.map((c) => (c.answeredAtMs! - c.queuedAtMs!) / 1000);
  const offered = callers.filter((c) => c.offeredAtMs !== null).length;
  const outOfHours = count('out-of-hours');
  const abandoned = count('abandoned');
  const inHours = offered - outOfHours;
  const within60 = answerSeconds.filter((s) => s <= 60).length;
  const webhookLatencyMs = Object.fromEntries(
    KINDS.filter((k) => latencies.get(k)!.length).map((k) => {
      const d = distribution(latencies.get(k)!, 2);
      return [k, { n: d.n, p50: d.p50, p95: d.p95, max: d.max }];
    }),
  );
  const all = [...latencies.values()].flat();
  const simulator = {
    offered,
    answered: answered.length,
    abandoned,
    callbacks: count('callback'),
    outOfHours,
    noOption: count('no-option'),
    failed: count('failed'),
    unfinished: count('unfinished'),
    offeredACallback: callers.filter((c) => c.offeredCallback).length,
    menuChoices: Object.fromEntries(b.menuMix.map((m) => [m.label, callers.filter((c) => c.plan.menu === m).length])),
    answerTimeSeconds: distribution(answerSeconds),
    abandonmentRate: inHours ? round(abandoned / inHours, 3) : null,
    abandonmentRateDefinition: 'abandoned ÷ calls offered in opening hours',
    answeredWithin60sPercent: answered.length ? round((within60 / answered.length) * 100) : null,
    answeredWithin60sPercentOfAnsweredAndAbandoned: answered.length + abandoned ? round((within60 / (answered.length + abandoned)) * 100) : null,
    callsPerWorker: distribution(workers.map((w) => w.answered), 0),
  };

  const report = {
    parameters: {
      calls: opts.calls, simulatedMinutes: opts.simulatedMinutes, workers: workers.length, speed: clock.speed, seed: opts.seed, line,
      behaviour: { ...b, menuMix: b.menuMix.map((m) => ({ label: m.label, weight: m.weight })) },
    },
    simulatedStart: new Date(startMs).toISOString(),
    simulatedEnd: new Date(endMs).toISOString(),
    simulatedMinutesElapsed: round((endMs - startMs) / 60_000, 2),
    realDurationSeconds: round(realMs / 1000, 2),
    safetyCapReached: stopping,
    ...simulator,
    webhooks: { requests, errors: errors.length, firstErrors: errors.slice(0, 5) },
    webhookLatencyMs: { all: (({ n, p50, p95, max }) => ({ n, p50, p95, max }))(distribution(all, 2)), ...webhookLatencyMs },
    anomalies: anomalies.slice(0, 20),
    anomalyCount: anomalies.length,
    app: opts.ctx ? await appFigures(opts.ctx, authorityId, callers, opts.workerIds, simulator) : null,
  };
  return report;
}

export type SimulationReport = Awaited<ReturnType<typeof simulateCalls>>;

/**
 * What the app recorded, read back: its wallboard snapshot, and the simulator's own calls in the
 * database; then each figure beside the simulator's, and every call whose outcome differs.
 */
async function appFigures(
  ctx: AppContext,
  authorityId: string,
  callers: LiveCaller[],
  workerIds: string[],
  sim: { offered: number; answered: number; abandoned: number; callbacks: number; outOfHours: number },
) {
  const snapshot = await new TelephonyService(ctx).snapshot(authorityId);
  const sids = callers.filter((c) => c.offeredAtMs !== null).map((c) => c.plan.callSid);
  const rows = sids.length
    ? await ctx.db.selectFrom('calls').select(['id', 'external_id', 'state', 'outcome', 'queued_at', 'answered_at', 'worker_id']).where('source', '=', 'twilio').where('external_id', 'in', sids).execute()
    : [];
  const callbacks = rows.length
    ? Number((await ctx.db.selectFrom('callbacks').select((eb) => eb.fn.countAll<number>().as('n')).where('call_id', 'in', rows.map((r) => r.id)).executeTakeFirstOrThrow()).n)
    : 0;
  const presence = workerIds.length ? await ctx.db.selectFrom('worker_presence').select(['user_id', 'status']).where('user_id', 'in', workerIds).execute() : [];

  const outcomes: Record<string, number> = {};
  for (const r of rows) outcomes[r.outcome ?? `(still ${r.state})`] = (outcomes[r.outcome ?? `(still ${r.state})`] ?? 0) + 1;
  const answerSeconds = rows.filter((r) => r.answered_at && r.queued_at).map((r) => (new Date(r.answered_at!).getTime() - new Date(r.queued_at!).getTime()) / 1000);
  const bySid = new Map(rows.map((r) => [r.external_id, r]));
  const mismatches: string[] = [];
  const answerDiffs: number[] = [];
  for (const c of callers) {
    if (c.offeredAtMs === null) continue;
    const r = bySid.get(c.plan.callSid);
    if (!r) {
      mismatches.push(`${c.plan.callSid}: simulator ${c.outcome}, not in the app`);
      continue;
    }
    if (r.outcome !== c.outcome) mismatches.push(`${c.plan.callSid}: simulator ${c.outcome}, app ${r.outcome ?? `still ${r.state}`}`);
    if (c.outcome === 'answered' && r.answered_at && r.queued_at && c.answeredAtMs && c.queuedAtMs) {
      const app = (new Date(r.answered_at).getTime() - new Date(r.queued_at).getTime()) / 1000;
      answerDiffs.push(Math.abs(app - (c.answeredAtMs - c.queuedAtMs) / 1000));
      if (r.worker_id !== c.workerId) mismatches.push(`${c.plan.callSid}: answered by ${c.workerId} in the simulator, by ${r.worker_id} in the app`);
    }
  }

  const fromDb = {
    offered: rows.length,
    answered: outcomes.answered ?? 0,
    abandoned: outcomes.abandoned ?? 0,
    callbacks,
    outOfHours: outcomes['out-of-hours'] ?? 0,
  };
  const compare = (name: keyof typeof fromDb, snap: number) => ({ simulator: sim[name], appCalls: fromDb[name], appWallboard: snap, agrees: sim[name] === fromDb[name] && fromDb[name] === snap });
  const figures = {
    offered: compare('offered', snapshot.today.offered),
    answered: compare('answered', snapshot.today.answered),
    abandoned: compare('abandoned', snapshot.today.abandoned),
    callbacks: compare('callbacks', snapshot.today.callbacksRequested),
    outOfHours: compare('outOfHours', snapshot.today.outOfHours),
  };
  const disagreements: string[] = [];
  for (const [k, v] of Object.entries(figures)) {
    if (!v.agrees) disagreements.push(`${k}: simulator ${v.simulator}, app's calls ${v.appCalls}, wallboard today ${v.appWallboard}`);
  }
  const stillLive = rows.filter((r) => r.state !== 'ended').length;
  if (stillLive) disagreements.push(`${stillLive} of the simulator's calls are not ended in the app`);
  if (snapshot.waitingCalls.length) disagreements.push(`the wallboard still shows ${snapshot.waitingCalls.length} calls waiting`);
  const notAvailable = presence.filter((p) => p.status !== 'available');
  if (notAvailable.length) disagreements.push(`${notAvailable.length} workers are not available at the end: ${notAvailable.map((p) => p.status).join(', ')}`);
  if (mismatches.length) disagreements.push(`${mismatches.length} calls have another outcome in the app than in the simulator`);
  const maxDiff = answerDiffs.length ? Math.max(...answerDiffs) : 0;

  return {
    wallboard: { asOf: snapshot.asOf, today: snapshot.today, waitingNow: snapshot.waitingCalls.length, callbacksWaiting: snapshot.callbacks.length, workerCounts: snapshot.workerCounts },
    calls: { ...fromDb, outcomes, answerTimeSeconds: distribution(answerSeconds) },
    workerPresenceAtEnd: Object.fromEntries([...new Set(presence.map((p) => p.status))].map((s) => [s, presence.filter((p) => p.status === s).length])),
    figures,
    answerTimeDifferenceSeconds: {
      note: 'per answered call: |app (answered_at − queued_at) − simulator (put through − joined the queue)|, from webhook latency × clock speed',
      mean: round(answerDiffs.length ? answerDiffs.reduce((a, x) => a + x, 0) / answerDiffs.length : 0, 2),
      max: round(maxDiff, 2),
    },
    outcomeMismatches: mismatches.slice(0, 20),
    agrees: disagreements.length === 0,
    disagreements,
  };
}
