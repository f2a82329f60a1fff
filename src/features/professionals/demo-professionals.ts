/**
 * The demo's professional directory, built from the demo conversations' callers with the same rules
 * as completion uses (directory-rules.ts), so that repeat callers are recognised on the next call.
 * The demo conversations are written straight to the database, not completed through the service,
 * which is why the directory is built here. Idempotent: an authority whose directory has any entry
 * is left alone. Each authority also gets a pair of entries that look like the same person (the same
 * name, a different phone number) to try merging.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Insertable } from 'kysely';
import type { ConversationProfessionalsTable, ProfessionalChangesTable, ProfessionalsTable } from '../../platform/db/schema.js';
import { chooseMatch, detailsFromCaller, learnedChanges, tidyPhone, type Changes } from './directory-rules.js';

type Entry = Insertable<ProfessionalsTable> & { id: string; name: string; updated_at: Date; details_as_of: Date; conversations: string[] };

/** Teams for a few agencies, so that "Known caller" shows one in the demo (conversations do not record a team). */
const DEMO_TEAMS: Record<string, string> = {
  police: 'Public Protection Unit',
  'health-visitor': 'Health visiting team',
  'school-nurse': 'School nursing team',
  'emergency-department': 'Paediatric emergency department',
  housing: 'Housing options team',
  'early-help': 'Early Help locality team',
};

const CHUNK = 500;

export async function seedDemoProfessionals(ctx: AppContext, now: Date): Promise<{ added: number }> {
  let added = 0;
  for (const profile of ctx.profiles.all()) {
    const existing = await ctx.db.selectFrom('professionals').select('id').where('authority_id', '=', profile.id).limit(1).executeTakeFirst();
    if (existing) continue;
    const rows = await ctx.db
      .selectFrom('conversations as c')
      .innerJoin('conversation_versions as v', (j) => j.onRef('v.conversation_id', '=', 'c.id').onRef('v.version', '=', 'c.current_version'))
      .select(['c.id', 'c.started_at', 'c.worker_id', 'v.caller_type', 'v.caller_name', 'v.caller_role', 'v.caller_agency_code', 'v.caller_agency_other', 'v.caller_phone', 'v.caller_email'])
      .where('c.authority_id', '=', profile.id)
      .where('c.status', '=', 'completed')
      .where('v.caller_type', '=', 'professional')
      .orderBy('c.started_at')
      .orderBy('c.id')
      .execute();

    const entries: Entry[] = [];
    const byEmail = new Map<string, Entry[]>();
    const byPhone = new Map<string, Entry[]>();
    const changes: Insertable<ProfessionalChangesTable>[] = [];
    const index = (e: Entry) => {
      if (e.email) byEmail.set(e.email, [...(byEmail.get(e.email) ?? []).filter((x) => x !== e), e]);
      if (e.phone_e164) byPhone.set(e.phone_e164, [...(byPhone.get(e.phone_e164) ?? []).filter((x) => x !== e), e]);
    };
    for (const r of rows) {
      const d = detailsFromCaller(r);
      if (!d) continue;
      const candidates = [...new Set([...(d.email ? byEmail.get(d.email) ?? [] : []), ...(d.phoneE164 ? byPhone.get(d.phoneE164) ?? [] : [])])];
      const match = chooseMatch(d, candidates.map((c) => ({ id: c.id, name: c.name, phone_e164: c.phone_e164 ?? null, email: c.email ?? null, updated_at: c.updated_at }))) as { id: string } | null;
      const at = new Date(r.started_at);
      if (!match) {
        const e: Entry = {
          id: randomUUID(), authority_id: profile.id, name: d.name, agency_code: d.agencyCode, agency_other: d.agencyOther, role: d.role,
          team: d.agencyCode ? DEMO_TEAMS[d.agencyCode] ?? null : null, phone: d.phone, phone_e164: d.phoneE164, email: d.email,
          details_as_of: at, created_at: at, updated_at: at, conversations: [r.id],
        };
        entries.push(e);
        index(e);
        const made: Changes = {};
        for (const [k, v] of [['name', d.name], ['role', d.role], ['agency_code', d.agencyCode], ['agency_other', d.agencyOther], ['phone', d.phone], ['email', d.email]] as const) {
          if (v !== null) made[k] = { from: null, to: v };
        }
        changes.push({ id: randomUUID(), professional_id: e.id, kind: 'created', changes: JSON.stringify(made), conversation_id: r.id, changed_by: r.worker_id, changed_at: at });
        continue;
      }
      const e = entries.find((x) => x.id === match.id)!;
      e.conversations.push(r.id);
      const learned = learnedChanges({ name: e.name, agency_code: e.agency_code ?? null, agency_other: e.agency_other ?? null, role: e.role ?? null, team: e.team ?? null, phone: e.phone ?? null, phone_e164: e.phone_e164 ?? null, email: e.email ?? null }, d);
      e.details_as_of = at;
      if (Object.keys(learned).length) {
        Object.assign(e, Object.fromEntries(Object.entries(learned).map(([k, v]) => [k, v.to])));
        e.updated_at = at;
        index(e);
        changes.push({ id: randomUUID(), professional_id: e.id, kind: 'learned', changes: JSON.stringify(learned), conversation_id: r.id, changed_by: r.worker_id, changed_at: at });
      }
    }
    if (!entries.length) continue;

    // A pair that looks like the same person, to merge: the same name with another number.
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
    if (![...counts.values()].some((n) => n > 1)) {
      const source = [...entries].filter((e) => e.phone_e164 && e.conversations.length >= 2).sort((a, b) => b.conversations.length - a.conversations.length || a.name.localeCompare(b.name))[0]
        ?? entries.find((e) => e.phone_e164 && e.conversations.length >= 2);
      if (source) {
        let n = 850;
        let phone = tidyPhone(`07700 900${n}`)!;
        while (byPhone.has(phone.phoneE164) && n < 999) phone = tidyPhone(`07700 900${++n}`)!;
        const moved = source.conversations.shift()!;
        const at = new Date(source.created_at as Date);
        const twin: Entry = {
          id: randomUUID(), authority_id: profile.id, name: source.name, agency_code: source.agency_code, agency_other: source.agency_other, role: source.role,
          team: null, phone: phone.phone, phone_e164: phone.phoneE164, email: null, details_as_of: at, created_at: at, updated_at: at, conversations: [moved],
        };
        entries.push(twin);
        changes.push({
          id: randomUUID(), professional_id: twin.id, kind: 'created', changes: JSON.stringify({ name: { from: null, to: twin.name }, phone: { from: null, to: twin.phone } }),
          conversation_id: moved, changed_by: null, changed_at: at, reason: 'Demo: the same caller, recorded with another number',
        });
      }
    }

    const rowsOf = entries.map(({ conversations: _c, ...e }) => e);
    const links: Insertable<ConversationProfessionalsTable>[] = entries.flatMap((e) => e.conversations.map((c) => ({ conversation_id: c, professional_id: e.id, authority_id: profile.id, linked_at: now })));
    await ctx.db.transaction().execute(async (tx) => {
      for (let i = 0; i < rowsOf.length; i += CHUNK) await tx.insertInto('professionals').values(rowsOf.slice(i, i + CHUNK)).execute();
      for (let i = 0; i < changes.length; i += CHUNK) await tx.insertInto('professional_changes').values(changes.slice(i, i + CHUNK)).execute();
      for (let i = 0; i < links.length; i += CHUNK) await tx.insertInto('conversation_professionals').values(links.slice(i, i + CHUNK)).execute();
    });
    added += entries.length;
  }
  return { added };
}
