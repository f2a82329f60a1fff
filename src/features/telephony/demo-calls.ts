/**
 * Phone calls for the embedded demo, so the wallboard, today's calls and the screen pop have
 * something to show on a new machine: every recent CADS conversation that has a caller's number
 * came in as an answered call, and around them some callers hung up while waiting, some left a
 * number for a callback, and some rang out of hours. Synthetic and seeded, like the rest of the demo.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import type { AuthorityProfiles } from '../../platform/authorities.js';
import type { ServiceCalendars } from '../../platform/calendars.js';
import type { CallbacksTable, CallsTable } from '../../platform/db/schema.js';
import type { Insertable } from 'kysely';
import { normaliseUkPhone } from '../../domain/phone.js';
import { addDays, londonDateOf } from '../../domain/dates.js';

/** A small seeded generator (mulberry32): the same demo every time for the same day. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAYS_BACK = 7;

export async function seedDemoCalls(db: Database, profiles: AuthorityProfiles, calendars: ServiceCalendars, now: Date): Promise<number> {
  let made = 0;
  const since = new Date(now.getTime() - DAYS_BACK * 86_400_000);
  for (const profile of profiles.all()) {
    const calendar = calendars.forAuthority(profile.id);
    const random = seeded(Number(londonDateOf(now).replace(/-/g, '')) + profile.id.length);
    const line = profile.phoneLines.find((l) => l.for === 'professionals') ?? profile.phoneLines[0]!;
    const dialled = normaliseUkPhone(line.number)?.e164 ?? line.number;
    const queueFor = (i: number) => line.options[i % Math.max(1, line.options.length + 2)]?.queue ?? line.defaultQueue ?? profile.queues[0]!.code;
    const digitFor = (queue: string) => line.options.find((o) => o.queue === queue)?.digit ?? null;
    const rows: Insertable<CallsTable>[] = [];
    const callbacks: Insertable<CallbacksTable>[] = [];
    const events: { call_id: string; kind: string; at: Date; worker_id: string | null; detail: string }[] = [];
    const call = (row: Omit<Insertable<CallsTable>, 'id' | 'authority_id' | 'source' | 'external_id' | 'line_id' | 'dialled_number' | 'updated_at'>) => {
      const id = randomUUID();
      const full = { id, authority_id: profile.id, source: 'twilio' as const, external_id: 'CA' + id.replace(/-/g, ''), line_id: line.id, dialled_number: dialled, updated_at: row.ended_at ?? row.offered_at, ...row };
      rows.push(full);
      events.push({ call_id: id, kind: 'offered', at: new Date(full.offered_at as Date), worker_id: null, detail: JSON.stringify({ line: line.id, demo: true }) });
      return full;
    };

    // Each recent CADS conversation with a caller's number began as an answered call.
    const conversations = await db
      .selectFrom('conversations as c')
      .innerJoin('conversation_versions as v', (j) => j.onRef('v.conversation_id', '=', 'c.id').onRef('v.version', '=', 'c.current_version'))
      .select(['c.id', 'c.started_at', 'c.worker_id', 'c.service', 'v.caller_phone'])
      .where('c.authority_id', '=', profile.id)
      .where('c.started_at', '>=', since)
      .where('c.started_at', '<=', now)
      .where('c.service', '=', 'cads')
      .execute();
    conversations.forEach((c, i) => {
      const caller = c.caller_phone ? normaliseUkPhone(c.caller_phone)?.e164 ?? null : null;
      if (!caller) return;
      const answeredAt = new Date(c.started_at);
      const wait = Math.round(8 + random() * 110);
      const queuedAt = new Date(answeredAt.getTime() - wait * 1000);
      const offeredAt = new Date(queuedAt.getTime() - 25_000);
      const queue = queueFor(i);
      call({
        caller_number: caller, option_digit: digitFor(queue), queue_code: queue, state: 'ended', outcome: 'answered',
        offered_at: offeredAt, queued_at: queuedAt, answered_at: answeredAt, ended_at: new Date(answeredAt.getTime() + (6 + random() * 14) * 60_000),
        worker_id: c.worker_id, conversation_id: c.id,
      });
    });

    // Callers who hung up while waiting, left a number, or rang when the service was closed.
    for (let d = DAYS_BACK; d >= 0; d--) {
      const date = addDays(londonDateOf(now), -d);
      for (const period of calendar.periodsOn(date)) {
        // Today's calls fall between opening and now, so that today has its waiting callback whenever the service has opened.
        const end = Math.min(period.close.getTime(), now.getTime() - 60_000);
        if (end <= period.open.getTime()) continue;
        const span = end - period.open.getTime();
        for (let k = 0; k < 3; k++) {
          const offeredAt = new Date(period.open.getTime() + random() * span);
          const queuedAt = new Date(offeredAt.getTime() + 25_000);
          const queue = queueFor(k + d);
          if (k < 2) {
            call({ caller_number: `+4477009${String(Math.floor(random() * 100000)).padStart(5, '0')}`, option_digit: digitFor(queue), queue_code: queue, state: 'ended', outcome: 'abandoned', offered_at: offeredAt, queued_at: queuedAt, ended_at: new Date(queuedAt.getTime() + (60 + random() * 200) * 1000) });
          } else {
            const number = `+4477009${String(Math.floor(random() * 100000)).padStart(5, '0')}`;
            const c = call({ caller_number: number, option_digit: digitFor(queue), queue_code: queue, state: 'ended', outcome: 'callback', offered_at: offeredAt, queued_at: queuedAt, ended_at: new Date(queuedAt.getTime() + 200_000) });
            callbacks.push({
              id: randomUUID(), authority_id: profile.id, call_id: c.id, queue_code: queue, number, requested_at: queuedAt,
              // Earlier days' callbacks were made; today's last one is still waiting.
              status: d === 0 ? 'waiting' : 'done', claimed_by: null, claimed_at: null, finished_at: d === 0 ? null : new Date(queuedAt.getTime() + 3_600_000),
              result: d === 0 ? null : 'spoke', conversation_id: null,
            });
          }
        }
      }
      // One call each evening after closing.
      const evening = new Date(`${date}T21:15:00Z`);
      if (evening <= now && !calendar.isOpen(evening)) {
        call({ caller_number: `+4477009${String(Math.floor(random() * 100000)).padStart(5, '0')}`, state: 'ended', outcome: 'out-of-hours', offered_at: evening, ended_at: new Date(evening.getTime() + 40_000) });
      }
    }

    await db.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += 200) await tx.insertInto('calls').values(rows.slice(i, i + 200)).execute();
      for (let i = 0; i < events.length; i += 500) await tx.insertInto('call_events').values(events.slice(i, i + 500)).execute();
      if (callbacks.length) await tx.insertInto('callbacks').values(callbacks).execute();
    });
    made += rows.length;
  }
  return made;
}
