/**
 * The generic CTI event API: any switch (Teams, Mitel, Avaya, Gamma…) can join its calls to the
 * record with a small adapter that posts these events. It authenticates with a service account of
 * the role `telephony-switch`, which can do nothing else.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.js';
import { HttpError } from '../../platform/http/errors.js';
import { hashToken } from '../../platform/http/app.js';
import type { CallRow } from '../../platform/db/schema.js';
import { incomingCall, promptVars, renderPromptText } from '../../domain/ivr.js';
import { normaliseUkPhone } from '../../domain/phone.js';
import { TelephonyService } from './telephony.service.js';
import { signalLive } from '../../platform/live.js';

const access = { access: { public: true as const, reason: 'telephone switches (CTI adapters)', checkedBy: 'service-account bearer token with the telephony-switch role' } };
const security = [{ bearer: [] }];
const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string() }).passthrough();

const common = {
  eventId: z.string().min(1).max(200).describe('Unique per event: an event sent again with the same id changes nothing and gets the first answer back'),
  at: z.string().datetime({ offset: true }).optional().describe('When it happened (ISO 8601); defaults to when it arrives'),
};
const callId = z.string().min(1).max(200).describe("The switch's own id for the call");
const phoneNumber = z.string().min(1).max(64);

export const ctiEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('call.offered'), ...common, callId,
    dialledNumber: phoneNumber.describe('One of the authority’s phone lines'),
    callerNumber: phoneNumber.nullable().optional().describe('Null or absent when withheld'),
    option: z.string().regex(/^[0-9]$/).optional().describe('The menu option chosen, if the switch ran the menu'),
    queue: z.string().max(64).optional().describe('The queue the call joined, if already queued'),
  }),
  z.object({ type: z.literal('call.queued'), ...common, callId, queue: z.string().min(1).max(64), option: z.string().regex(/^[0-9]$/).optional() }),
  z.object({ type: z.literal('call.answered'), ...common, callId, worker: z.string().min(1).max(254).describe("The worker's email address or user id") }),
  z.object({
    type: z.literal('call.transferred'), ...common, callId,
    toWorker: z.string().min(1).max(254).optional().describe('Another worker of the service'),
    toNumber: phoneNumber.optional().describe('A number outside the service'),
  }),
  z.object({ type: z.literal('call.ended'), ...common, callId, outcome: z.enum(['abandoned', 'out-of-hours', 'failed']).optional().describe('Only when the switch knows better than the call’s course (e.g. it played the closed message)') }),
  z.object({ type: z.literal('callback.requested'), ...common, callId: callId.optional(), queue: z.string().min(1).max(64), number: phoneNumber }),
  z.object({ type: z.literal('worker.status'), ...common, worker: z.string().min(1).max(254), status: z.enum(['available', 'wrap-up', 'away', 'offline']) }),
]);
export type CtiEvent = z.infer<typeof ctiEventSchema>;

const accepted = z.object({
  callId: z.string().nullable().describe("Front Door's id for the call"),
  state: z.string().nullable(),
  outcome: z.string().nullable(),
  callbackId: z.string().nullable(),
});

export function ctiRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const phone = new TelephonyService(ctx);

  async function switchAccount(request: FastifyRequest): Promise<{ id: string; authorityId: string }> {
    const token = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new HttpError(401, 'Sign-in required', 'Send the switch’s service-account bearer token.');
    const account = await ctx.db
      .selectFrom('service_accounts')
      .select(['id', 'authority_id'])
      .where('token_hash', '=', hashToken(token))
      .where('role', '=', 'telephony-switch')
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!account) throw new HttpError(401, 'Not authorised', 'The token is not a telephone switch’s token, or it was revoked.');
    return { id: account.id, authorityId: account.authority_id };
  }

  const accounts = new WeakMap<FastifyRequest, { id: string; authorityId: string }>();
  // The token is checked before the body is even validated: a caller without one learns nothing.
  const authenticate = async (request: FastifyRequest) => {
    accounts.set(request, await switchAccount(request));
  };

  app.post('/api/v1/telephony/events', {
    config: access,
    onRequest: authenticate,
    schema: {
      summary: 'Tell Front Door what happened to a call (CTI adapters for switches other than Twilio)',
      description: 'Events: call.offered, call.queued, call.answered, call.transferred, call.ended, callback.requested, worker.status. Post them in the order they happen; an event repeated with the same eventId changes nothing and gets the first answer back (header x-front-door-replayed).',
      tags: ['telephony'], security,
      body: ctiEventSchema,
      response: { 202: accepted, 200: accepted, 401: problem, 404: problem, 409: problem, 422: problem },
    },
  }, async (request, reply) => {
    const account = accounts.get(request)!;
    const e = request.body;
    const now = ctx.clock.now();
    const at = e.at ? new Date(e.at) : now;
    if (at.getTime() > now.getTime() + 5 * 60_000) throw new HttpError(422, 'The event is in the future', 'Check the switch’s clock: `at` is more than five minutes ahead.');
    const profile = ctx.profiles.get(account.authorityId);
    const knownQueue = (q: string) => {
      if (!profile.queues.some((x) => x.code === q)) throw new HttpError(422, 'Unknown queue', `There is no queue "${q}" in this authority's phone line configuration.`);
      return q;
    };
    const worker = async (who: string) => {
      const w = await phone.repo.workerUser(ctx.db, account.authorityId, who);
      if (!w) throw new HttpError(422, 'Unknown worker', 'No worker of this authority has that email address or id.');
      return w;
    };
    // Looked up before the transaction: the checks above and these answer 422 without touching anything.
    const workerId = 'worker' in e ? (await worker(e.worker)).id : e.type === 'call.transferred' && e.toWorker ? (await worker(e.toWorker)).id : null;

    const result = await phone.once(`cti:${account.id}:${e.eventId}`, 'cti', async (tx) => {
      const callFor = async (id: string): Promise<CallRow> => {
        const call = await phone.repo.findCall(tx, 'cti', id, true);
        if (!call || call.authority_id !== account.authorityId) throw new HttpError(404, 'Unknown call', 'Send call.offered for this callId first.');
        return call;
      };
      const body = (call: CallRow | null, callbackId: string | null = null) => ({
        status: 202,
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({ callId: call?.id ?? null, state: call?.state ?? null, outcome: call?.outcome ?? null, callbackId }),
      });
      switch (e.type) {
        case 'call.offered': {
          const match = phone.lineForNumber(e.dialledNumber);
          if (!match || match.profile.id !== account.authorityId) throw new HttpError(422, 'Number not recognised', 'The dialled number is not one of this authority’s phone lines.');
          const { call } = await phone.offer(tx, { source: 'cti', externalId: e.callId, match, dialled: e.dialledNumber, caller: e.callerNumber ?? null, at });
          const queued = e.queue ? await phone.enqueue(tx, call, knownQueue(e.queue), e.option ?? null, at) : call;
          return body(queued);
        }
        case 'call.queued':
          return body(await phone.enqueue(tx, await callFor(e.callId), knownQueue(e.queue), e.option ?? null, at));
        case 'call.answered':
          return body(await phone.answer(tx, await callFor(e.callId), workerId!, at));
        case 'call.transferred': {
          if (!e.toWorker === !e.toNumber) throw new HttpError(422, 'Say where the call went', 'Give either toWorker or toNumber.');
          const to = e.toWorker ? { workerId: workerId! } : { number: e.toNumber! };
          return body(await phone.transfer(tx, await callFor(e.callId), to, at));
        }
        case 'call.ended':
          return body(await phone.end(tx, await callFor(e.callId), at, e.outcome));
        case 'callback.requested': {
          const call = e.callId ? await callFor(e.callId) : null;
          const number = normaliseUkPhone(e.number)?.e164;
          if (!number) throw new HttpError(422, 'Not a phone number', 'The callback number is not a possible UK phone number.');
          const id = await phone.requestCallback(tx, { authorityId: account.authorityId, call, queue: knownQueue(e.queue), number, at });
          return body(call, id);
        }
        case 'worker.status': {
          await phone.repo.setPresence(tx, account.authorityId, workerId!, e.status, at, null);
          await signalLive(tx, account.authorityId);
          return body(null);
        }
      }
    });
    reply.header('x-front-door-replayed', String(result.replayed));
    return reply.code(result.replayed ? 200 : 202).send(JSON.parse(result.body) as z.infer<typeof accepted>);
  });

  app.get('/api/v1/telephony/lines/:number', {
    config: access,
    onRequest: authenticate,
    schema: {
      summary: 'Is the line open now, and what should a caller hear? (for switches that run their own menu)',
      tags: ['telephony'], security,
      params: z.object({ number: phoneNumber }),
      response: {
        200: z.object({
          lineId: z.string(),
          open: z.boolean(),
          reason: z.string().nullable(),
          nextOpening: z.string().nullable(),
          step: z.string().describe('closed | menu | enqueue'),
          queue: z.string().nullable(),
          prompts: z.array(z.string()).describe('What to say or play, in order'),
          options: z.array(z.object({ digit: z.string(), queue: z.string(), label: z.string() })),
        }),
        401: problem, 404: problem,
      },
    },
  }, async (request) => {
    const account = accounts.get(request)!;
    const match = phone.lineForNumber(request.params.number);
    if (!match || match.profile.id !== account.authorityId) throw new HttpError(404, 'Number not recognised', 'That is not one of this authority’s phone lines.');
    const now = ctx.clock.now();
    const calendar = ctx.calendars.forAuthority(match.profile.id);
    const status = calendar.statusAt(now);
    const step = incomingCall(match.profile, calendar, match.lineId, now);
    const vars = promptVars(match.profile, calendar, now);
    const line = match.profile.phoneLines.find((l) => l.id === match.lineId)!;
    return {
      lineId: match.lineId,
      open: status.open,
      reason: status.open ? null : status.reason,
      nextOpening: status.open ? null : (status.nextOpening?.toISOString() ?? null),
      step: step.kind,
      queue: step.kind === 'enqueue' ? step.queue : null,
      prompts: step.prompts.map((p) => renderPromptText(p, vars)),
      options: line.options.map((o) => ({ digit: o.digit, queue: o.queue, label: o.label })),
    };
  });
}
