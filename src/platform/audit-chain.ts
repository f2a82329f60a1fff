// issue10-A: checking the audit log's hash chain (migration 0020, ADR 0016).
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database, Executor } from './db/database.js';

/** The first entry's "previous hash". */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);
const FORMAT = 'front-door-audit-v1';

/** An entry as the verifier reads it: every value as text in a form that does not depend on session settings. */
export interface ChainedEntry {
  seq: string;
  event_id: string;
  prev_hash: Buffer;
  hash: Buffer;
  /** Null when the entry the link names is missing. */
  id: string | null;
  occurred_at: string | null;
  authority_id: string | null;
  actor_user_id: string | null;
  actor_service_account_id: string | null;
  actor_role: string | null;
  action: string | null;
  entity_type: string | null;
  entity_id: string | null;
  person_id: string | null;
  conversation_id: string | null;
  details: string | null;
  ip: string | null;
  request_id: string | null;
}

function field(v: string | null): string {
  return v === null ? '-' : `${Buffer.byteLength(v, 'utf8')}:${v}`;
}

/**
 * The canonical text of an entry at a position, built here independently of the database's own
 * function (front_door_audit_canonical), so a changed function in the database cannot hide a change.
 */
export function canonicalText(e: ChainedEntry): string {
  return [
    FORMAT,
    ...[e.seq, e.id, e.occurred_at, e.authority_id, e.actor_user_id, e.actor_service_account_id, e.actor_role, e.action, e.entity_type, e.entity_id, e.person_id, e.conversation_id, e.details, e.ip, e.request_id].map(field),
  ].join('|');
}

export function linkHash(prev: Buffer, e: ChainedEntry): Buffer {
  return createHash('sha256').update(prev).update(canonicalText(e), 'utf8').digest();
}

export interface ChainBreak {
  /** The chain position where the break was found, when there is one. */
  seq: number | null;
  /** The audit entry's id (audit_events.id). */
  entryId: number | null;
  problem: 'gap' | 'link' | 'missing-entry' | 'content' | 'unchained' | 'anchor';
  message: string;
  expected: string;
  found: string;
}

export type VerifyResult =
  | { ok: true; entries: number; head: { seq: number; hash: string } | null }
  | { ok: false; entries: number; break: ChainBreak };

export interface VerifyOptions {
  /** Links read per query; the walk holds one batch in memory at a time. */
  batchSize?: number;
  /** A head recorded earlier (say, printed by a previous run and kept elsewhere): the chain must still hold that hash at that position. */
  anchor?: { seq: number; hash: string };
  /** Called after each batch with the number of links checked so far. */
  onProgress?: (checked: number) => void;
}

const hex = (b: Buffer) => b.toString('hex');

/**
 * Walks the chain in order, in batches, recomputing every hash. Stops at the first broken link:
 * a gap in the positions (a link deleted), a previous hash that is not the previous link's (links
 * reordered, or an earlier entry changed along with its own hash), a link whose entry is gone, an
 * entry whose content no longer gives its hash, an anchor that no longer matches, or an entry with
 * no link at all (written with the chaining switched off).
 *
 * Run it in a repeatable-read transaction to check one consistent snapshot (verifyAuditChainSnapshot).
 */
export async function verifyAuditChain(db: Executor, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const batchSize = opts.batchSize ?? 5000;
  let prev: Buffer = GENESIS_HASH;
  let expectedSeq = 1;
  let after = '0';
  let checked = 0;
  let anchorSeen = false;
  const broken = (b: Omit<ChainBreak, 'seq' | 'entryId'> & { seq: number | string | null; entryId: number | string | null }): VerifyResult => ({
    ok: false,
    entries: checked,
    break: { ...b, seq: b.seq === null ? null : Number(b.seq), entryId: b.entryId === null ? null : Number(b.entryId) },
  });

  for (;;) {
    const { rows } = await sql<ChainedEntry>`
      select c.seq::text as seq, c.event_id::text as event_id, c.prev_hash, c.hash,
             e.id::text as id,
             to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at,
             e.authority_id, e.actor_user_id::text as actor_user_id, e.actor_service_account_id::text as actor_service_account_id,
             e.actor_role, e.action, e.entity_type, e.entity_id, e.person_id::text as person_id,
             e.conversation_id::text as conversation_id, e.details::text as details, e.ip, e.request_id
      from audit_chain c left join audit_events e on e.id = c.event_id
      where c.seq > ${after}::bigint
      order by c.seq
      limit ${batchSize}`.execute(db);
    for (const r of rows) {
      if (r.seq !== String(expectedSeq)) {
        return broken({ seq: r.seq, entryId: r.event_id, problem: 'gap', message: `Chain position ${expectedSeq} is missing: the link before entry ${r.event_id} has been removed.`, expected: `position ${expectedSeq}`, found: `position ${r.seq}` });
      }
      if (!r.prev_hash.equals(prev)) {
        const before = expectedSeq === 1 ? 'the start of the chain' : `the entry at position ${expectedSeq - 1}`;
        return broken({ seq: r.seq, entryId: r.event_id, problem: 'link', message: `Entry ${r.event_id} (position ${r.seq}) does not follow ${before}: an earlier entry was changed, removed or moved.`, expected: `previous hash ${hex(prev)}`, found: `previous hash ${hex(r.prev_hash)}` });
      }
      if (r.id === null) {
        return broken({ seq: r.seq, entryId: r.event_id, problem: 'missing-entry', message: `Entry ${r.event_id} (position ${r.seq}) has been deleted from the audit log.`, expected: `entry ${r.event_id}`, found: 'no entry' });
      }
      const computed = linkHash(prev, r);
      if (!computed.equals(r.hash)) {
        return broken({ seq: r.seq, entryId: r.event_id, problem: 'content', message: `Entry ${r.event_id} (position ${r.seq}) has been changed since it was written.`, expected: `hash ${hex(r.hash)}`, found: `hash ${hex(computed)} from its present content` });
      }
      if (opts.anchor && opts.anchor.seq === expectedSeq) {
        anchorSeen = true;
        if (hex(computed) !== opts.anchor.hash.toLowerCase()) {
          return broken({ seq: r.seq, entryId: r.event_id, problem: 'anchor', message: `The chain at position ${r.seq} is not the one recorded earlier: it has been rewritten from there or before.`, expected: `hash ${opts.anchor.hash.toLowerCase()}`, found: `hash ${hex(computed)}` });
        }
      }
      prev = computed;
      expectedSeq++;
      checked++;
      after = r.seq;
    }
    opts.onProgress?.(checked);
    if (rows.length < batchSize) break;
  }

  if (opts.anchor && !anchorSeen) {
    return broken({ seq: opts.anchor.seq, entryId: null, problem: 'anchor', message: `The chain ends at position ${checked}, but position ${opts.anchor.seq} was recorded earlier: entries have been removed from the end.`, expected: `at least ${opts.anchor.seq} entries`, found: `${checked} entries` });
  }

  // Every entry has a link: one without was written with the chaining switched off.
  const { rows: unchained } = await sql<{ id: string }>`
    select e.id::text as id from audit_events e
    where not exists (select 1 from audit_chain c where c.event_id = e.id)
    order by e.id limit 1`.execute(db);
  if (unchained[0]) {
    return broken({ seq: null, entryId: unchained[0].id, problem: 'unchained', message: `Entry ${unchained[0].id} is not in the chain: it was written with the chaining switched off.`, expected: 'a link for every entry', found: `no link for entry ${unchained[0].id}` });
  }
  return { ok: true, entries: checked, head: checked ? { seq: checked, hash: hex(prev) } : null };
}

/** The same walk over one consistent snapshot of the database (a read-only, repeatable-read transaction). */
export function verifyAuditChainSnapshot(db: Database, opts: VerifyOptions = {}): Promise<VerifyResult> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute((tx) => verifyAuditChain(tx, opts));
}

/** One line for people: what was found. */
export function describeResult(r: VerifyResult): string {
  if (r.ok) return r.head ? `chain intact: ${r.entries} ${r.entries === 1 ? 'entry' : 'entries'} (head: position ${r.head.seq}, hash ${r.head.hash})` : 'chain intact: 0 entries';
  const b = r.break;
  return [
    `chain broken${b.entryId !== null ? ` at entry ${b.entryId}` : ''}${b.seq !== null ? ` (position ${b.seq})` : ''}: ${b.message}`,
    `  expected: ${b.expected}`,
    `  found:    ${b.found}`,
    `  ${r.entries} ${r.entries === 1 ? 'entry' : 'entries'} before it ${r.entries === 1 ? 'is' : 'are'} intact.`,
  ].join('\n');
}
