/**
 * Twilio's voice webhooks. Twilio posts a form for each step of a call and follows the TwiML we
 * answer with. Every request must carry a valid X-Twilio-Signature for the deployment's auth token;
 * a repeated request (Twilio retries, or a replay) gets the first answer back and changes nothing.
 *
 * The worker's side is a Twilio Client (softphone) whose identity is the worker's user id: when it
 * connects, `/agent` dials the queue with the longest wait, and Twilio tells `/connected` which caller
 * was put through, which is the moment the call counts as answered and the screen pops.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { HttpError } from '../../platform/http/errors.js';
import { CAN, isRole } from '../../platform/auth/roles.js';
import type { Tx } from '../../platform/db/database.js';
import type { CallRow } from '../../platform/db/schema.js';
import { chosenOption, fillPrompt, holdStep, incomingCall, promptVars } from '../../domain/ivr.js';
import { TelephonyService } from './telephony.service.js';
import type { StoredResponse } from './telephony.repository.js';
import { dequeueTwiml, emptyTwiml, holdTwiml, sayAndThen, stepToTwiml, twilioQueueName } from './twiml.js';

const access = { access: { public: true as const, reason: 'Twilio voice webhooks', checkedBy: 'X-Twilio-Signature' } };

const callSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'CallSid must be CA followed by 32 hex digits');
const accountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'AccountSid must be AC followed by 32 hex digits');
const number = z.string().trim().min(1).max(64);
const base = z.object({ CallSid: callSid, AccountSid: accountSid }).passthrough();
const voiceBody = base.extend({ To: number, From: z.string().max(64).optional(), CallStatus: z.string().max(32).optional() });
const digitsBody = base.extend({ Digits: z.string().max(16).optional() });
const queueResultBody = base.extend({ QueueResult: z.string().max(32), QueueTime: z.coerce.number().optional() });
const statusBody = base.extend({ CallStatus: z.enum(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']) });
const agentBody = base.extend({ From: z.string().regex(/^client:[0-9a-f-]{36}$/i, 'From must be client:<worker id>'), Queue: z.string().max(64).optional() });

const XML = 'text/xml; charset=utf-8';
const xml = (body: string, status = 200): StoredResponse => ({ status, contentType: XML, body });

/** Twilio sends a withheld number as 'anonymous', 'Anonymous', '+266696687' or 'client:…'. */
function callerNumber(from: string | undefined): string | null {
  if (!from || /^(anonymous|restricted|unknown|private)$/i.test(from) || from === '+266696687' || from.startsWith('client:')) return null;
  return from;
}

export function twilioRoutes(app: FastifyInstance, ctx: AppContext) {
  const phone = new TelephonyService(ctx);
  const url = (path: string) => `${ctx.config.baseUrl}/telephony/twilio/${path}`;

  /** Signature first (nothing is read without it), then the form, then the account. */
  function verified<T extends z.ZodTypeAny>(request: FastifyRequest, schema: T): z.infer<T> {
    const token = ctx.config.telephony.twilioAuthToken;
    const signature = request.headers['x-twilio-signature'];
    if (!token) throw new HttpError(503, 'Telephony is not set up', 'Set TWILIO_AUTH_TOKEN to accept calls from Twilio.');
    if (typeof signature !== 'string' || signature.length === 0) throw new HttpError(401, 'Signature missing', 'Twilio webhooks must carry X-Twilio-Signature.');
    const isForm = String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const params = isForm && request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    if (!twilio.validateRequest(token, signature, `${ctx.config.baseUrl}${request.url}`, params)) {
      throw new HttpError(401, 'Signature not valid', 'The X-Twilio-Signature does not match this request.');
    }
    if (!isForm) throw new HttpError(415, 'Form expected', 'Twilio webhooks are application/x-www-form-urlencoded.');
    const parsed = schema.safeParse(params);
    if (!parsed.success) {
      throw new HttpError(400, 'The webhook was not valid', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    const account = ctx.config.telephony.twilioAccountSid;
    if (account && (parsed.data as { AccountSid: string }).AccountSid !== account) {
      throw new HttpError(403, 'Wrong account', 'This webhook came from another Twilio account.');
    }
    return parsed.data;
  }

  /** The same request again (same URL and form) is the same webhook. */
  function receiptKey(request: FastifyRequest): string {
    const params = request.body as Record<string, string>;
    const canonical = request.url + '\n' + Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
    return 'twilio:' + createHash('sha256').update(canonical).digest('hex');
  }

  async function answer(request: FastifyRequest, reply: FastifyReply, work: (tx: Tx) => Promise<StoredResponse>) {
    const result = await phone.once(receiptKey(request), 'twilio', work);
    if (result.replayed) reply.header('x-front-door-replayed', 'true');
    return reply.code(result.status).type(result.contentType).send(result.body);
  }

  async function callFor(tx: Tx, sid: string): Promise<CallRow> {
    const call = await phone.repo.findCall(tx, 'twilio', sid, true);
    if (!call) throw new HttpError(404, 'Unknown call', 'No call with this CallSid was offered to this service.');
    return call;
  }

  const menuUrl = (attempt: number) => url(`menu?attempt=${attempt}`);
  const stepUrls = (attempt: number) => ({ menu: menuUrl(attempt), wait: url('wait'), queueResult: url('queue-result') });

  app.post('/telephony/twilio/voice', { config: access }, async (request, reply) => {
    const body = verified(request, voiceBody);
    const match = phone.lineForNumber(body.To);
    if (!match) throw new HttpError(404, 'Number not recognised', 'The dialled number is not one of this service’s phone lines.');
    return answer(request, reply, async (tx) => {
      const at = ctx.clock.now();
      const { call } = await phone.offer(tx, { source: 'twilio', externalId: body.CallSid, match, dialled: body.To, caller: callerNumber(body.From), at });
      const calendar = ctx.calendars.forAuthority(match.profile.id);
      const step = incomingCall(match.profile, calendar, match.lineId, at);
      if (step.kind === 'closed') {
        await phone.end(tx, call, at, 'out-of-hours');
        await phone.repo.addEvent(tx, call.id, 'closed', at, null, { reason: step.reason });
      } else if (step.kind === 'enqueue') {
        await phone.enqueue(tx, call, step.queue, null, at);
      }
      return xml(stepToTwiml(match.profile, step, stepUrls(1)));
    });
  });

  app.post('/telephony/twilio/menu', { config: access }, async (request, reply) => {
    const body = verified(request, digitsBody);
    const attempt = Math.min(Math.max(Number((request.query as { attempt?: string }).attempt) || 1, 1), 10);
    return answer(request, reply, async (tx) => {
      const at = ctx.clock.now();
      const call = await callFor(tx, body.CallSid);
      const profile = ctx.profiles.get(call.authority_id);
      if (call.state !== 'menu') return xml(emptyTwiml());
      const digit = body.Digits && /^[0-9]$/.test(body.Digits) ? body.Digits : body.Digits ? 'x' : null;
      const step = chosenOption(profile, call.line_id, digit, attempt, promptVars(profile, ctx.calendars.forAuthority(profile.id), at));
      if (step.kind === 'enqueue') await phone.enqueue(tx, call, step.queue, digit && digit !== 'x' ? digit : null, at);
      if (step.kind === 'hangup') await phone.end(tx, call, at, 'no-option');
      return xml(stepToTwiml(profile, step, stepUrls(attempt + 1)));
    });
  });

  // Asked again and again while the caller waits; it changes nothing, so it keeps no receipt.
  app.post('/telephony/twilio/wait', { config: access }, async (request, reply) => {
    const body = verified(request, base);
    const call = await phone.repo.findCall(ctx.db, 'twilio', body.CallSid);
    if (!call) throw new HttpError(404, 'Unknown call', 'No call with this CallSid was offered to this service.');
    const profile = ctx.profiles.get(call.authority_id);
    const at = ctx.clock.now();
    const waited = call.queued_at ? (at.getTime() - new Date(call.queued_at).getTime()) / 1000 : 0;
    const hasCallback = await ctx.db.selectFrom('callbacks').select('id').where('call_id', '=', call.id).executeTakeFirst();
    const hold = holdStep(profile, call.queue_code ?? '', waited, promptVars(profile, ctx.calendars.forAuthority(profile.id), at));
    const offer = hold.offerCallback && !hasCallback && call.caller_number !== null;
    return reply.type(XML).send(holdTwiml(profile, offer ? hold.prompts : hold.prompts.slice(0, 1), offer ? url('callback') : null));
  });

  app.post('/telephony/twilio/callback', { config: access }, async (request, reply) => {
    const body = verified(request, digitsBody);
    return answer(request, reply, async (tx) => {
      const at = ctx.clock.now();
      const call = await callFor(tx, body.CallSid);
      const profile = ctx.profiles.get(call.authority_id);
      if (body.Digits !== '1' || call.state !== 'queued' || !call.caller_number) return xml(emptyTwiml());
      await phone.requestCallback(tx, { authorityId: call.authority_id, call, queue: call.queue_code!, number: call.caller_number, at });
      // Leaving the queue ends the hold loop; Twilio then asks queue-result, which thanks the caller.
      return xml(sayAndThen(profile, [], 'leave'));
    });
  });

  app.post('/telephony/twilio/queue-result', { config: access }, async (request, reply) => {
    const body = verified(request, queueResultBody);
    return answer(request, reply, async (tx) => {
      const at = ctx.clock.now();
      const call = await callFor(tx, body.CallSid);
      const profile = ctx.profiles.get(call.authority_id);
      await phone.repo.addEvent(tx, call.id, 'queue-result', at, null, { result: body.QueueResult });
      switch (body.QueueResult) {
        case 'leave': {
          // The caller left the queue to be called back: thank them and end the call.
          const vars = promptVars(profile, ctx.calendars.forAuthority(profile.id), at);
          await phone.end(tx, call, at, 'callback');
          return xml(sayAndThen(profile, [fillPrompt(profile.phoneMessages.callbackConfirmed, vars)], 'hangup'));
        }
        case 'hangup':
          await phone.end(tx, call, at);
          return xml(emptyTwiml());
        case 'error':
        case 'system-error':
        case 'queue-full':
          await phone.end(tx, call, at, call.state === 'connected' ? 'answered' : 'failed');
          return xml(emptyTwiml());
        default:
          // bridged (the call was answered and has finished), redirected, bridging-in-process.
          if (body.QueueResult === 'bridged' && call.state === 'connected') await phone.end(tx, call, at);
          return xml(emptyTwiml());
      }
    });
  });

  // A worker's softphone asks for the next caller: dial the queue whose first caller has waited longest.
  app.post('/telephony/twilio/agent', { config: access }, async (request, reply) => {
    const body = verified(request, agentBody);
    const workerId = body.From.slice('client:'.length);
    const worker = await ctx.db.selectFrom('users').select(['id', 'authority_id', 'role']).where('id', '=', workerId).where('disabled_at', 'is', null).executeTakeFirst();
    if (!worker || !isRole(worker.role) || !CAN.answerCalls.includes(worker.role)) {
      throw new HttpError(403, 'Not a worker who answers calls', 'This softphone is not linked to a worker who answers calls.');
    }
    const profile = ctx.profiles.get(worker.authority_id);
    const wanted = body.Queue ? profile.queues.filter((q) => q.code === body.Queue).map((q) => q.code) : [];
    if (body.Queue && wanted.length === 0) throw new HttpError(404, 'Unknown queue', 'There is no queue with that name.');
    const next = await phone.repo.oldestWaiting(ctx.db, profile.id, wanted);
    if (!next) return reply.type(XML).send(sayAndThen(profile, [{ say: 'There are no calls waiting.' }], 'hangup'));
    return reply.type(XML).send(dequeueTwiml(twilioQueueName(profile.id, next.queue_code!), url(`connected?worker=${worker.id}`)));
  });

  // Twilio asks this (the Queue noun's url) on the caller's call just before putting them through.
  app.post('/telephony/twilio/connected', { config: access }, async (request, reply) => {
    const body = verified(request, base);
    const workerId = String((request.query as { worker?: string }).worker ?? '');
    return answer(request, reply, async (tx) => {
      const at = ctx.clock.now();
      const call = await callFor(tx, body.CallSid);
      const worker = await phone.repo.workerUser(tx, call.authority_id, workerId);
      if (!worker) throw new HttpError(404, 'Unknown worker', 'The worker in the dequeue URL is not in this authority.');
      await phone.answer(tx, call, worker.id, at);
      return xml(emptyTwiml());
    });
  });

  app.post('/telephony/twilio/status', { config: access }, async (request, reply) => {
    const body = verified(request, statusBody);
    return answer(request, reply, async (tx) => {
      const at = ctx.clock.now();
      const call = await callFor(tx, body.CallSid);
      await phone.repo.addEvent(tx, call.id, `status:${body.CallStatus}`, at, null);
      if (['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(body.CallStatus)) {
        await phone.end(tx, call, at, body.CallStatus === 'failed' && call.state !== 'connected' ? 'failed' : undefined);
      }
      return { status: 204, contentType: 'text/plain', body: '' };
    });
  });
}
