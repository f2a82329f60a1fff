import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Database, Executor, Tx } from '../../platform/db/database.js';
import type { CallOutcome, CallRow, PresenceStatus } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { signalLive } from '../../platform/live.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { labelOf, type AuthorityProfile } from '../../domain/authority-profile.js';
import { normaliseUkPhone } from '../../domain/phone.js';
import { londonDateOf, londonWallTimeToInstant, addDays } from '../../domain/dates.js';
import { displayName } from '../../domain/names.js';
import { TelephonyRepository, type StoredResponse } from './telephony.repository.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { WrittenRecordsService } from '../written-records/written-records.service.js';
import { completionListener } from '../conversations/completion.js';

export type CallSource = 'twilio' | 'cti';

export interface LineMatch {
  profile: AuthorityProfile;
  lineId: string;
}

/** Statuses a worker chooses for themselves; on a call and wrapping up are set by the calls. */
export const SELF_STATUSES = ['available', 'wrap-up', 'away', 'offline'] as const satisfies readonly PresenceStatus[];

export interface LiveSnapshot {
  authorityId: string;
  asOf: string;
  queues: {
    code: string;
    label: string;
    waiting: number;
    longestWaitingSince: string | null;
    callbacksWaiting: number;
    answerTargetSeconds: number;
  }[];
  waitingCalls: { id: string; queue: string; queueLabel: string; since: string; option: string | null; caller: string }[];
  callbacks: { id: string; queue: string; queueLabel: string; since: string; status: string; claimedBy: string | null; caller: string }[];
  workers: { userId: string; name: string; status: PresenceStatus; since: string; callId: string | null }[];
  workerCounts: Record<'available' | 'onCall' | 'wrapUp' | 'away', number>;
  /** Callbacks nobody has taken yet (the list above also shows those being made). */
  callbacksWaiting: number;
  today: {
    offered: number;
    answered: number;
    abandoned: number;
    outOfHours: number;
    callbacksRequested: number;
    answeredWithinTarget: number;
    /** Answered within target as a share of answered and abandoned calls; null before any. */
    withinTargetPercent: number | null;
    averageAnswerSeconds: number | null;
    longestAnswerSeconds: number | null;
  };
}

/** Only the last three digits: enough to tell two waiting calls apart, no more. */
export function maskNumber(e164: string | null): string {
  if (!e164) return 'Number withheld';
  return `ending ${e164.slice(-3)}`;
}

/** The number as a UK caller would dial it, digits only: how earlier conversations are matched. */
export function nationalDigits(e164: string): string {
  return e164.startsWith('+44') ? `0${e164.slice(3)}` : e164.replace(/\D/g, '');
}

export function formatNumber(e164: string | null): string {
  if (!e164) return 'Number withheld';
  return normaliseUkPhone(e164)?.national ?? e164;
}

/**
 * The phone line's rules, shared by the Twilio webhooks and the CTI event API: a call is offered,
 * may hear the menu, waits in a queue, is answered by a worker (or abandoned, or leaves a number for a
 * callback), and ends. Every change moves the live queue's signal in the same transaction.
 */
export class TelephonyService {
  readonly repo = new TelephonyRepository();
  private lines: Map<string, LineMatch> | null = null;

  constructor(private readonly ctx: AppContext) {}

  get db(): Database {
    return this.ctx.db;
  }

  /** Which authority and line a dialled number (in any format) belongs to. */
  lineForNumber(dialled: string): LineMatch | null {
    if (!this.lines) {
      this.lines = new Map();
      for (const profile of this.ctx.profiles.all()) {
        for (const line of profile.phoneLines) {
          const e164 = normaliseUkPhone(line.number)?.e164;
          if (e164) this.lines.set(e164, { profile, lineId: line.id });
        }
      }
    }
    const e164 = normaliseUkPhone(dialled)?.e164;
    return e164 ? (this.lines.get(e164) ?? null) : null;
  }

  /**
   * Runs `work` once per idempotency key: a repeated webhook gets the first answer back and changes
   * nothing. The receipt and the work share one transaction, so a failure leaves no receipt behind.
   */
  async once(key: string, source: string, work: (tx: Tx) => Promise<StoredResponse>): Promise<StoredResponse & { replayed: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      const previous = await this.repo.claimReceipt(tx, key, source, this.ctx.clock.now());
      if (previous) return { ...previous, replayed: true };
      const response = await work(tx);
      await this.repo.storeReceipt(tx, key, response);
      return { ...response, replayed: false };
    });
  }

  async offer(
    tx: Tx,
    input: { source: CallSource; externalId: string; match: LineMatch; dialled: string; caller: string | null; at: Date },
  ): Promise<{ call: CallRow; created: boolean }> {
    const existing = await this.repo.findCall(tx, input.source, input.externalId, true);
    if (existing) return { call: existing, created: false };
    const call = await this.repo.insertCall(tx, {
      id: randomUUID(),
      authority_id: input.match.profile.id,
      source: input.source,
      external_id: input.externalId,
      line_id: input.match.lineId,
      dialled_number: normaliseUkPhone(input.dialled)?.e164 ?? input.dialled,
      caller_number: input.caller ? (normaliseUkPhone(input.caller)?.e164 ?? null) : null,
      state: 'menu',
      offered_at: input.at,
      updated_at: input.at,
    });
    await this.repo.addEvent(tx, call.id, 'offered', input.at, null, { line: input.match.lineId });
    await signalLive(tx, call.authority_id);
    return { call, created: true };
  }

  async enqueue(tx: Tx, call: CallRow, queue: string, digit: string | null, at: Date): Promise<CallRow> {
    if (call.state !== 'menu') {
      // issue10-G: events can arrive out of order (a switch's retry, a slow webhook). A "queued" that comes
      // after the call was answered or ended fills in the queue the caller waited in; it never moves the
      // call backwards, and a call already in a queue keeps it.
      if (call.queue_code !== null) return call;
      const before = call.answered_at ?? call.ended_at;
      const queuedAt = before && at.getTime() > new Date(before).getTime() ? new Date(before) : at;
      const updated = await this.repo.updateCall(tx, call.id, { queue_code: queue, option_digit: digit, queued_at: queuedAt, updated_at: at });
      await this.repo.addEvent(tx, call.id, 'queued', queuedAt, null, { queue, option: digit, late: true });
      await signalLive(tx, call.authority_id);
      return updated;
    }
    const updated = await this.repo.updateCall(tx, call.id, { state: 'queued', queue_code: queue, option_digit: digit, queued_at: at, updated_at: at });
    await this.repo.addEvent(tx, call.id, 'queued', at, null, { queue, option: digit });
    await signalLive(tx, call.authority_id);
    return updated;
  }

  async answer(tx: Tx, call: CallRow, workerId: string, at: Date): Promise<CallRow> {
    if (call.state === 'ended') {
      // issue10-G: the end arrived first. An answer from before the end is recorded (and the outcome put
      // right); a second answer changes nothing; an answer after the end cannot have happened.
      if (call.answered_at) return call;
      if (!call.ended_at || at.getTime() > new Date(call.ended_at).getTime()) throw new HttpError(409, 'The call has ended', 'A call that has ended cannot be answered.');
      const updated = await this.repo.updateCall(tx, call.id, { answered_at: at, worker_id: workerId, queued_at: call.queued_at ?? call.offered_at, updated_at: at });
      await this.repo.addEvent(tx, call.id, 'answered', at, workerId, { late: true });
      return this.settleOutcome(tx, updated);
    }
    if (call.state === 'connected') return call;
    const updated = await this.repo.updateCall(tx, call.id, {
      state: 'connected',
      answered_at: at,
      worker_id: workerId,
      // A call answered straight from the menu (a switch that queues elsewhere) still counts from its offer.
      queued_at: call.queued_at ?? call.offered_at,
      updated_at: at,
    });
    await this.repo.setPresence(tx, call.authority_id, workerId, 'on-call', at, call.id);
    await this.repo.addEvent(tx, call.id, 'answered', at, workerId);
    await signalLive(tx, call.authority_id);
    return updated;
  }

  /** Passed to another worker of the same authority, or out of the service to another number. */
  async transfer(tx: Tx, call: CallRow, to: { workerId: string } | { number: string }, at: Date): Promise<CallRow> {
    if (call.state === 'ended') {
      // issue10-G: a transfer from before the end that arrived after it is recorded; one after the end cannot have happened.
      if (!call.ended_at || at.getTime() > new Date(call.ended_at).getTime()) throw new HttpError(409, 'The call has ended', 'A call that has ended cannot be transferred.');
      const changes = 'workerId' in to
        ? { worker_id: to.workerId, answered_at: call.answered_at ?? at, queued_at: call.queued_at ?? call.offered_at, updated_at: at }
        : { transferred_to: call.transferred_to ?? normaliseUkPhone(to.number)?.e164 ?? to.number, updated_at: at };
      const updated = await this.repo.updateCall(tx, call.id, changes);
      await this.repo.addEvent(tx, call.id, 'transferred', at, 'workerId' in to ? to.workerId : null, { from: call.worker_id, late: true });
      return this.settleOutcome(tx, updated);
    }
    if ('workerId' in to) {
      if (call.worker_id) await this.repo.setPresence(tx, call.authority_id, call.worker_id, 'wrap-up', at, null);
      const updated = await this.repo.updateCall(tx, call.id, { state: 'connected', worker_id: to.workerId, answered_at: call.answered_at ?? at, queued_at: call.queued_at ?? call.offered_at, updated_at: at });
      await this.repo.setPresence(tx, call.authority_id, to.workerId, 'on-call', at, call.id);
      await this.repo.addEvent(tx, call.id, 'transferred', at, to.workerId, { from: call.worker_id });
      await signalLive(tx, call.authority_id);
      return updated;
    }
    const ended = await this.end(tx, call, at, 'transferred');
    return this.repo.updateCall(tx, ended.id, { transferred_to: normaliseUkPhone(to.number)?.e164 ?? to.number });
  }

  /** The caller hung up, or the switch says the call is over. The outcome follows from where it got to. */
  async end(tx: Tx, call: CallRow, at: Date, outcome?: CallOutcome): Promise<CallRow> {
    if (call.state === 'ended') return call;
    let result: CallOutcome;
    if (outcome) result = outcome;
    else if (call.state === 'connected') result = 'answered';
    else {
      const callback = await tx.selectFrom('callbacks').select('id').where('call_id', '=', call.id).executeTakeFirst();
      result = callback ? 'callback' : 'abandoned';
    }
    const updated = await this.repo.updateCall(tx, call.id, { state: 'ended', outcome: result, ended_at: at, updated_at: at });
    if (call.worker_id) {
      const presence = await this.repo.presence(tx, call.worker_id);
      if (presence?.call_id === call.id) await this.repo.setPresence(tx, call.authority_id, call.worker_id, 'wrap-up', at, null);
    }
    await this.repo.addEvent(tx, call.id, 'ended', at, null, { outcome: result });
    await signalLive(tx, call.authority_id);
    return updated;
  }

  /** A waiting caller asked to be called back: the callback joins the queue with its waiting time. */
  async requestCallback(tx: Tx, input: { authorityId: string; call: CallRow | null; queue: string; number: string; at: Date }): Promise<string> {
    const id = randomUUID();
    await this.repo.insertCallback(tx, {
      id,
      authority_id: input.authorityId,
      call_id: input.call?.id ?? null,
      queue_code: input.queue,
      number: input.number,
      // The callback keeps the caller's place: it has been waiting since they joined the queue.
      requested_at: input.call?.queued_at ?? input.at,
      status: 'waiting',
      claimed_by: null,
      claimed_at: null,
      finished_at: null,
      result: null,
      conversation_id: null,
    });
    if (input.call) await this.repo.addEvent(tx, input.call.id, 'callback-requested', input.at, null);
    if (input.call?.state === 'ended') await this.settleOutcome(tx, input.call); // issue10-G: arrived after the end
    await signalLive(tx, input.authorityId);
    return id;
  }

  /**
   * issue10-G: for a call that has ended, the outcome its facts give (a late event may have added one):
   * passed on to another number, answered, left a number for a callback, or abandoned. An outcome only
   * the switch or the line knows (out of hours, no option chosen, failed) is left alone.
   */
  private async settleOutcome(tx: Tx, call: CallRow): Promise<CallRow> {
    if (call.state !== 'ended' || !['abandoned', 'callback', 'answered', 'transferred'].includes(call.outcome ?? '')) return call;
    const callback = await tx.selectFrom('callbacks').select('id').where('call_id', '=', call.id).executeTakeFirst();
    const outcome: CallOutcome = call.transferred_to ? 'transferred' : call.answered_at ? 'answered' : callback ? 'callback' : 'abandoned';
    if (outcome === call.outcome) return call;
    const updated = await this.repo.updateCall(tx, call.id, { outcome });
    await this.repo.addEvent(tx, call.id, 'outcome-corrected', new Date(call.ended_at ?? call.updated_at), null, { from: call.outcome, to: outcome });
    await signalLive(tx, call.authority_id);
    return updated;
  }

  async setStatus(authorityId: string, userId: string, status: PresenceStatus): Promise<void> {
    const at = this.ctx.clock.now();
    await this.db.transaction().execute(async (tx) => {
      const current = await this.repo.presence(tx, userId);
      // On a call, a worker stays "on a call" until the call ends, whatever they click.
      if (current?.status === 'on-call' && current.call_id) {
        const call = await tx.selectFrom('calls').select('state').where('id', '=', current.call_id).executeTakeFirst();
        if (call && call.state !== 'ended') throw new HttpError(409, 'You are on a call', 'Your status changes when the call ends.');
      }
      await this.repo.setPresence(tx, authorityId, userId, status, at, null);
      await signalLive(tx, authorityId);
    });
  }

  async myStatus(userId: string): Promise<{ status: PresenceStatus; since: Date; callId: string | null }> {
    const p = await this.repo.presence(this.db, userId);
    return p ? { status: p.status, since: p.since, callId: p.call_id } : { status: 'offline', since: this.ctx.clock.now(), callId: null };
  }

  /** Everything the live queue and the wallboard show for one authority. */
  async snapshot(authorityId: string): Promise<LiveSnapshot> {
    const profile = this.ctx.profiles.get(authorityId);
    const now = this.ctx.clock.now();
    const today = londonDateOf(now);
    const dayStart = londonWallTimeToInstant(today, { hour: 0, minute: 0 });
    const dayEnd = londonWallTimeToInstant(addDays(today, 1), { hour: 0, minute: 0 });
    const [live, callbacks, presence, day] = await Promise.all([
      this.repo.liveCalls(this.db, authorityId),
      this.repo.openCallbacks(this.db, authorityId),
      this.repo.presenceList(this.db, authorityId),
      this.repo.dayFigures(this.db, authorityId, dayStart, dayEnd),
    ]);
    const queueLabel = (code: string | null) => profile.queues.find((q) => q.code === code)?.label ?? code ?? '';
    const waiting = live.filter((c) => c.state === 'queued');
    const target = new Map(profile.queues.map((q) => [q.code, q.answerTargetSeconds]));

    let answered = 0;
    let abandoned = 0;
    let outOfHours = 0;
    let withinTarget = 0;
    let totalAnswer = 0;
    let longest: number | null = null;
    for (const c of day) {
      if (c.answered_at && c.queued_at) {
        answered += 1;
        const secs = (new Date(c.answered_at).getTime() - new Date(c.queued_at).getTime()) / 1000;
        totalAnswer += secs;
        longest = Math.max(longest ?? 0, secs);
        if (secs <= (target.get(c.queue_code ?? '') ?? 60)) withinTarget += 1;
      } else if (c.outcome === 'abandoned') abandoned += 1;
      else if (c.outcome === 'out-of-hours') outOfHours += 1;
    }
    const counted = answered + abandoned;
    const requestedToday = await this.db
      .selectFrom('callbacks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('authority_id', '=', authorityId)
      .where('requested_at', '>=', dayStart)
      .where('requested_at', '<', dayEnd)
      .executeTakeFirstOrThrow();

    return {
      authorityId,
      asOf: now.toISOString(),
      queues: profile.queues.map((q) => {
        const inQueue = waiting.filter((c) => c.queue_code === q.code);
        const cbs = callbacks.filter((c) => c.queue_code === q.code && c.status === 'waiting');
        const oldest = inQueue[0]?.queued_at ?? null;
        return {
          code: q.code,
          label: q.label,
          waiting: inQueue.length,
          longestWaitingSince: oldest ? new Date(oldest).toISOString() : null,
          callbacksWaiting: cbs.length,
          answerTargetSeconds: q.answerTargetSeconds,
        };
      }),
      waitingCalls: waiting
        .sort((a, b) => new Date(a.queued_at!).getTime() - new Date(b.queued_at!).getTime())
        .map((c) => ({
          id: c.id,
          queue: c.queue_code ?? '',
          queueLabel: queueLabel(c.queue_code),
          since: new Date(c.queued_at!).toISOString(),
          option: c.option_digit,
          caller: maskNumber(c.caller_number),
        })),
      callbacks: callbacks.map((c) => ({
        id: c.id,
        queue: c.queue_code,
        queueLabel: queueLabel(c.queue_code),
        since: new Date(c.requested_at).toISOString(),
        status: c.status,
        claimedBy: c.claimed_by_name,
        caller: maskNumber(c.number),
      })),
      workers: presence.map((p) => ({ userId: p.user_id, name: p.display_name, status: p.status, since: new Date(p.since).toISOString(), callId: p.call_id })),
      callbacksWaiting: callbacks.filter((c) => c.status === 'waiting').length,
      workerCounts: {
        available: presence.filter((p) => p.status === 'available').length,
        onCall: presence.filter((p) => p.status === 'on-call').length,
        wrapUp: presence.filter((p) => p.status === 'wrap-up').length,
        away: presence.filter((p) => p.status === 'away').length,
      },
      today: {
        offered: day.length,
        answered,
        abandoned,
        outOfHours,
        callbacksRequested: Number(requestedToday.n),
        answeredWithinTarget: withinTarget,
        withinTargetPercent: counted ? Math.round((withinTarget / counted) * 1000) / 10 : null,
        averageAnswerSeconds: answered ? Math.round(totalAnswer / answered) : null,
        longestAnswerSeconds: longest === null ? null : Math.round(longest),
      },
    };
  }

  /**
   * The screen pop: the call, the option the caller chose, and who has called from this number before
   * with what was agreed. Seeing earlier conversations is a view of those children's records: audited.
   */
  async screenPop(principal: Principal, callId: string, audit: AuditContext) {
    const profile = this.ctx.profiles.get(principal.authorityId);
    return this.db.transaction().execute(async (tx) => {
      const call = await this.repo.callById(tx, principal.authorityId, callId);
      if (!call) throw notFound('call');
      const callers = call.caller_number ? await this.recogniseAudited(tx, profile, call.caller_number, callId, audit) : [];
      const line = profile.phoneLines.find((l) => l.id === call.line_id);
      const option = line?.options.find((o) => o.digit === call.option_digit) ?? null;
      const events = await this.repo.events(tx, call.id);
      return { call, line, option, queueLabel: profile.queues.find((q) => q.code === call.queue_code)?.label ?? null, callers, events, callerNumber: formatNumber(call.caller_number) };
    });
  }

  /** The callback page: the number to ring and who has called from it before, read and audited together. */
  async callbackPop(principal: Principal, callbackId: string, audit: AuditContext) {
    const profile = this.ctx.profiles.get(principal.authorityId);
    return this.db.transaction().execute(async (tx) => {
      const cb = await this.repo.callbackById(tx, principal.authorityId, callbackId);
      if (!cb) throw notFound('callback');
      const callers = await this.recogniseAudited(tx, profile, cb.number, cb.call_id ?? cb.id, audit);
      return { cb, callers, queueLabel: profile.queues.find((q) => q.code === cb.queue_code)?.label ?? cb.queue_code };
    });
  }

  /** Earlier callers on a number, with the view of their conversations' children audited in the same transaction. */
  private async recogniseAudited(tx: Tx, profile: AuthorityProfile, e164: string, callId: string, audit: AuditContext) {
    const callers = await this.recognise(tx, profile, e164);
    await recordAudit(tx, audit, {
      action: 'call.viewed',
      callId,
      personIds: [...new Set(callers.flatMap((c) => c.conversations.flatMap((v) => v.children.map((ch) => ch.personId))))],
      details: { conversationIds: callers.flatMap((c) => c.conversations.map((v) => v.id)) },
    });
    return callers;
  }

  /** Earlier callers on this number, each with their recent conversations, newest first. */
  async recognise(db: Executor, profile: AuthorityProfile, e164: string) {
    const rows = await this.repo.conversationsFromNumber(db, profile.id, nationalDigits(e164), 12);
    const children = await this.repo.childrenWithOutcomes(db, rows.map((r) => ({ id: r.id, version: r.version })));
    const byCaller = new Map<string, {
      key: string; name: string | null; role: string | null; agency: string | null; agencyCode: string | null; agencyOther: string | null; email: string | null; type: string | null;
      conversations: { id: string; reference: string; startedAt: Date; status: string; children: { personId: string; name: string; outcome: string | null }[] }[];
    }>();
    rows.forEach((r) => {
      const key = `${(r.caller_name ?? '').trim().toLowerCase()}|${r.caller_agency_code ?? ''}|${(r.caller_agency_other ?? '').toLowerCase()}`;
      let entry = byCaller.get(key);
      if (!entry) {
        entry = {
          key: String(byCaller.size + 1),
          name: r.caller_name,
          role: r.caller_role,
          agency: r.caller_agency_code === 'other' ? r.caller_agency_other : labelOf(profile.agencies, r.caller_agency_code) || r.caller_agency_other,
          agencyCode: r.caller_agency_code,
          agencyOther: r.caller_agency_other,
          email: r.caller_email,
          type: r.caller_type,
          conversations: [],
        };
        byCaller.set(key, entry);
      }
      entry.conversations.push({
        id: r.id,
        reference: r.reference,
        startedAt: r.started_at,
        status: r.status,
        children: children
          .filter((c) => c.conversation_id === r.id && c.version === r.version)
          .map((c) => ({ personId: c.person_id, name: displayName(c), outcome: c.outcome_code ? labelOf(profile.outcomes, c.outcome_code) : null })),
      });
    });
    return [...byCaller.values()];
  }

  /**
   * Opens a new conversation from a call (or a callback), filled in with the caller's number and, when the
   * worker says which earlier caller this is, their name, role, agency and email.
   */
  async startConversation(
    principal: Principal,
    audit: AuditContext,
    from: { callId: string } | { callbackId: string },
    callerKey: string | null,
  ): Promise<string> {
    const profile = this.ctx.profiles.get(principal.authorityId);
    const conversations = new ConversationsService(this.db, this.ctx.clock, this.ctx.profiles, this.ctx.calendars, completionListener(this.ctx));
    let callId: string | null = null;
    let callbackId: string | null = null;
    let number: string | null;
    if ('callId' in from) {
      const call = await this.repo.callById(this.db, principal.authorityId, from.callId);
      if (!call) throw notFound('call');
      if (call.conversation_id) return call.conversation_id;
      callId = call.id;
      number = call.caller_number;
    } else {
      const cb = await this.repo.callbackById(this.db, principal.authorityId, from.callbackId);
      if (!cb) throw notFound('callback');
      if (cb.conversation_id) return cb.conversation_id;
      callbackId = cb.id;
      callId = cb.call_id;
      number = cb.number;
    }
    const callers = number ? await this.recognise(this.db, profile, number) : [];
    const chosen = callerKey ? callers.find((c) => c.key === callerKey) : undefined;
    const phone = number ? formatNumber(number) : null;
    const id = await conversations.start(principal, audit, phone);
    if (chosen) {
      await conversations.saveSection(principal, id, 0, 'caller', {
        caller_name: chosen.name,
        caller_role: chosen.role,
        caller_agency_code: chosen.agencyCode,
        caller_agency_other: chosen.agencyOther,
        caller_email: chosen.email,
        caller_type: chosen.type as 'professional' | 'public' | null,
        caller_phone: phone,
      }, new Map(), audit);
    }
    await this.db.transaction().execute(async (tx) => {
      if (callId) {
        await tx.updateTable('calls').set({ conversation_id: id }).where('id', '=', callId).where('conversation_id', 'is', null).execute();
        await this.repo.addEvent(tx, callId, 'conversation-started', this.ctx.clock.now(), principal.id, { conversationId: id });
      }
      if (callbackId) await tx.updateTable('callbacks').set({ conversation_id: id }).where('id', '=', callbackId).execute();
      await recordAudit(tx, audit, { action: 'call.conversation-started', conversationId: id, personIds: [], details: { callId, callbackId } });
    });
    return id;
  }

  /** A worker takes the longest-waiting callback (or a chosen one) and rings the caller. */
  async takeCallback(principal: Principal, callbackId: string): Promise<void> {
    const at = this.ctx.clock.now();
    await this.db.transaction().execute(async (tx) => {
      const cb = await this.repo.callbackById(tx, principal.authorityId, callbackId, true);
      if (!cb) throw notFound('callback');
      if (cb.status === 'in-progress' && cb.claimed_by === principal.id) return;
      if (cb.status !== 'waiting') throw new HttpError(409, 'Someone else has taken this callback', 'Choose another callback from the queue.');
      await this.repo.updateCallback(tx, cb.id, { status: 'in-progress', claimed_by: principal.id, claimed_at: at });
      await this.repo.setPresence(tx, principal.authorityId, principal.id, 'on-call', at, null);
      await signalLive(tx, principal.authorityId);
    });
  }

  async finishCallback(principal: Principal, callbackId: string, result: 'spoke' | 'no-answer' | 'not-needed'): Promise<void> {
    const at = this.ctx.clock.now();
    await this.db.transaction().execute(async (tx) => {
      const cb = await this.repo.callbackById(tx, principal.authorityId, callbackId, true);
      if (!cb) throw notFound('callback');
      if (cb.status !== 'in-progress' || cb.claimed_by !== principal.id) {
        throw new HttpError(409, 'This callback is not yours to finish', 'Take the callback from the queue first.');
      }
      // Nobody answered: the callback goes back to the queue, keeping its place, for another try.
      if (result === 'no-answer') await this.repo.updateCallback(tx, cb.id, { status: 'waiting', claimed_by: null, claimed_at: null });
      else await this.repo.updateCallback(tx, cb.id, { status: 'done', result, finished_at: at });
      await this.repo.setPresence(tx, principal.authorityId, principal.id, 'wrap-up', at, null);
      await signalLive(tx, principal.authorityId);
    });
  }

  /**
   * The nightly tidy. Receipts are only needed while a switch may still retry (a week is ample).
   * A call the switch never reported ending would otherwise wait on the wallboard for ever, so one
   * still open after `staleHours` is ended as failed, with an event saying why. Workers still
   * showing as taking calls at night are set to not taking calls.
   */
  async tidy(now = this.ctx.clock.now(), opts: { receiptDays?: number; staleHours?: number } = {}) {
    const receiptsBefore = new Date(now.getTime() - (opts.receiptDays ?? 7) * 86_400_000);
    const staleBefore = new Date(now.getTime() - (opts.staleHours ?? 12) * 3_600_000);
    return this.db.transaction().execute(async (tx) => {
      const receipts = await tx.deleteFrom('webhook_receipts').where('received_at', '<', receiptsBefore).executeTakeFirst();
      const stale = await tx.selectFrom('calls').selectAll().where('state', '<>', 'ended').where('updated_at', '<', staleBefore).forUpdate().execute();
      for (const call of stale) {
        await this.end(tx, call, now, call.state === 'connected' ? 'answered' : 'failed');
        await this.repo.addEvent(tx, call.id, 'ended-by-tidy', now, null, { lastChange: call.updated_at });
      }
      const away = await tx
        .updateTable('worker_presence')
        .set({ status: 'offline', since: now, call_id: null })
        .where('status', 'in', ['available', 'wrap-up', 'away'])
        .where('since', '<', staleBefore)
        .returning('authority_id')
        .execute();
      for (const a of new Set(away.map((r) => r.authority_id))) await signalLive(tx, a);
      // Signals are only read as they arrive; a day's worth is plenty to keep.
      await tx.deleteFrom('live_signals').where('at', '<', new Date(now.getTime() - 86_400_000)).execute();
      return { receiptsDeleted: Number(receipts.numDeletedRows), callsEnded: stale.length, workersSignedOff: away.length };
    });
  }
}
