import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN } from '../../platform/auth/roles.js';
import { auditContext } from '../../platform/http/forms.js';
import { uuidParam } from '../../platform/http/params.js';
import { formatDateTimeLondon } from '../../domain/dates.js';
import { HandoverService } from './handover.service.js';

const handover = { access: { roles: CAN.acceptHandover } };

/** The Emergency Duty Team's handover list, and accepting a conversation from it. */
export function handoverRoutes(app: FastifyInstance, ctx: AppContext) {
  const service = new HandoverService(ctx);

  const render = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const list = await service.list(request.principal!);
    return reply.view('handover/views/list.njk', { title: 'Out-of-hours handover', ...list, ...extra });
  };

  app.get('/handover', { config: handover }, (request, reply) => render(request, reply));

  app.post('/handover/:id/accept', { config: handover }, async (request, reply) => {
    const id = uuidParam(request);
    const result = await service.accept(request.principal!, id, auditContext(request));
    if (result.ok) {
      request.session.flash = { heading: `${result.reference} accepted`, text: 'You have accepted this out-of-hours conversation. It is no longer on the handover list.' };
      return reply.redirect('/handover');
    }
    if (result.byYou) {
      request.session.flash = { heading: `${result.reference} accepted`, text: `You had already accepted this conversation, on ${formatDateTimeLondon(result.acceptedAt)}.` };
      return reply.redirect('/handover');
    }
    reply.code(409);
    return render(request, reply, {
      errors: [{ text: `${result.acceptedBy} already accepted ${result.reference} on ${formatDateTimeLondon(result.acceptedAt)}. You do not need to accept it.`, href: '#accepted-today' }],
    });
  });
}
