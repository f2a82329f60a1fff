import type { FastifyInstance } from 'fastify';
import type { Principal } from '../../platform/auth/roles.js';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, list } from '../../platform/http/forms.js';
import { uuidParam } from '../../platform/http/params.js';
import { toErrorList } from '../../platform/http/errors.js';
import { MashService } from './mash.service.js';

/**
 * A joint MASH (Staffordshire and Stoke-on-Trent share one): an administrator says which of the
 * hub's other authorities each of their partner practitioners also serves. A partner then sees that
 * authority's check requests for their agency, and nothing else of it.
 */
export function mashPartnersRoutes(app: FastifyInstance, ctx: AppContext) {
  const mash = new MashService(ctx);
  const admin = { access: { roles: CAN.administer }, recentAuth: true }; // issue10-D: granting access is a sensitive action

  const page = async (p: Principal, extra: Record<string, unknown> = {}) => {
    return {
      title: 'Partner agencies in the MASH',
      hub: ctx.profiles.get(p.authorityId).mash.hub,
      hubPartners: mash.hubPartners(p.authorityId),
      agencies: ctx.profiles.get(p.authorityId).mash.checkAgencies,
      partners: (await mash.partnerGrants(p)).map((u) => ({
        ...u,
        items: mash.hubPartners(p.authorityId).map((a) => ({ value: a.id, text: a.name, checked: u.serves.includes(a.id) })),
      })),
      ...extra,
    };
  };

  app.get('/admin/mash-partners', { config: admin }, async (request, reply) => {
    const saved = (request.query as Record<string, string | undefined>).saved === '1';
    return reply.view('mash/views/partners.njk', await page(request.principal!, { saved }));
  });

  app.post('/admin/mash-partners/:id', { config: admin }, async (request, reply) => {
    const id = uuidParam(request);
    const result = await mash.setPartnerGrants(request.principal!, id, list(bodyOf(request).authorities), auditContext(request));
    if (!result.ok) {
      reply.code(400);
      return reply.view('mash/views/partners.njk', await page(request.principal!, { errors: toErrorList(result.errors), errorUser: id }));
    }
    return reply.redirect('/admin/mash-partners?saved=1', 303);
  });
}
