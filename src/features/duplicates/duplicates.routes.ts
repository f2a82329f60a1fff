import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { HttpError, toErrorList } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { SEX_CODES } from '../../domain/codes.js';
import { displayName } from '../../domain/names.js';
import { DuplicatesService, REASON_MAX, type Refusal } from './duplicates.service.js';

const review = { access: { roles: CAN.reviewDuplicates } };
const decide = { access: { roles: CAN.mergePeople } };
/** issue10-D: merging and unmerging records are sensitive actions: they need a recent sign-in. */
const merge = { ...decide, recentAuth: true };

/** The review queue, the side-by-side comparison, merge, "not the same person" and undoing a merge. */
export function duplicatesRoutes(app: FastifyInstance, ctx: AppContext) {
  const duplicates = new DuplicatesService(ctx);

  app.get('/duplicates', { config: review }, async (request, reply) => {
    const principal = request.principal!;
    const [pairs, lastScan] = await Promise.all([duplicates.queue(principal), duplicates.repo.lastScan(ctx.db, principal.authorityId)]);
    return reply.view('duplicates/views/queue.njk', { title: 'Possible duplicate records', pairs, lastScan, canDecide: CAN.mergePeople.includes(principal.role) });
  });

  app.post('/duplicates/scan', { config: decide }, async (request, reply) => {
    await duplicates.requestScan(request.principal!);
    request.session.flash = { heading: 'Looking for duplicates', text: 'Any possible duplicates found will appear in this list in a few minutes. Nothing is merged without a person deciding.' };
    return reply.redirect('/duplicates');
  });

  const renderPair = async (request: FastifyRequest, reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) => {
    const pair = await duplicates.compare(request.principal!, id, auditContext(request));
    return reply.view('duplicates/views/compare.njk', {
      title: 'Compare possible duplicates', backLink: '/duplicates', ...pair, sexes: SEX_CODES,
      canDecide: CAN.mergePeople.includes(request.principal!.role), values: {}, reasonMax: REASON_MAX, ...extra,
    });
  };

  app.get('/duplicates/:id', { config: review }, async (request, reply) => renderPair(request, reply, uuidParam(request)));

  const refused = (request: FastifyRequest, reply: FastifyReply, id: string, r: Refusal, values: Record<string, unknown>) => {
    reply.code(r.status);
    return renderPair(request, reply, id, { values, errors: toErrorList(r.errors) });
  };

  app.post('/duplicates/:id/merge', { config: merge }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await duplicates.mergePair(request.principal!, id, str(body.survivor), str(body.reason), auditContext(request));
    if (!result.ok) return refused(request, reply, id, result, body);
    const merged = await duplicates.repo.person(ctx.db, request.principal!.authorityId, result.mergedId);
    request.session.flash = {
      heading: 'Records merged',
      text: `${merged ? displayName(merged) : 'The other'}’s record has been merged into this one: everything about both now shows here. Nothing was deleted, and the merge can be undone from “Merged records” below.`,
    };
    return reply.redirect(`/people/${result.survivorId}`);
  });

  app.post('/duplicates/:id/not-same', { config: decide }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await duplicates.markNotSame(request.principal!, id, str(body.note), auditContext(request));
    if (!result.ok) return refused(request, reply, id, result, body);
    request.session.flash = { heading: 'Marked as not the same person', text: 'These two records will not be suggested as duplicates again.' };
    return reply.redirect('/duplicates');
  });

  const renderUndo = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const m = await duplicates.mergeToUndo(request.principal!, uuidParam(request));
    return reply.view('duplicates/views/unmerge.njk', { title: 'Undo a merge', backLink: `/people/${m.survivor.id}#merged-records`, ...m, values: {}, ...extra });
  };

  app.get('/merges/:id/unmerge', { config: merge }, (request, reply) => renderUndo(request, reply));

  app.post('/merges/:id/unmerge', { config: merge }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await duplicates.unmerge(request.principal!, id, str(body.reason), auditContext(request));
    if (!result.ok) {
      reply.code(result.status);
      return renderUndo(request, reply, { values: body, errors: toErrorList(result.errors) });
    }
    request.session.flash = { heading: 'Merge undone', text: 'The two records are separate again, exactly as they were before the merge.' };
    return reply.redirect(`/people/${result.mergedId}`);
  });
}

const uuid = z.string().uuid();
const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string(), errors: z.array(z.object({ field: z.string(), message: z.string() })).optional() });
const personBrief = z.object({ id: z.string(), givenName: z.string().nullable(), familyName: z.string().nullable(), dateOfBirth: z.string().nullable() });
const mergeOut = z.object({ mergeId: z.string(), survivorId: z.string(), mergedId: z.string() });

function refusalProblem(r: Refusal, title: string): HttpError {
  // Form-style "please fill this in" errors are 400 on pages; over the API a readable body that breaks a rule is 422.
  return new HttpError(r.status === 400 ? 422 : r.status, title, r.errors.map((e) => e.message).join('. '), { errors: r.errors });
}

/** The same, for integrations: list the open pairs, merge, and undo a merge. */
export function duplicatesApiRoutes(root: FastifyInstance, ctx: AppContext) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const duplicates = new DuplicatesService(ctx);
  const security = [{ bearer: [] }];

  app.get('/api/v1/duplicates', {
    config: review,
    schema: {
      summary: 'Possible duplicate records waiting for a person to decide, most likely first',
      tags: ['duplicates'], security,
      response: {
        200: z.object({
          pairs: z.array(z.object({ id: z.string(), probability: z.number(), likelihood: z.string(), reasons: z.array(z.string()), personA: personBrief, personB: personBrief })),
        }),
      },
    },
  }, async (request) => {
    const pairs = await duplicates.queue(request.principal!);
    const brief = (p: { id: string; given_name: string | null; family_name: string | null; date_of_birth: string | null }) => ({ id: p.id, givenName: p.given_name, familyName: p.family_name, dateOfBirth: p.date_of_birth });
    return { pairs: pairs.map((p) => ({ id: p.id, probability: p.probability, likelihood: p.words, reasons: p.reasons, personA: brief(p.a), personB: brief(p.b) })) };
  });

  app.post('/api/v1/people/:id/merge', {
    config: decide,
    schema: {
      summary: 'Merge this person into another record (the one kept). Nothing is deleted, and the merge can be undone',
      tags: ['duplicates'], security,
      params: z.object({ id: uuid }),
      body: z.object({ mergeIntoId: uuid.describe('The record to keep'), reason: z.string().min(1).max(REASON_MAX).describe('Why these are the same child') }),
      response: { 201: mergeOut, 404: problem, 409: problem, 422: problem },
    },
  }, async (request, reply) => {
    const result = await duplicates.merge(request.principal!, request.params.id, request.body.mergeIntoId, request.body.reason, auditContext(request));
    if (!result.ok) throw refusalProblem(result, 'The records were not merged');
    return reply.code(201).send({ mergeId: result.mergeId, survivorId: result.survivorId, mergedId: result.mergedId });
  });

  app.post('/api/v1/merges/:id/unmerge', {
    config: decide,
    schema: {
      summary: 'Undo a merge: both records stand on their own again, exactly as before',
      tags: ['duplicates'], security,
      params: z.object({ id: uuid }),
      body: z.object({ reason: z.string().min(1).max(REASON_MAX).describe('Why the merge was wrong') }),
      response: { 200: mergeOut, 404: problem, 409: problem, 422: problem },
    },
  }, async (request) => {
    const result = await duplicates.unmerge(request.principal!, request.params.id, request.body.reason, auditContext(request));
    if (!result.ok) throw refusalProblem(result, 'The merge was not undone');
    return { mergeId: result.mergeId, survivorId: result.survivorId, mergedId: result.mergedId };
  });
}
