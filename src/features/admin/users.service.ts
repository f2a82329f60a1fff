/**
 * issue10-D: an administrator's view of their authority's users: who they are, their role and
 * agency (the assignment single sign-on falls back to when the provider sends no claim for it),
 * how they sign in, and their open sessions, which the administrator can end.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { isRole } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { notFound } from '../../platform/http/errors.js';
import { AccountService, endSessions } from '../auth/account.service.js';

export interface UserInput {
  displayName: string;
  email: string;
  role: string;
  agencyCode: string;
  teamId: string;
}

export type FieldError = { field: string; message: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const AGENCY = /^[a-z0-9][a-z0-9-]{0,39}$/;

export class UsersService {
  private readonly accounts: AccountService;

  constructor(private readonly ctx: AppContext) {
    this.accounts = new AccountService(ctx);
  }

  async list(p: Principal, audit: AuditContext) {
    const rows = await this.ctx.db
      .selectFrom('users as u')
      .leftJoin('teams as t', 't.id', 'u.team_id')
      .select([
        'u.id',
        'u.display_name',
        'u.email',
        'u.role',
        'u.agency_code',
        'u.disabled_at',
        'u.last_sign_in_at',
        't.name as team_name',
        sql<boolean>`u.oidc_subject is not null`.as('sso_linked'),
        sql<boolean>`u.password_hash is not null`.as('has_password'),
        sql<number>`(select count(*) from sessions s where s.user_id = u.id and s.expires_at > now() and (s.data -> 'auth' ->> 'generation')::int = u.session_generation)`.as('open_sessions'),
      ])
      .where('u.authority_id', '=', p.authorityId)
      .orderBy('u.display_name')
      .execute();
    await recordAudit(this.ctx.db, audit, { action: 'user.list-viewed', details: { count: rows.length } });
    return rows.map((r) => ({ ...r, open_sessions: Number(r.open_sessions) }));
  }

  async get(p: Principal, id: string) {
    const user = await this.ctx.db
      .selectFrom('users as u')
      .leftJoin('teams as t', 't.id', 'u.team_id')
      .select(['u.id', 'u.display_name', 'u.email', 'u.role', 'u.agency_code', 'u.team_id', 't.name as team_name', 'u.disabled_at', 'u.locked_until', 'u.last_sign_in_at', 'u.oidc_issuer', 'u.oidc_subject', 'u.oidc_linked_at', 'u.password_hash', 'u.created_at'])
      .where('u.id', '=', id)
      .where('u.authority_id', '=', p.authorityId)
      .executeTakeFirst();
    if (!user) throw notFound('user');
    const { password_hash, ...rest } = user;
    return { ...rest, has_password: password_hash !== null, sessions: await this.accounts.openSessions(id) };
  }

  async teams(p: Principal) {
    return this.ctx.db.selectFrom('teams').select(['id', 'name']).where('authority_id', '=', p.authorityId).orderBy('name').execute();
  }

  /** The agency codes in the authority's profile that a partner practitioner may have. */
  agencyCodes(p: Principal): { code: string; label: string }[] {
    const profile = this.ctx.profiles.get(p.authorityId);
    const codes = new Map<string, string>();
    for (const a of profile.mash.checkAgencies) codes.set(a.code, a.label);
    for (const a of profile.writtenReferrals?.acceptedFrom ?? []) if (!codes.has(a.agencyCode)) codes.set(a.agencyCode, a.label);
    return [...codes].map(([code, label]) => ({ code, label }));
  }

  private async validate(p: Principal, input: UserInput, existingId: string | null): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    if (!input.displayName) errors.push({ field: 'displayName', message: 'Enter the person’s name' });
    else if (input.displayName.length > 200) errors.push({ field: 'displayName', message: 'Name must be 200 characters or fewer' });
    if (!input.email) errors.push({ field: 'email', message: 'Enter their email address' });
    else if (!EMAIL.test(input.email) || input.email.length > 254) errors.push({ field: 'email', message: 'Enter an email address in the correct format, like name@example.org' });
    else {
      const clash = await this.ctx.db
        .selectFrom('users')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['email']), '=', input.email.toLowerCase()))
        .$if(existingId !== null, (q) => q.where('id', '<>', existingId!))
        .executeTakeFirst();
      if (clash) errors.push({ field: 'email', message: 'Someone already has a Front Door account with that email address' });
    }
    if (!isRole(input.role)) errors.push({ field: 'role', message: 'Choose a role' });
    if (input.agencyCode && !AGENCY.test(input.agencyCode)) errors.push({ field: 'agencyCode', message: 'Choose an agency from the list' });
    if (input.role === 'partner-practitioner' && !input.agencyCode) errors.push({ field: 'agencyCode', message: 'Choose the agency a partner-agency practitioner works for' });
    if (input.teamId && !(await this.teams(p)).some((t) => t.id === input.teamId)) errors.push({ field: 'teamId', message: 'Choose a team from the list' });
    if (existingId === p.id && input.role !== p.role) errors.push({ field: 'role', message: 'You cannot change your own role. Ask another administrator' });
    return errors;
  }

  async create(p: Principal, input: UserInput, audit: AuditContext): Promise<{ ok: true; id: string } | { ok: false; errors: FieldError[] }> {
    const errors = await this.validate(p, input, null);
    if (errors.length) return { ok: false, errors };
    const id = randomUUID();
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('users')
        .values({ id, authority_id: p.authorityId, email: input.email.toLowerCase(), display_name: input.displayName, role: input.role, agency_code: input.agencyCode || null, team_id: input.teamId || null })
        .execute();
      await recordAudit(tx, audit, { action: 'user.created', userId: id, details: { role: input.role, via: 'administrator' } });
    });
    return { ok: true, id };
  }

  async update(p: Principal, id: string, input: UserInput, audit: AuditContext): Promise<{ ok: true } | { ok: false; errors: FieldError[] }> {
    const before = await this.get(p, id);
    const errors = await this.validate(p, input, id);
    if (errors.length) return { ok: false, errors };
    const after = { display_name: input.displayName, email: input.email.toLowerCase(), role: input.role as Role, agency_code: input.agencyCode || null, team_id: input.teamId || null };
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [k, v] of Object.entries(after)) {
      const was = (before as unknown as Record<string, unknown>)[k] ?? null;
      if (was !== v) changes[k] = { from: was, to: v };
    }
    if (Object.keys(changes).length === 0) return { ok: true };
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set(after).where('id', '=', id).where('authority_id', '=', p.authorityId).execute();
      await recordAudit(tx, audit, { action: 'user.changed', userId: id, changes });
    });
    return { ok: true };
  }

  async endSessions(p: Principal, id: string, audit: AuditContext): Promise<number> {
    await this.get(p, id);
    return this.accounts.endAllSessions(id, 'administrator', audit);
  }

  /** Switching an account off ends its sessions in the same transaction. */
  async setDisabled(p: Principal, id: string, disabled: boolean, audit: AuditContext): Promise<{ ok: true } | { ok: false; errors: FieldError[] }> {
    await this.get(p, id);
    if (disabled && id === p.id) return { ok: false, errors: [{ field: 'disable', message: 'You cannot switch off your own account. Ask another administrator' }] };
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('users')
        .set({ disabled_at: disabled ? this.ctx.clock.now() : null })
        .where('id', '=', id)
        .execute();
      if (disabled) {
        const sessions = await endSessions(tx, id);
        await recordAudit(tx, audit, { action: 'user.sessions-ended', userId: id, details: { by: 'administrator', sessions } });
      }
      await recordAudit(tx, audit, { action: disabled ? 'user.disabled' : 'user.enabled', userId: id });
    });
    return { ok: true };
  }
}
