/**
 * Who a person signed in through the council's identity provider is in Front Door, and with what
 * role, agency and authority (ADR 0018).
 *
 * 1. A user already linked to this provider's subject is that user.
 * 2. Otherwise a user with the same email, not yet linked to anyone, is linked, but only when the
 *    provider says the email is verified (or the deployment says its provider's emails can be trusted).
 * 3. Otherwise, when OIDC_CREATE_USERS=true and the claims give a role other than administrator, an
 *    authority and (for a partner) an agency, an account is made.
 * 4. Otherwise the person is refused, with a page saying to ask an administrator. Nobody is ever
 *    made an administrator by signing in for the first time.
 *
 * Role, agency and authority come from the claims when the provider sends them, and from the user
 * record (an administrator's assignment) when it does not. A claim that is sent but maps to nothing
 * refuses the sign-in rather than falling back to an older assignment: the provider has said the
 * person no longer has a role. Their other sessions are then ended too.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { OidcConfig } from '../../platform/auth/sso-config.js';
import type { SignInResult } from '../../platform/auth/oidc.js';
import { mapClaims } from '../../platform/auth/oidc-claims.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { endSessions } from './account.service.js';

export type SsoRefusal =
  | 'unknown-user'
  | 'email-not-verified'
  | 'email-linked-to-another-identity'
  | 'disabled'
  | 'no-role'
  | 'no-agency'
  | 'unknown-authority'
  | 'authority-mismatch'
  | 'administrator-needs-an-account';

export type SsoOutcome = { ok: true; userId: string; generation: number } | { ok: false; reason: SsoRefusal; userId: string | null };

interface UserRow {
  id: string;
  authority_id: string;
  email: string;
  display_name: string;
  role: string;
  agency_code: string | null;
  disabled_at: Date | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  session_generation: number;
}

const USER_COLUMNS = ['id', 'authority_id', 'email', 'display_name', 'role', 'agency_code', 'disabled_at', 'oidc_issuer', 'oidc_subject', 'session_generation'] as const;

export class SsoService {
  constructor(
    private readonly ctx: AppContext,
    private readonly settings: OidcConfig,
  ) {}

  /** `reauthenticate`: the person is confirming who they are before a sensitive action, and is audited so. */
  async signIn(result: SignInResult, audit: AuditContext, purpose: 'sign-in' | 'reauthenticate' = 'sign-in'): Promise<SsoOutcome> {
    const outcome = await this.ctx.db.transaction().execute((tx) => this.resolve(tx, result, audit, purpose));
    if (!outcome.ok) {
      await this.ctx.db.transaction().execute(async (tx) => {
        // The provider has taken the person's role away: their sessions elsewhere end as well.
        if (outcome.userId && (outcome.reason === 'no-role' || outcome.reason === 'no-agency')) {
          await endSessions(tx, outcome.userId);
        }
        await recordAudit(tx, audit, { action: 'user.sign-in-refused', userId: outcome.userId, details: { method: 'oidc', reason: outcome.reason, subject: result.subject } });
      });
    }
    return outcome;
  }

  private async resolve(tx: Executor, result: SignInResult, audit: AuditContext, purpose: 'sign-in' | 'reauthenticate'): Promise<SsoOutcome> {
    const now = this.ctx.clock.now();
    const id = mapClaims(result.claims, this.settings);
    const refuse = (reason: SsoRefusal, userId: string | null = null): SsoOutcome => ({ ok: false, reason, userId });

    let user: UserRow | undefined = await tx
      .selectFrom('users')
      .select(USER_COLUMNS)
      .where('oidc_issuer', '=', result.issuer)
      .where('oidc_subject', '=', result.subject)
      .executeTakeFirst();
    let linked = false;
    let created = false;

    if (!user && id.email) {
      const byEmail = await tx
        .selectFrom('users')
        .select(USER_COLUMNS)
        .where((eb) => eb(eb.fn('lower', ['email']), '=', id.email!))
        .executeTakeFirst();
      if (byEmail) {
        if (byEmail.oidc_subject) return refuse('email-linked-to-another-identity', byEmail.id);
        if (!id.emailVerified) return refuse('email-not-verified', byEmail.id);
        user = byEmail;
        linked = true;
      }
    }

    // The authority the claims give, if they give one.
    let claimedAuthority: string | null = null;
    if (id.authority.present) {
      if (!id.authority.value || !this.ctx.profiles.has(id.authority.value)) return refuse('unknown-authority', user?.id ?? null);
      claimedAuthority = id.authority.value;
    }

    if (!user) {
      if (!this.settings.createUsers || !id.email) return refuse('unknown-user');
      if (!id.emailVerified) return refuse('email-not-verified');
      // Never an administrator on first sign-in, whatever the claims say.
      if (!id.role.present || !id.role.value) return refuse('no-role');
      if (id.role.value === 'administrator') return refuse('administrator-needs-an-account');
      const authorityId = claimedAuthority ?? this.settings.defaultAuthority;
      if (!authorityId || !this.ctx.profiles.has(authorityId)) return refuse('unknown-authority');
      const agency = id.agency.present ? id.agency.value : null;
      if (id.role.value === 'partner-practitioner' && !agency) return refuse('no-agency');
      const newId = randomUUID();
      const inserted = await tx
        .insertInto('users')
        .values({
          id: newId,
          authority_id: authorityId,
          email: id.email,
          display_name: id.name ?? id.email,
          role: id.role.value,
          agency_code: agency,
          oidc_issuer: result.issuer,
          oidc_subject: result.subject,
          oidc_linked_at: now,
          last_sign_in_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return refuse('unknown-user');
      created = true;
      await recordAudit(tx, audit, { action: 'user.created', userId: newId, details: { role: id.role.value, via: 'single-sign-on' } });
      await recordAudit(tx, audit, { action: 'user.signed-in', userId: newId, details: { method: 'oidc', created } });
      return { ok: true, userId: newId, generation: 0 };
    }

    if (user.disabled_at) return refuse('disabled', user.id);
    if (claimedAuthority && claimedAuthority !== user.authority_id) return refuse('authority-mismatch', user.id);

    const changes: Record<string, { from: unknown; to: unknown }> = {};
    let role = user.role;
    if (id.role.present) {
      if (!id.role.value) return refuse('no-role', user.id);
      if (id.role.value !== role) changes.role = { from: role, to: id.role.value };
      role = id.role.value;
    }
    let agency = user.agency_code;
    if (id.agency.present && id.agency.value && id.agency.value !== agency) {
      changes.agencyCode = { from: agency, to: id.agency.value };
      agency = id.agency.value;
    }
    if (role === 'partner-practitioner' && !agency) return refuse('no-agency', user.id);
    if (id.name && id.name !== user.display_name) changes.displayName = { from: user.display_name, to: id.name };

    await tx
      .updateTable('users')
      .set({
        role,
        agency_code: agency,
        display_name: id.name ?? user.display_name,
        last_sign_in_at: now,
        ...(linked ? { oidc_issuer: result.issuer, oidc_subject: result.subject, oidc_linked_at: now } : {}),
      })
      .where('id', '=', user.id)
      .execute();
    if (Object.keys(changes).length && purpose === 'reauthenticate') await recordAudit(tx, audit, { action: 'user.changed', userId: user.id, changes });
    await recordAudit(
      tx,
      audit,
      purpose === 'reauthenticate'
        ? { action: 'user.reauthenticated', userId: user.id, details: { method: 'oidc' } }
        : { action: 'user.signed-in', userId: user.id, details: { method: 'oidc', linked, ...(Object.keys(changes).length ? { changes } : {}) } },
    );
    return { ok: true, userId: user.id, generation: user.session_generation };
  }
}
