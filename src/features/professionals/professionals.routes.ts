import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN, type Role } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, opt, str, type FormBody } from '../../platform/http/forms.js';
import { HttpError, toErrorList } from '../../platform/http/errors.js';
import { uuidParam } from '../../platform/http/params.js';
import { isPlausibleEmail } from '../../domain/phone.js';
import { CALLER_TYPES } from '../../domain/codes.js';
import { EMAIL_FORMAT_MESSAGE, PHONE_FORMAT_MESSAGE, type FieldError } from '../../domain/conversation-rules.js';
import { ConversationsService } from '../conversations/conversations.service.js';
import { ProfessionalsService, type KnownProfessional } from './professionals.service.js';
import { FIELD_LABELS, tidyPhone } from './directory-rules.js';

/** CADS workers and team managers keep the directory. */
export const DIRECTORY_ROLES: Role[] = ['cads-worker', 'team-manager'];
const directory = { access: { roles: DIRECTORY_ROLES } };
/** issue10-D: merging two professionals' records is a sensitive action: it needs a recent sign-in. */
const merge = { ...directory, recentAuth: true };
const write = { access: { roles: CAN.recordConversations } };

/** The directory's values for the correction form. */
function formValues(p: KnownProfessional): Record<string, string> {
  return { name: p.name, agency: p.agency_code ?? '', 'agency-other': p.agency_other ?? '', role: p.role ?? '', team: p.team ?? '', phone: p.phone ?? '', email: p.email ?? '', reason: '' };
}

/** The history's changes as lines a person can read. */
function describeChanges(changes: Record<string, { from: unknown; to: unknown }>, agencyLabel: (code: unknown) => string): { field: string; from: string; to: string }[] {
  return Object.entries(changes)
    .filter(([k]) => k in FIELD_LABELS)
    .map(([k, v]) => ({
      field: FIELD_LABELS[k]!,
      from: (k === 'agency_code' ? agencyLabel(v.from) : (v.from as string | null)) || 'Not recorded',
      to: (k === 'agency_code' ? agencyLabel(v.to) : (v.to as string | null)) || 'Not recorded',
    }));
}

/** The professional directory's pages, and recognising a known caller in a draft conversation. */
export function professionalsRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new ProfessionalsService(ctx);
  const conversations = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars);

  // --- the caller section of a draft: "Find caller" and "Use these details" ----------------------

  app.post('/conversations/:id/find-caller', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const p = request.principal!;
    const body = bodyOf(request);
    const d = await conversations.loadDraft(p, id, auditContext(request));
    const phone = opt(body['caller-phone']);
    const email = opt(body['caller-email']);
    const errors: FieldError[] = [];
    if (!phone && !email) errors.push({ field: 'caller-phone', message: 'Enter a phone number or email address to find the caller' });
    if (phone && !tidyPhone(phone)) errors.push({ field: 'caller-phone', message: PHONE_FORMAT_MESSAGE });
    if (email && !isPlausibleEmail(email)) errors.push({ field: 'caller-email', message: EMAIL_FORMAT_MESSAGE });
    const knownCallers = errors.length ? [] : await service.knownCallers(p, { phone, email });
    if (errors.length) reply.code(400);
    return reply.view('conversations/views/section-caller.njk', {
      title: 'Caller', section: 'caller', ...d, callerTypes: CALLER_TYPES, values: body, backLink: `/conversations/${id}/edit`,
      knownCallers, lookedUp: !errors.length, ...(errors.length ? { errors: toErrorList(errors) } : {}),
    });
  });

  app.post('/conversations/:id/use-caller', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const professionalId = str(body['professional-id']);
    if (!/^[0-9a-f-]{36}$/.test(professionalId)) throw new HttpError(400, 'Choose a caller', 'Choose “Use these details” under the known caller.');
    const used = await service.useDetails(request.principal!, id, professionalId, Number(str(body['lock-version'])), auditContext(request));
    request.session.flash = { heading: 'Caller’s details filled in', text: `The details of ${used.name} from the professional directory are in the form below. Check them with the caller, then save.` };
    return reply.redirect(`/conversations/${id}/caller`);
  });

  // --- the directory ------------------------------------------------------------------------

  const renderDirectory = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>) => {
    const profile = ctx.profiles.get(request.principal!.authorityId);
    return reply.view('professionals/views/directory.njk', { title: 'Professional directory', agencies: profile.agencies, values: {}, ...extra });
  };

  app.get('/professionals', { config: directory }, async (request, reply) => renderDirectory(request, reply, { results: await service.recent(request.principal!), searched: false }));

  // A search is posted, not put in the address: names, numbers and emails stay out of URLs and logs.
  app.post('/professionals/search', { config: directory }, async (request, reply) => {
    const body = bodyOf(request);
    const q = str(body.q);
    const agencies = ctx.profiles.get(request.principal!.authorityId).agencies.map((a) => a.code);
    const agency = agencies.includes(str(body.agency)) ? str(body.agency) : null;
    if (!q && !agency) {
      reply.code(400);
      return renderDirectory(request, reply, { results: [], searched: false, values: body, errors: [{ text: 'Enter a name, phone number or email address, or select an agency', href: '#q' }] });
    }
    if (q.length > 200) {
      reply.code(400);
      return renderDirectory(request, reply, { results: [], searched: false, values: body, errors: [{ text: 'Search must be 200 characters or fewer', href: '#q' }] });
    }
    return renderDirectory(request, reply, { results: await service.search(request.principal!, q, agency), searched: true, values: body });
  });

  app.get('/professionals/:id', { config: directory }, async (request, reply) => {
    const id = uuidParam(request);
    const v = await service.view(request.principal!, id, auditContext(request));
    if ('mergedInto' in v) {
      request.session.flash = { heading: 'This entry was merged', text: `The entry you opened was merged into this one, which is the entry kept for ${v.name}.` };
      return reply.redirect(`/professionals/${v.mergedInto}`);
    }
    const profile = ctx.profiles.get(request.principal!.authorityId);
    const agencyLabel = (code: unknown) => (typeof code === 'string' ? profile.agencies.find((a) => a.code === code)?.label ?? code : '');
    const history = v.history.map((h) => ({ ...h, lines: describeChanges(h.changes, agencyLabel) }));
    return reply.view('professionals/views/professional.njk', { title: v.professional.name, ...v, history, backLink: '/professionals' });
  });

  const renderCorrect = async (request: FastifyRequest, reply: FastifyReply, values: FormBody | Record<string, string> | null, errors?: FieldError[]) => {
    const p = await service.find(request.principal!, uuidParam(request));
    if (p.merged_into) return reply.redirect(`/professionals/${p.id}`);
    return reply.view('professionals/views/correct.njk', {
      title: `Correct the details of ${p.name}`, professional: p, values: values ?? formValues(p), agencies: ctx.profiles.get(request.principal!.authorityId).agencies,
      backLink: `/professionals/${p.id}`, ...(errors ? { errors: toErrorList(errors) } : {}),
    });
  };

  app.get('/professionals/:id/correct', { config: directory }, (request, reply) => renderCorrect(request, reply, null));

  app.post('/professionals/:id/correct', { config: directory }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    await service.find(request.principal!, id);
    const result = await service.correct(request.principal!, id, body, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderCorrect(request, reply, body, result.errors);
    }
    request.session.flash = result.changed
      ? { heading: 'Details corrected', text: 'The directory now holds the corrected details. The change is in the history below.' }
      : { heading: 'Nothing changed', text: 'The details you saved were the same as before.' };
    return reply.redirect(`/professionals/${id}`);
  });

  const renderMerge = async (request: FastifyRequest, reply: FastifyReply, values: FormBody, errors?: FieldError[]) => {
    const p = await service.find(request.principal!, uuidParam(request));
    if (p.merged_into) return reply.redirect(`/professionals/${p.id}`);
    const candidates = await service.lookAlikes(request.principal!, p.id);
    return reply.view('professionals/views/merge.njk', {
      title: `Merge ${p.name} with another entry`, professional: p, candidates, values, backLink: `/professionals/${p.id}`, ...(errors ? { errors: toErrorList(errors) } : {}),
    });
  };

  app.get('/professionals/:id/merge', { config: merge }, (request, reply) => renderMerge(request, reply, {}));

  app.post('/professionals/:id/merge', { config: merge }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const result = await service.merge(request.principal!, id, body, auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return renderMerge(request, reply, body, result.errors);
    }
    request.session.flash = {
      heading: 'Entries merged',
      text: `The two entries are now one. ${result.moved} ${result.moved === 1 ? 'conversation has' : 'conversations have'} moved to this entry, and the other entry’s page now leads here.`,
    };
    return reply.redirect(`/professionals/${result.keptId}`);
  });
}
