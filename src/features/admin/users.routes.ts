/**
 * issue10-D: user administration. Every page here is a sensitive action (`recentAuth`): an
 * administrator who signed in more than REAUTH_MINUTES ago is asked to confirm it is them first.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { CAN, ROLES, ROLE_LABELS } from '../../platform/auth/roles.js';
import { auditContext, bodyOf, str } from '../../platform/http/forms.js';
import { uuidParam } from '../../platform/http/params.js';
import { toErrorList } from '../../platform/http/errors.js';
import { UsersService, type UserInput } from './users.service.js';

export function usersRoutes(app: FastifyInstance, ctx: AppContext) {
  const users = new UsersService(ctx);
  const admin = { access: { roles: CAN.administer }, recentAuth: true };
  const ssoName = ctx.config.auth.oidc?.displayName ?? null;

  const inputOf = (body: Record<string, unknown>): UserInput => ({
    displayName: str(body.displayName),
    email: str(body.email),
    role: str(body.role),
    agencyCode: str(body.agencyCode),
    teamId: str(body.teamId),
  });

  const form = async (reply: FastifyReply, p: NonNullable<Parameters<UsersService['teams']>[0]>, extra: { id?: string; values: Partial<UserInput>; errors?: { text: string; href: string }[] }) => {
    if (extra.errors?.length) reply.code(400);
    return reply.view('admin/views/user-form.njk', {
      title: extra.id ? 'Change a user' : 'Add a user',
      roles: ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r] })),
      agencies: [{ value: '', text: 'None' }, ...users.agencyCodes(p).map((a) => ({ value: a.code, text: a.label }))],
      teams: [{ value: '', text: 'No team' }, ...(await users.teams(p)).map((t) => ({ value: t.id, text: t.name }))],
      ssoName,
      ...extra,
    });
  };

  app.get('/admin/users', { config: admin }, async (request, reply) => {
    const rows = await users.list(request.principal!, auditContext(request));
    return reply.view('admin/views/users.njk', { title: 'Users', users: rows.map((u) => ({ ...u, roleLabel: ROLE_LABELS[u.role as keyof typeof ROLE_LABELS] ?? u.role })), ssoName });
  });

  app.get('/admin/users/new', { config: admin }, async (request, reply) => form(reply, request.principal!, { values: { role: 'cads-worker' } }));

  app.post('/admin/users', { config: admin }, async (request, reply) => {
    const input = inputOf(bodyOf(request));
    const result = await users.create(request.principal!, input, auditContext(request));
    if (!result.ok) return form(reply, request.principal!, { values: input, errors: toErrorList(result.errors) });
    request.session.flash = { heading: 'User added', text: ssoName ? `They can now sign in with ${ssoName}.` : 'They have no password yet.' };
    return reply.redirect(`/admin/users/${result.id}`, 303);
  });

  app.get('/admin/users/:id', { config: admin }, async (request, reply) => {
    const user = await users.get(request.principal!, uuidParam(request));
    return reply.view('admin/views/user.njk', { title: user.display_name, user: { ...user, roleLabel: ROLE_LABELS[user.role as keyof typeof ROLE_LABELS] ?? user.role }, ssoName, self: user.id === request.principal!.id });
  });

  app.get('/admin/users/:id/edit', { config: admin }, async (request, reply) => {
    const user = await users.get(request.principal!, uuidParam(request));
    return form(reply, request.principal!, { id: user.id, values: { displayName: user.display_name, email: user.email, role: user.role, agencyCode: user.agency_code ?? '', teamId: user.team_id ?? '' } });
  });

  app.post('/admin/users/:id/edit', { config: admin }, async (request, reply) => {
    const id = uuidParam(request);
    const input = inputOf(bodyOf(request));
    const result = await users.update(request.principal!, id, input, auditContext(request));
    if (!result.ok) return form(reply, request.principal!, { id, values: input, errors: toErrorList(result.errors) });
    request.session.flash = { heading: 'User changed', text: 'The change takes effect on their next page.' };
    return reply.redirect(`/admin/users/${id}`, 303);
  });

  app.post('/admin/users/:id/sign-out-everywhere', { config: admin }, async (request, reply) => {
    const id = uuidParam(request);
    const ended = await users.endSessions(request.principal!, id, auditContext(request));
    request.session.flash = { heading: 'Signed out everywhere', text: `${ended === 1 ? '1 session was' : `${ended} sessions were`} ended.` };
    // Ending one's own sessions ends this one too: the next page asks to sign in.
    return reply.redirect(id === request.principal!.id ? '/sign-in' : `/admin/users/${id}`, 303);
  });

  for (const [path, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/admin/users/:id/${path}`, { config: admin }, async (request, reply) => {
      const id = uuidParam(request);
      const result = await users.setDisabled(request.principal!, id, disabled, auditContext(request));
      if (!result.ok) {
        const user = await users.get(request.principal!, id);
        reply.code(400);
        return reply.view('admin/views/user.njk', { title: user.display_name, user: { ...user, roleLabel: ROLE_LABELS[user.role as keyof typeof ROLE_LABELS] ?? user.role }, ssoName, self: true, errors: toErrorList(result.errors) });
      }
      request.session.flash = disabled ? { heading: 'Account switched off', text: 'They have been signed out and cannot sign in.' } : { heading: 'Account switched on', text: 'They can sign in again.' };
      return reply.redirect(`/admin/users/${id}`, 303);
    });
  }
}
