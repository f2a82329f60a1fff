import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { recordAudit } from '../../platform/audit.js';
import { uuidParam } from '../../platform/http/params.js';
import { notFound } from '../../platform/http/errors.js';

/** Administrators read a child's audit trail: who created, changed or looked at the record. */
export function adminRoutes(app: FastifyInstance, ctx: AppContext) {
  const admin = { access: { roles: CAN.administer } };

  app.get('/admin/audit', { config: admin }, async (_request, reply) => reply.view('admin/views/audit-find.njk', { title: 'Audit trail', values: {} }));

  // Finding the child by NHS number or reference keeps identifiers out of the address bar.
  app.post('/admin/audit', { config: admin }, async (request, reply) => {
    const p = request.principal!;
    const q = str(bodyOf(request).reference).toUpperCase();
    const conversation = q
      ? await ctx.db.selectFrom('conversations').select('id').where('authority_id', '=', p.authorityId).where('reference', '=', q).executeTakeFirst()
      : undefined;
    const children = conversation
      ? await ctx.db
          .selectFrom('conversation_children as cc')
          .innerJoin('persons as pe', 'pe.id', 'cc.person_id')
          .select(['pe.id', 'pe.given_name', 'pe.family_name', 'pe.expected_date_of_birth'])
          .distinct()
          .where('cc.conversation_id', '=', conversation.id)
          .execute()
      : [];
    if (!conversation) {
      reply.code(q ? 404 : 400);
      return reply.view('admin/views/audit-find.njk', { title: 'Audit trail', values: { reference: q }, errors: [{ text: q ? 'No conversation has that reference' : 'Enter a conversation reference, like NFK-2026-000123', href: '#reference' }] });
    }
    return reply.view('admin/views/audit-find.njk', { title: 'Audit trail', values: { reference: q }, children });
  });

  app.get('/admin/audit/people/:id', { config: admin }, async (request, reply) => {
    const id = uuidParam(request);
    const p = request.principal!;
    const result = await ctx.db.transaction().execute(async (tx) => {
      const person = await tx.selectFrom('persons').select(['id', 'given_name', 'family_name', 'expected_date_of_birth']).where('id', '=', id).where('authority_id', '=', p.authorityId).executeTakeFirst();
      if (!person) throw notFound('child or person');
      const events = await tx
        .selectFrom('audit_events as a')
        .leftJoin('users as u', 'u.id', 'a.actor_user_id')
        .leftJoin('service_accounts as s', 's.id', 'a.actor_service_account_id')
        .leftJoin('conversations as c', 'c.id', 'a.conversation_id')
        .select(['a.id', 'a.occurred_at', 'a.action', 'a.actor_role', 'a.ip', 'a.details', 'u.display_name', 's.name as service_name', 'c.reference'])
        .where('a.person_id', '=', id)
        .orderBy('a.id', 'desc')
        .limit(500)
        .execute();
      await recordAudit(tx, auditContext(request), { action: 'audit-trail.viewed', personId: id });
      return { person, events };
    });
    return reply.view('admin/views/audit-trail.njk', { title: 'Audit trail', ...result });
  });
}
