/**
 * Measurement 1: the conversation save (ConversationsService.createWhole with complete = true)
 * under a closed loop at several concurrency levels, and a raw multi-row INSERT baseline of the
 * same rows on the same database.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../src/platform/auth/roles.js';
import type { AuditContext } from '../src/platform/audit.js';
import { ConversationsService } from '../src/features/conversations/conversations.service.js';
import { WrittenRecordsService } from '../src/features/written-records/written-records.service.js';
import { decisionDeadline } from '../src/domain/working-days.js';
import { londonDateOf } from '../src/domain/dates.js';
import os from 'node:os';
import { analyzeTables, type BenchContext } from './engine.js';
import { conversationInput, pickTwo, type ConversationInput } from './data.js';
import { closedLoop, msSince, now, summarise, type ClosedLoopResult, type Rng } from './stats.js';
import { profileRoundTrips } from './roundtrips.js';

export interface SaveConfig {
  warmup: number;
  levels: { concurrency: number; saves: number }[];
  rawConversations: number;
  rawBatchSize: number;
  roundTripProfileSaves: number;
}

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

function inputs(ctx: BenchContext, principal: Principal, r: Rng, pool: readonly string[], n: number): ConversationInput[] {
  const profile = ctx.profiles.get(principal.authorityId);
  return Array.from({ length: n }, () => conversationInput(r, profile, pickTwo(r, pool)));
}

export async function benchSaves(ctx: BenchContext, principal: Principal, r: Rng, pool: readonly string[], cfg: SaveConfig) {
  // As in the app: completing also queues the written record (row, survey invitation, job).
  const service = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars, new WrittenRecordsService(ctx));
  const audit: AuditContext = { principal, ip: '127.0.0.1', requestId: null };
  const save = async (c: ConversationInput) => {
    const res = await service.createWhole(principal, c.fields, c.children, true, audit);
    if (res.status !== 'completed') throw new Error('save did not complete');
  };
  const maxConcurrency = Math.max(...cfg.levels.map((l) => l.concurrency));

  await analyzeTables(ctx);
  // Warm up: open the pool's connections, JIT the code paths, fill caches.
  log(`${ctx.engine}: save warm-up (${cfg.warmup})`);
  const warm = inputs(ctx, principal, r, pool, cfg.warmup);
  const warmRes = await closedLoop(Math.min(maxConcurrency, ctx.poolSize), warm.length, (i) => save(warm[i]!));
  if (warmRes.errors) throw new Error(`warm-up saves failed: ${warmRes.firstError}`);

  const levels: (ClosedLoopResult & { warmupSaves: number; appProcessCpuMsPerSave: number; appProcessCpuCoresBusy: number; loadAverage1mAfter: number })[] = [];
  for (const level of cfg.levels) {
    const perLevelWarmup = Math.max(20, level.concurrency * 2);
    const all = inputs(ctx, principal, r, pool, perLevelWarmup + level.saves);
    await analyzeTables(ctx);
    await closedLoop(level.concurrency, perLevelWarmup, (i) => save(all[i]!));
    log(`${ctx.engine}: ${level.saves} saves at concurrency ${level.concurrency}`);
    const cpu = process.cpuUsage();
    const res = await closedLoop(level.concurrency, level.saves, (i) => save(all[perLevelWarmup + i]!));
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    log(`${ctx.engine}:   p50 ${res.latencyMs.p50} ms, p99 ${res.latencyMs.p99} ms, ${res.throughputPerSecond}/s`);
    levels.push({
      ...res,
      warmupSaves: perLevelWarmup,
      // CPU used by this Node process (the app code and the pg driver; the database is separate).
      appProcessCpuMsPerSave: Math.round((cpuMs / level.saves) * 1000) / 1000,
      appProcessCpuCoresBusy: Math.round((cpuMs / res.wallMs) * 100) / 100,
      loadAverage1mAfter: Math.round(os.loadavg()[0]! * 100) / 100,
    });
  }

  await analyzeTables(ctx);
  log(`${ctx.engine}: round-trip profile of ${cfg.roundTripProfileSaves} saves`);
  const profileInputs = inputs(ctx, principal, r, pool, cfg.roundTripProfileSaves);
  const profile = await profileRoundTrips(cfg.roundTripProfileSaves, (i) => save(profileInputs[i]!));

  log(`${ctx.engine}: raw multi-row insert baseline (${cfg.rawConversations} conversations)`);
  const raw = await rawInsertBaseline(ctx, principal, inputs(ctx, principal, r, pool, cfg.rawConversations + cfg.rawBatchSize), cfg.rawBatchSize);

  return {
    method: 'ConversationsService.createWhole(principal, fields, 2 children, complete=true, audit), closed loop',
    childPoolSize: pool.length,
    poolSize: ctx.poolSize,
    globalWarmupSaves: cfg.warmup,
    statistics: 'ANALYZE of the schema\'s tables (outside the timings) before each level and before the profile, as autovacuum would keep them in a running system',
    levels: levels.map((l) => ({
      ...l,
      throughputRatio: Math.round((l.throughputPerSecond / raw.conversationsPerSecond) * 1000) / 1000,
    })),
    rawInsertBaseline: raw,
    roundTripsPerSave: profile,
  };
}

function values(rows: unknown[][], params: unknown[], casts: (string | null)[] = []): string {
  return rows
    .map((row) => `(${row.map((v, i) => { params.push(v); return `$${params.length}${casts[i] ? `::${casts[i]}` : ''}`; }).join(',')})`)
    .join(',');
}

/**
 * The same rows a completed createWhole leaves behind (conversation, completed version, two
 * children, four audit rows), written with one multi-row INSERT per table per batch in one
 * transaction, on one connection. Versions go in as drafts and are then marked completed in one
 * UPDATE, because the schema's trigger refuses children on an already completed version.
 * Accumulation flags are not written (they depend on the history evaluation).
 */
async function rawInsertBaseline(ctx: BenchContext, principal: Principal, all: ConversationInput[], batchSize: number) {
  const client = await ctx.raw();
  const profile = ctx.profiles.get(principal.authorityId);
  const needsDecision = new Set(profile.outcomes.filter((o) => o.requiresDecision).map((o) => o.code));
  const vCols = ['caller_type', 'caller_name', 'caller_role', 'caller_agency_code', 'caller_phone', 'caller_email', 'concern_categories', 'concern_detail', 'immediacy', 'support_to_date', 'parents_informed', 'consent_given', 'consent_reason_codes', 'consent_reason_detail', 'lawful_basis_code', 'worries', 'strengths', 'needs_to_happen'] as const;
  const cCols = ['where_now', 'safe_tonight', 'outcome_code', 'caller_agreed', 'disagreement_note', 'next_steps', 'next_steps_by', 'level_code'] as const;

  const batch = async (items: ConversationInput[]) => {
    const t = new Date();
    const year = londonDateOf(t).slice(0, 4);
    await client.query('begin');
    const seq = await client.query<{ n: number }>(`select nextval('conversation_reference_seq')::int as n from generate_series(1, $1)`, [items.length]);
    const ids = items.map(() => randomUUID());
    let p: unknown[] = [];
    const convRows = items.map((c, i) => [
      ids[i], principal.authorityId, `${profile.service.referencePrefix}-${year}-${String(seq.rows[i]!.n).padStart(6, '0')}`, 'completed', 1, 'cads',
      principal.id, principal.teamId, t, t, c.children.some((ch) => needsDecision.has(ch.outcome_code ?? '')) ? decisionDeadline(t, ctx.calendar) : null,
    ]);
    await client.query(`insert into conversations (id, authority_id, reference, status, current_version, service, worker_id, team_id, started_at, completed_at, decision_due_at) values ${values(convRows, p)}`, p);
    p = [];
    const verRows = items.map((c, i) => [ids[i], 1, 'draft', principal.id, ...vCols.map((k) => c.fields[k] ?? null)]);
    await client.query(`insert into conversation_versions (conversation_id, version, status, created_by, ${vCols.join(', ')}) values ${values(verRows, p)}`, p);
    p = [];
    const childRows = items.flatMap((c, i) => c.children.map((ch) => [ids[i], 1, ch.person_id, ch.position, ...cCols.map((k) => ch[k] ?? null)]));
    await client.query(`insert into conversation_children (conversation_id, version, person_id, position, ${cCols.join(', ')}) values ${values(childRows, p)}`, p);
    await client.query(`update conversation_versions set status = 'completed', completed_by = $1, completed_at = $2, updated_at = $2 where conversation_id = any($3::uuid[]) and version = 1`, [principal.id, t, ids]);
    p = [];
    const auditRows = items.flatMap((c, i) =>
      (['conversation.created', 'conversation.completed'] as const).flatMap((action) =>
        c.children.map((ch) => [principal.authorityId, principal.id, principal.role, action, 'conversation', ids[i], ch.person_id, ids[i], action === 'conversation.completed' ? '{"version":1}' : '{}', '127.0.0.1', null]),
      ),
    );
    await client.query(`insert into audit_events (authority_id, actor_user_id, actor_role, action, entity_type, entity_id, person_id, conversation_id, details, ip, request_id) values ${values(auditRows, p)}`, p);
    await client.query('commit');
  };

  await batch(all.slice(0, batchSize)); // warm-up batch
  const measured = all.slice(batchSize);
  const batchTimes: number[] = [];
  const start = now();
  for (let i = 0; i < measured.length; i += batchSize) {
    const t = now();
    await batch(measured.slice(i, i + batchSize));
    batchTimes.push(msSince(t));
  }
  const wallMs = msSince(start);
  return {
    method: `one connection, one transaction per batch of ${batchSize}: multi-row INSERT into conversations, conversation_versions, conversation_children (2 per conversation), UPDATE versions to completed, multi-row INSERT of 4 audit_events per conversation`,
    conversations: measured.length,
    batchSize,
    rowsPerConversation: { conversations: 1, conversation_versions: 1, conversation_children: 2, audit_events: 4 },
    wallMs: Math.round(wallMs),
    conversationsPerSecond: Math.round((measured.length / wallMs) * 1000 * 10) / 10,
    batchLatencyMs: summarise(batchTimes),
  };
}
