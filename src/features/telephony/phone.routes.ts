/**
 * The worker's side of the phone line: their status, the live queue, the screen pop when a call is
 * put through to them, callbacks, the wallboard, and today's calls.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { HttpError, toErrorList } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { LiveBus } from '../../platform/live.js';
import { londonDateOf, londonWallTimeToInstant, addDays } from '../../domain/dates.js';
import { formatNumber, SELF_STATUSES, TelephonyService } from './telephony.service.js';
import { LiveHub } from './live-hub.js';
import { AllocatedWorkersService } from '../allocated-workers/allocated-workers.service.js';
import { ProfessionalsService } from '../professionals/professionals.service.js';

const answerCalls = { access: { roles: CAN.answerCalls } };
const seeWallboard = { access: { roles: CAN.seeWallboard } };

export const STATUS_LABELS: Record<string, string> = {
  available: 'Available',
  'on-call': 'On a call',
  'wrap-up': 'Wrapping up',
  away: 'Away',
  offline: 'Not taking calls',
};

const OUTCOME_LABELS: Record<string, string> = {
  answered: 'Answered',
  abandoned: 'Caller hung up while waiting',
  'out-of-hours': 'Out of hours',
  closed: 'Closed',
  callback: 'Left a number for a callback',
  transferred: 'Transferred',
  'no-option': 'No option chosen',
  failed: 'Failed',
};

export function phoneRoutes(app: FastifyInstance, ctx: AppContext) {
  const phone = new TelephonyService(ctx);
  const allocated = new AllocatedWorkersService(ctx);
  const bus = new LiveBus(ctx.db, { url: ctx.config.databaseUrl });
  const hub = new LiveHub(phone, bus);
  app.addHook('onReady', async () => bus.start());
  // preClose: open event streams would otherwise keep the server from closing.
  app.addHook('preClose', async () => {
    hub.close();
    await bus.stop();
  });

  const statusItems = (current: string) =>
    SELF_STATUSES.filter((s) => s !== 'wrap-up').map((s) => ({ value: s, text: STATUS_LABELS[s], checked: s === current }));

  app.get('/phone', { config: answerCalls }, async (request, reply) => {
    const principal = request.principal!;
    const [me, snapshot] = await Promise.all([phone.myStatus(principal.id), phone.snapshot(principal.authorityId)]);
    const myCall = me.callId ? await phone.repo.callById(ctx.db, principal.authorityId, me.callId) : null;
    const myCallback = await ctx.db.selectFrom('callbacks').select(['id', 'number', 'requested_at']).where('claimed_by', '=', principal.id).where('status', '=', 'in-progress').executeTakeFirst();
    return reply.view('telephony/views/phone.njk', {
      title: 'Phone',
      me,
      statusLabel: STATUS_LABELS[me.status],
      statusItems: statusItems(me.status),
      snapshot,
      myCall: myCall && myCall.state !== 'ended' ? myCall : null,
      myCallNumber: myCall ? formatNumber(myCall.caller_number) : null,
      myCallback: myCallback ? { ...myCallback, number: formatNumber(myCallback.number) } : null,
    });
  });

  app.post('/phone/status', { config: answerCalls }, async (request, reply) => {
    const principal = request.principal!;
    const status = str(bodyOf(request).status);
    if (!(SELF_STATUSES as readonly string[]).includes(status)) {
      const [me, snapshot] = await Promise.all([phone.myStatus(principal.id), phone.snapshot(principal.authorityId)]);
      reply.code(400);
      return reply.view('telephony/views/phone.njk', {
        title: 'Phone', me, statusLabel: STATUS_LABELS[me.status], statusItems: statusItems(me.status), snapshot,
        errors: toErrorList([{ field: 'status', message: 'Choose your status' }]),
      });
    }
    await phone.setStatus(principal.authorityId, principal.id, status as (typeof SELF_STATUSES)[number]);
    request.session.flash = { heading: 'Status changed', text: `You are now: ${STATUS_LABELS[status]!.toLowerCase()}.` };
    return reply.redirect('/phone');
  });

  app.get('/phone/events', { config: { ...seeWallboard, stream: true } }, async (request, reply) => {
    reply.hijack();
    await hub.attach(request.principal!.authorityId, reply.raw);
  });

  app.get('/phone/wallboard', { config: seeWallboard }, async (request, reply) => {
    const snapshot = await phone.snapshot(request.principal!.authorityId);
    return reply.view('telephony/views/wallboard.njk', { title: 'Wallboard', snapshot });
  });

  app.get('/phone/calls', { config: seeWallboard }, async (request, reply) => {
    const principal = request.principal!;
    const now = ctx.clock.now();
    const q = request.query as { date?: string };
    const date = q.date && /^\d{4}-\d{2}-\d{2}$/.test(q.date) ? q.date : londonDateOf(now);
    const from = londonWallTimeToInstant(date, { hour: 0, minute: 0 });
    const to = londonWallTimeToInstant(addDays(date, 1), { hour: 0, minute: 0 });
    const profile = ctx.profiles.get(principal.authorityId);
    const calls = await ctx.db
      .selectFrom('calls')
      .leftJoin('users', 'users.id', 'calls.worker_id')
      .leftJoin('conversations', 'conversations.id', 'calls.conversation_id')
      .select(['calls.id', 'calls.line_id', 'calls.option_digit', 'calls.queue_code', 'calls.offered_at', 'calls.queued_at', 'calls.answered_at', 'calls.ended_at', 'calls.outcome', 'calls.state', 'users.display_name as worker', 'conversations.reference', 'conversations.id as conversation_id'])
      .where('calls.authority_id', '=', principal.authorityId)
      .where('calls.offered_at', '>=', from)
      .where('calls.offered_at', '<', to)
      .orderBy('calls.offered_at', 'desc')
      .limit(1000)
      .execute();
    return reply.view('telephony/views/calls.njk', {
      title: 'Calls',
      date,
      previous: addDays(date, -1),
      next: date < londonDateOf(now) ? addDays(date, 1) : null,
      calls: calls.map((c) => ({
        ...c,
        queueLabel: profile.queues.find((x) => x.code === c.queue_code)?.label ?? '',
        outcomeLabel: c.outcome ? OUTCOME_LABELS[c.outcome] : STATUS_LABELS[c.state] ?? c.state,
        waitSeconds: c.queued_at ? Math.round(((c.answered_at ?? c.ended_at ?? now).getTime() - new Date(c.queued_at).getTime()) / 1000) : null,
      })),
    });
  });

  app.get('/phone/calls/:id', { config: answerCalls }, async (request, reply) => {
    const principal = request.principal!;
    const pop = await phone.screenPop(principal, uuidParam(request), auditContext(request));
    // Children already linked to the call (through its conversation) who have an allocated worker.
    const allocatedWorkers = pop.call.conversation_id ? await allocated.activeForConversation(principal, pop.call.conversation_id, auditContext(request)) : [];
    // The professional directory's entries for this number ("Known caller").
    const knownCallers = pop.call.caller_number ? await new ProfessionalsService(ctx).knownCallers(principal, { phone: pop.call.caller_number }) : [];
    return reply.view('telephony/views/screen-pop.njk', {
      title: 'Call from ' + pop.callerNumber,
      backLink: '/phone',
      ...pop,
      allocatedWorkers,
      knownCallers,
      mine: pop.call.worker_id === principal.id,
      outcomeLabel: pop.call.outcome ? OUTCOME_LABELS[pop.call.outcome] : null,
    });
  });

  app.post('/phone/calls/:id/conversation', { config: answerCalls }, async (request, reply) => {
    const caller = str(bodyOf(request).caller);
    const id = await phone.startConversation(request.principal!, auditContext(request), { callId: uuidParam(request) }, caller && caller !== 'new' ? caller : null);
    return reply.redirect(`/conversations/${id}`);
  });

  app.post('/phone/callbacks/take', { config: answerCalls }, async (request, reply) => {
    const principal = request.principal!;
    const wanted = str(bodyOf(request).callback);
    const next = wanted || (await ctx.db.selectFrom('callbacks').select('id').where('authority_id', '=', principal.authorityId).where('status', '=', 'waiting').orderBy('requested_at').limit(1).executeTakeFirst())?.id;
    if (!next || !/^[0-9a-f-]{36}$/.test(next)) {
      request.session.flash = { heading: 'No callbacks waiting', text: 'There are no callbacks waiting.' };
      return reply.redirect('/phone');
    }
    await phone.takeCallback(principal, next);
    return reply.redirect(`/phone/callbacks/${next}`);
  });

  app.get('/phone/callbacks/:id', { config: answerCalls }, async (request, reply) => {
    const principal = request.principal!;
    const { cb, callers, queueLabel } = await phone.callbackPop(principal, uuidParam(request), auditContext(request));
    return reply.view('telephony/views/callback.njk', {
      title: 'Call back ' + formatNumber(cb.number),
      backLink: '/phone',
      cb,
      number: formatNumber(cb.number),
      callers,
      mine: cb.claimed_by === principal.id && cb.status === 'in-progress',
      queueLabel,
    });
  });

  app.post('/phone/callbacks/:id/conversation', { config: answerCalls }, async (request, reply) => {
    const caller = str(bodyOf(request).caller);
    const id = await phone.startConversation(request.principal!, auditContext(request), { callbackId: uuidParam(request) }, caller && caller !== 'new' ? caller : null);
    return reply.redirect(`/conversations/${id}`);
  });

  app.post('/phone/callbacks/:id/finish', { config: answerCalls }, async (request, reply) => {
    const id = uuidParam(request);
    const result = str(bodyOf(request).result);
    if (!['spoke', 'no-answer', 'not-needed'].includes(result)) throw new HttpError(400, 'Say how the callback went', 'Choose whether you spoke to them, could not reach them, or the callback was not needed.');
    await phone.finishCallback(request.principal!, id, result as 'spoke' | 'no-answer' | 'not-needed');
    request.session.flash = {
      heading: result === 'no-answer' ? 'Callback back in the queue' : 'Callback finished',
      text: result === 'no-answer' ? 'Nobody answered: the callback is back in the queue, keeping its place.' : 'Set your status to available when you are ready for the next call.',
    };
    return reply.redirect('/phone');
  });

}
