import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { uuidParam } from '../../platform/http/params.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import { recordAudit } from '../../platform/audit.js';
import { WrittenRecordsService } from './written-records.service.js';
import { sameToken } from '../survey/survey-token.js';

/**
 * Email HTML carries its own inline styles (mail clients strip style sheets), so it is served on
 * its own with a policy that allows exactly that: inline styles, no scripts, no framing by others.
 */
function sendEmailHtml(reply: FastifyReply, html: string) {
  return reply
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
    .type('text/html; charset=utf-8')
    .send(html);
}

export function writtenRecordsRoutes(app: FastifyInstance, ctx: AppContext) {
  const records = new WrittenRecordsService(ctx);
  const write = { access: { roles: CAN.recordConversations } };

  /** The version a preview shows: the draft being written (or corrected), else the current one. */
  const previewVersion = async (authorityId: string, id: string) => {
    const c = await ctx.db.selectFrom('conversations').selectAll().where('id', '=', id).where('authority_id', '=', authorityId).executeTakeFirst();
    if (!c) throw notFound('conversation');
    const draft = await ctx.db.selectFrom('conversation_versions').select('version').where('conversation_id', '=', id).where('status', '=', 'draft').executeTakeFirst();
    return { c, version: draft?.version ?? c.current_version };
  };

  const previewed = async (request: FastifyRequest, conversationId: string, version: number) => {
    const children = await ctx.db.selectFrom('conversation_children').select('person_id').where('conversation_id', '=', conversationId).where('version', '=', version).execute();
    await recordAudit(ctx.db, auditContext(request), { action: 'written-record.previewed', conversationId, personIds: children.map((x) => x.person_id) });
  };

  app.get('/conversations/:id/written-record', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const { c, version } = await previewVersion(request.principal!.authorityId, id);
    const deliveries = await records.deliveries(request.principal!, id);
    const v = await ctx.db.selectFrom('conversation_versions').select(['caller_email', 'status']).where('conversation_id', '=', id).where('version', '=', version).executeTakeFirstOrThrow();
    return reply.view('written-records/views/written-record.njk', { title: 'The written record', conversation: c, version, versionStatus: v.status, callerEmail: v.caller_email, deliveries, backLink: c.status === 'draft' ? `/conversations/${id}/check` : `/conversations/${id}`, values: {} });
  });

  app.get('/conversations/:id/written-record/preview.html', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const { version } = await previewVersion(request.principal!.authorityId, id);
    const rendered = await records.render(ctx.db, id, version, null);
    await previewed(request, id, version);
    return sendEmailHtml(reply, rendered.html);
  });

  app.get('/conversations/:id/written-record/preview.pdf', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const { version } = await previewVersion(request.principal!.authorityId, id);
    const rendered = await records.render(ctx.db, id, version, null);
    await previewed(request, id, version);
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${rendered.pdfFilename}"`).send(rendered.pdf);
  });

  app.post('/conversations/:id/written-record/send', { config: write }, async (request, reply) => {
    const id = uuidParam(request);
    const body = bodyOf(request);
    const extra = str(body['extra-address']);
    const toExtra = str(body.to) === 'extra';
    if (toExtra && !extra) {
      const { c, version } = await previewVersion(request.principal!.authorityId, id);
      const deliveries = await records.deliveries(request.principal!, id);
      reply.code(400);
      return reply.view('written-records/views/written-record.njk', {
        title: 'The written record', conversation: c, version, versionStatus: 'completed', deliveries, backLink: `/conversations/${id}`, values: body,
        errors: [{ text: 'Enter the email address to send the record to', href: '#extra-address' }],
      });
    }
    try {
      await records.resend(request.principal!, id, toExtra ? extra : null, auditContext(request));
    } catch (err) {
      if (err instanceof HttpError && err.status === 400) {
        const { c, version } = await previewVersion(request.principal!.authorityId, id);
        const deliveries = await records.deliveries(request.principal!, id);
        reply.code(400);
        return reply.view('written-records/views/written-record.njk', {
          title: 'The written record', conversation: c, version, versionStatus: 'completed', deliveries, backLink: `/conversations/${id}`, values: body,
          errors: [{ text: err.detail, href: toExtra ? '#extra-address' : '#to' }],
        });
      }
      throw err;
    }
    request.session.flash = { heading: 'Written record queued', text: 'It will be sent in the next few seconds. Its progress shows below.' };
    return reply.redirect(`/conversations/${id}/written-record`);
  });

  app.post('/tasks/:id/done', { config: { access: { roles: CAN.everyone } } }, async (request, reply) => {
    await records.completeTask(request.principal!, uuidParam(request));
    request.session.flash = { heading: 'Task done', text: 'It has been taken off your list.' };
    return reply.redirect('/');
  });

  // The local mailbox: what would have been emailed, for the embedded demo.
  app.get('/mailbox', { config: write }, async (request, reply) => {
    const messages = await ctx.db
      .selectFrom('mailbox_messages')
      .select(['id', 'to_address', 'subject', 'created_at'])
      .where('authority_id', '=', request.principal!.authorityId)
      .orderBy('created_at', 'desc')
      .limit(100)
      .execute();
    return reply.view('written-records/views/mailbox.njk', { title: 'Mailbox', messages, provider: ctx.mailer.name });
  });

  /**
   * A written record in the mailbox names the children, so reading it is audited like any view of
   * their record. A notification to staff (an overdue MASH check) names no child and is not.
   */
  const message = async (request: FastifyRequest, id: string) => {
    const m = await ctx.db.selectFrom('mailbox_messages').selectAll().where('id', '=', id).where('authority_id', '=', request.principal!.authorityId).executeTakeFirst();
    if (!m) throw notFound('message');
    if (m.written_record_id) {
      const r = await ctx.db.selectFrom('written_records').select(['conversation_id', 'version']).where('id', '=', m.written_record_id).executeTakeFirstOrThrow();
      await previewed(request, r.conversation_id, r.version);
    }
    return m;
  };
  app.get('/mailbox/:id', { config: write }, async (request, reply) => {
    const m = await message(request, uuidParam(request));
    return reply.view('written-records/views/mailbox-message.njk', { title: m.subject, message: m, backLink: '/mailbox' });
  });
  app.get('/mailbox/:id/html', { config: write }, async (request, reply) => sendEmailHtml(reply, (await message(request, uuidParam(request))).html));
  app.get('/mailbox/:id/pdf', { config: write }, async (request, reply) => {
    const m = await message(request, uuidParam(request));
    if (!m.pdf) throw notFound('attachment');
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${m.pdf_filename}"`).send(m.pdf);
  });

  // GOV.UK Notify's delivery receipts. Notify sends the callback token we gave it as a bearer token.
  app.post('/api/v1/notify/callback', { config: { access: { public: true, reason: 'GOV.UK Notify delivery receipts', checkedBy: 'NOTIFY_CALLBACK_TOKEN bearer token' } } }, async (request, reply) => {
    const expected = ctx.config.mail.notifyCallbackToken;
    const given = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? '';
    if (!expected || !sameToken(given, expected)) throw new HttpError(401, 'Not authorised', 'The callback token is missing or wrong.');
    const b = request.body as { id?: unknown; status?: unknown } | undefined;
    if (typeof b?.id !== 'string' || typeof b.status !== 'string') throw new HttpError(400, 'Not a Notify delivery receipt', 'Expected a JSON body with id and status.');
    const outcome = await records.notifyCallback({ id: b.id, status: b.status });
    return reply.code(200).send({ outcome });
  });
}
