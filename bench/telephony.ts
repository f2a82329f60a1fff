/**
 * The phone line under load (BENCH_ONLY=telephony):
 *
 * - Webhook to TwiML: real HTTP on loopback to a listening app, N incoming-call flows (Twilio's
 *   voice webhook, then the menu webhook with no key pressed, which queues the call), one after
 *   another and 16 at a time; latency per webhook kind.
 * - SSE fan-out: 200 wallboards (event streams on /phone/events, signed in) spread over two app
 *   instances on one database, so the change reaches the second instance by LISTEN/NOTIFY; then,
 *   round after round, one webhook that puts a call in the queue, timed from sending it until every
 *   stream has received a snapshot with the call waiting. The same with one instance, and on the
 *   embedded engine, which has no notifications (its instances find changes by polling).
 *
 * Each engine gets a fresh schema, dropped afterwards. The app runs in this process, on a clock
 * pinned inside Norfolk's opening hours (a ScaledClock at real speed from Monday 10:00 London).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createServer } from '../src/server.js';
import { openDatabase } from '../src/platform/db/database.js';
import { ScaledClock, readTwiml } from '../src/features/telephony/simulator.js';
import { createUser, TEST_PASSWORD } from '../test/support/harness.js';
import { openBenchContext, type BenchContext, type EngineName } from './engine.js';
import { msSince, now, rng, summarise, us, type Summary } from './stats.js';

export interface TelephonyBenchConfig {
  /** Timed incoming-call flows per concurrency level, after `warmupFlows` untimed ones. */
  flows: number;
  warmupFlows: number;
  levels: number[];
  sseClients: number;
  sseRounds: number;
  /** How many app instances to spread the streams over, one measurement each. */
  sseInstances: number[];
  /**
   * A random pause (0 to this many ms) before each timed webhook. Where instances find changes by
   * polling, a change made straight after the previous one was seen would always land just after a
   * poll and wait the whole period: the pause spreads changes over the polling cycle, as real calls are.
   */
  ssePhaseJitterMs: number;
  poolSize: number;
  /** Said in the results when the counts are smaller than PostgreSQL's. */
  reducedSamples?: string;
}

export const TELEPHONY_CONFIG: Record<EngineName, TelephonyBenchConfig> = {
  postgresql: { flows: 1000, warmupFlows: 50, levels: [1, 16], sseClients: 200, sseRounds: 50, sseInstances: [2, 1], ssePhaseJitterMs: 0, poolSize: 10 },
  // One connection, as the app uses on this engine (ADR 0003); a second instance would be a second
  // pool on the same single backend session, which the app never does, so only one instance.
  embedded: { flows: 300, warmupFlows: 20, levels: [1, 16], sseClients: 200, sseRounds: 30, sseInstances: [1], ssePhaseJitterMs: 500, poolSize: 1,
    reducedSamples: '300 flows per concurrency level (PostgreSQL: 1,000) and 30 SSE rounds (PostgreSQL: 50), to keep the telephony benchmark near two minutes; the engine serialises every query on its one connection, so more samples change little. One app instance only.' },
};

export function quickTelephony(c: TelephonyBenchConfig): TelephonyBenchConfig {
  return { ...c, flows: 50, warmupFlows: 5, sseClients: 20, sseRounds: 5, reducedSamples: 'BENCH_QUICK: every count reduced; not a measurement' };
}

const PROFESSIONALS = '+443448008021';
const ACCOUNT = 'AC' + randomBytes(16).toString('hex');
const MONDAY_10AM = '2026-11-23T10:00:00Z';

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

const sid = () => 'CA' + randomBytes(16).toString('hex');

interface Poster {
  base: string;
  token: string;
}

/** One signed Twilio webhook over HTTP; returns the TwiML and how long the app took. */
async function post(p: Poster, url: string, params: Record<string, string>): Promise<{ ms: number; body: string }> {
  const absolute = url.startsWith('http') ? url : `${p.base}${url}`;
  const t = now();
  const res = await fetch(absolute, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(p.token, absolute, params) },
    body: new URLSearchParams(params).toString(),
  });
  const body = await res.text();
  const ms = msSince(t);
  if (res.status !== 200) throw new Error(`${new URL(absolute).pathname} answered ${res.status}: ${body.slice(0, 200)}`);
  return { ms, body };
}

/** An incoming call up to the queue: voice (menu TwiML), then the menu with no key (Enqueue TwiML). */
async function incomingFlow(p: Poster): Promise<{ voice: number; menu: number }> {
  const callSid = sid();
  const voice = await post(p, '/telephony/twilio/voice', { CallSid: callSid, AccountSid: ACCOUNT, From: '+447700900123', To: PROFESSIONALS, CallStatus: 'ringing' });
  const gather = readTwiml(voice.body).gather;
  if (!gather) throw new Error('no menu: is the line open at the bench clock?');
  const menu = await post(p, gather.action, { CallSid: callSid, AccountSid: ACCOUNT });
  if (!readTwiml(menu.body).enqueue) throw new Error('the menu did not queue the call');
  return { voice: voice.ms, menu: menu.ms };
}

async function webhookLatency(p: Poster, cfg: TelephonyBenchConfig) {
  const byLevel: Record<string, { voice: Summary; menu: Summary; flow: { flows: number; errors: number; firstError?: string; wallMs: number; flowsPerSecond: number } }> = {};
  for (const c of cfg.levels) {
    for (let i = 0; i < cfg.warmupFlows; i++) await incomingFlow(p);
    const voice: number[] = [];
    const menu: number[] = [];
    let issued = 0;
    let errors = 0;
    let firstError: string | undefined;
    const t = now();
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (issued < cfg.flows) {
          issued += 1;
          try {
            const f = await incomingFlow(p);
            voice.push(f.voice);
            menu.push(f.menu);
          } catch (e) {
            errors += 1;
            firstError ??= e instanceof Error ? e.message : String(e);
          }
        }
      }),
    );
    const wallMs = msSince(t);
    byLevel[`c${c}`] = {
      voice: summarise(voice),
      menu: summarise(menu),
      flow: { flows: voice.length, errors, ...(firstError ? { firstError } : {}), wallMs: Math.round(wallMs), flowsPerSecond: Math.round((voice.length / wallMs) * 10_000) / 10 },
    };
    log(`telephony: ${cfg.flows} flows at concurrency ${c}: voice p95 ${byLevel[`c${c}`]!.voice.p95} ms, menu p95 ${byLevel[`c${c}`]!.menu.p95} ms`);
  }
  const kinds = ['voice', 'menu'] as const;
  return {
    webhookLatencyMs: Object.fromEntries(kinds.map((k) => [k, Object.fromEntries(Object.entries(byLevel).map(([lvl, v]) => [lvl, v[k]]))])),
    flows: Object.fromEntries(Object.entries(byLevel).map(([lvl, v]) => [lvl, v.flow])),
  };
}

// ---------------------------------------------------------------------------------------------
// SSE

/** Signs in through the real form and returns the session cookie. */
async function signIn(base: string, email: string): Promise<string> {
  const page = await fetch(`${base}/sign-in`);
  const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
  if (!csrf) throw new Error('no CSRF token on the sign-in page');
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: csrf, email, password: TEST_PASSWORD }).toString(),
  });
  if (res.status !== 302) throw new Error(`sign-in answered ${res.status}`);
  const session = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).find((c) => c!.startsWith('front_door_session='));
  return session ?? cookie;
}

/** One wallboard's event stream, reading only what the measurement needs from each snapshot. */
class Stream {
  waiting = -1;
  offered = -1;
  frames = 0;
  hitAt: bigint | null = null;
  private buffer = '';
  private req: http.ClientRequest | null = null;
  constructor(readonly instance: number) {}

  open(base: string, cookie: string, agent: http.Agent, onFrame: (s: Stream) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.req = http.get(`${base}/phone/events`, { agent, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`/phone/events answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.buffer += chunk;
          let end: number;
          while ((end = this.buffer.indexOf('\n\n')) >= 0) {
            const frame = this.buffer.slice(0, end);
            this.buffer = this.buffer.slice(end + 2);
            if (!frame.startsWith('event: snapshot')) continue;
            // The sum of the queues' "waiting" and today's "offered": cheap to read, no JSON.parse, so
            // 200 streams in one process do not add their parsing to each other's times.
            let waiting = 0;
            for (const m of frame.matchAll(/"waiting":(\d+)/g)) waiting += Number(m[1]);
            this.waiting = waiting;
            this.offered = Number(frame.match(/"today":\{"offered":(\d+)/)?.[1] ?? -1);
            this.frames += 1;
            if (this.frames === 1) resolve();
            onFrame(this);
          }
        });
        res.on('error', () => {});
      });
      this.req.on('error', (e) => {
        if (this.frames === 0) reject(e);
      });
    });
  }

  close(): void {
    this.req?.destroy();
  }
}

/** Resolves with each stream's time of first meeting `pred`, once all have (or at the timeout). */
function whenAll(streams: Stream[], pred: (s: Stream) => boolean, timeoutMs: number, setWatcher: (w: ((s: Stream) => void) | null) => void): Promise<{ hits: bigint[]; timedOut: number }> {
  return new Promise((resolve) => {
    let left = 0;
    for (const s of streams) {
      s.hitAt = pred(s) ? now() : null;
      if (!s.hitAt) left += 1;
    }
    const finish = () => {
      clearTimeout(timer);
      setWatcher(null);
      resolve({ hits: streams.flatMap((s) => (s.hitAt ? [s.hitAt] : [])), timedOut: streams.filter((s) => !s.hitAt).length });
    };
    const timer = setTimeout(finish, timeoutMs);
    if (left === 0) return finish();
    setWatcher((s) => {
      if (s.hitAt || !pred(s)) return;
      s.hitAt = now();
      if (--left === 0) finish();
    });
  });
}

/** Ends every call still live and moves the clock to another day, so the next measurement starts from an empty queue and a new day's figures. */
async function freshDay(ctx: BenchContext, clock: ScaledClock, day: number): Promise<void> {
  const at = clock.now();
  await ctx.db.updateTable('calls').set({ state: 'ended', outcome: 'abandoned', ended_at: at, updated_at: at }).where('state', '<>', 'ended').execute();
  for (const a of ['norfolk', 'stoke-on-trent']) await ctx.db.insertInto('live_signals').values({ authority_id: a }).execute();
  clock.set(new Date(Date.parse(MONDAY_10AM) + day * 86_400_000));
}

async function sseFanout(
  ctx: BenchContext,
  clock: ScaledClock,
  instances: { base: string }[],
  cookie: string,
  p: Poster,
  cfg: TelephonyBenchConfig,
) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  let watcher: ((s: Stream) => void) | null = null;
  const streams = Array.from({ length: cfg.sseClients }, (_, i) => new Stream(i % instances.length));
  try {
    await Promise.all(streams.map((s) => s.open(instances[s.instance]!.base, cookie, agent, (x) => watcher?.(x))));
    const latencies: number[] = [];
    const perStream: number[] = [];
    const byInstance: number[][] = instances.map(() => []);
    const webhookMs: number[] = [];
    let timeouts = 0;
    const startOffered = Math.max(...streams.map((s) => s.offered));
    const jitter = rng(20261123);
    for (let i = 0; i < cfg.sseRounds; i++) {
      // A call rings (untimed): every stream shows it offered before the measured webhook.
      const callSid = sid();
      const voice = await post(p, '/telephony/twilio/voice', { CallSid: callSid, AccountSid: ACCOUNT, From: '+447700900123', To: PROFESSIONALS, CallStatus: 'ringing' });
      const offered = await whenAll(streams, (s) => s.offered >= startOffered + i + 1, 10_000, (w) => (watcher = w));
      timeouts += offered.timedOut;
      if (cfg.ssePhaseJitterMs) await new Promise((r) => setTimeout(r, jitter.next() * cfg.ssePhaseJitterMs));
      // Measured: the menu webhook queues it; every stream must show it waiting.
      const seen = whenAll(streams, (s) => s.waiting >= i + 1, 10_000, (w) => (watcher = w));
      const t0 = now();
      const menu = await post(p, readTwiml(voice.body).gather!.action, { CallSid: callSid, AccountSid: ACCOUNT });
      webhookMs.push(menu.ms);
      const { hits, timedOut } = await seen;
      timeouts += timedOut;
      if (timedOut) continue;
      const ms = hits.map((h) => Number(h - t0) / 1e6);
      latencies.push(Math.max(...ms));
      perStream.push(...ms);
      streams.forEach((s, k) => byInstance[s.instance]!.push(ms[k]!));
    }
    const all = summarise(latencies);
    return {
      instances: instances.length,
      streams: cfg.sseClients,
      rounds: cfg.sseRounds,
      p50Ms: all.p50,
      p95Ms: all.p95,
      maxMs: all.max,
      allStreamsMs: all,
      perStreamMs: summarise(perStream),
      ...(instances.length > 1 ? { perStreamByInstanceP50Ms: byInstance.map((x) => us(summarise(x).p50)) } : {}),
      menuWebhookMs: summarise(webhookMs),
      ...(cfg.ssePhaseJitterMs ? { phaseJitterMs: `each timed webhook after a random pause of 0–${cfg.ssePhaseJitterMs} ms, so changes fall anywhere in the 500 ms polling cycle` } : {}),
      timeouts,
      snapshotsReceived: streams.reduce((a, s) => a + s.frames, 0),
    };
  } finally {
    for (const s of streams) s.close();
    agent.destroy();
    // Let the servers see the streams close before anything is shut down.
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function benchTelephony(engine: EngineName, url: string, cfg: TelephonyBenchConfig) {
  const started = now();
  const ctx = await openBenchContext(engine, url, cfg.poolSize);
  const clock = new ScaledClock(MONDAY_10AM, 1);
  ctx.clock = clock;
  ctx.config.telephony = { twilioAuthToken: randomBytes(20).toString('hex'), twilioAccountSid: undefined };
  // The embedded engine never delivers notifications; main.ts does not try to listen there.
  if (engine === 'embedded') ctx.config.databaseUrl = undefined;
  const apps: FastifyInstance[] = [];
  const extraHandles: { close(): Promise<void> }[] = [];
  try {
    const manager = await createUser(ctx, { role: 'team-manager', displayName: 'Bench Wallboard' });
    const a = await createServer(ctx);
    apps.push(a);
    const baseA = await a.listen({ port: 0, host: '127.0.0.1' });
    ctx.config.baseUrl = baseA;
    const p: Poster = { base: baseA, token: ctx.config.telephony.twilioAuthToken! };

    log(`telephony ${engine}: webhook latency (${cfg.flows} flows at concurrency ${cfg.levels.join(' and ')}, pool ${cfg.poolSize})`);
    const webhooks = await webhookLatency(p, cfg);

    const cookie = await signIn(baseA, manager.email);
    const fanout: Record<string, unknown> = {};
    let day = 1;
    for (const n of cfg.sseInstances) {
      await freshDay(ctx, clock, day++);
      const instances = [{ base: baseA }];
      let b: FastifyInstance | null = null;
      if (n === 2) {
        // A second instance: its own pool and its own listener on the same database and schema.
        const handle = openDatabase({ url, schema: ctx.schema, poolSize: cfg.poolSize });
        extraHandles.push(handle);
        b = await createServer({ ...ctx, db: handle.db, config: { ...ctx.config } });
        apps.push(b);
        instances.push({ base: await b.listen({ port: 0, host: '127.0.0.1' }) });
      } else if (n !== 1) throw new Error('one or two instances');
      // Give the new instance's listener time to find out whether notifications arrive.
      await new Promise((r) => setTimeout(r, 2000));
      log(`telephony ${engine}: SSE fan-out to ${cfg.sseClients} streams over ${n} instance${n > 1 ? 's' : ''}, ${cfg.sseRounds} rounds`);
      const result = await sseFanout(ctx, clock, instances, cookie, p, cfg);
      fanout[`instances${n}`] = result;
      log(`telephony ${engine}: instances${n}: all ${cfg.sseClients} streams updated p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, max ${result.maxMs} ms`);
      if (b) {
        await b.close();
        apps.splice(apps.indexOf(b), 1);
      }
    }
    return {
      engine,
      poolSize: cfg.poolSize,
      ...(cfg.reducedSamples ? { reducedSamples: cfg.reducedSamples } : {}),
      liveUpdates: engine === 'embedded' ? 'polling (LiveBus reads new live_signals rows every 500 ms; no LISTEN/NOTIFY on this engine)' : 'LISTEN/NOTIFY on PostgreSQL, each instance with its own listening connection',
      ...webhooks,
      sseFanout: fanout,
      engineSeconds: Math.round(msSince(started) / 100) / 10,
    };
  } finally {
    for (const app of apps) await app.close().catch(() => {});
    for (const h of extraHandles) await h.close().catch(() => {});
    await ctx.close().catch((e) => log(`telephony ${engine}: could not drop schema ${ctx.schema}: ${String(e)}`));
  }
}

export const TELEPHONY_METHOD = [
  'Webhook latency: each flow is a signed POST /telephony/twilio/voice (a new CallSid; answers the menu TwiML), then a POST to its Gather action with no key (answers Enqueue): the app records the call offered, then queued, each in one transaction with its idempotency receipt and live signal. Closed loop: at concurrency 16, 16 clients each start the next flow when theirs finishes. Latency is from sending the request to reading the whole TwiML (fetch on loopback, app in this process). Warm-up flows are untimed.',
  'SSE fan-out: the streams are GET /phone/events with one team manager\'s session cookie (signed in through the sign-in form), spread round-robin over the instances; each instance is a full app (createServer) with its own pool and its own LiveBus on the same database and schema. Each round: an untimed voice webhook to instance 1 (waits until every stream shows it offered), then the timed menu webhook that queues the call; the round\'s figure is from sending that webhook until the last of the streams has received a snapshot with the new call waiting. p50Ms/p95Ms/maxMs are over rounds; perStreamMs over every stream of every round. LiveHub coalesces changes for 50 ms before it reads the snapshot, so that is a floor.',
  'Before each SSE measurement the calls left waiting are ended in SQL and the clock moves to the next day, so each starts from an empty queue and an empty day.',
];
