/**
 * Where an operation's time goes: runs it serially with every `pg` driver round trip timed.
 * The driver's Client.query is wrapped only while this runs (nothing else may run meanwhile).
 */
import pg from 'pg';
import { msSince, now, summarise, us } from './stats.js';

/** A short, stable name for a statement: its verb and table (parameters are already placeholders). */
export function statementKey(sql: string): string {
  const s = sql.toLowerCase();
  if (/^(begin|commit|rollback)\b/.test(s)) return s.split(' ')[0]!;
  if (s.startsWith('set ')) return 'set search_path (per checkout; only when openDatabase is given a schema)';
  if (s.includes('nextval')) return 'select nextval(conversation_reference_seq)';
  const verb = s.split(' ')[0]!;
  const table = s.match(/^(?:insert into|update|delete from)\s+"?([\w.]+)"?/)?.[1] ?? s.match(/\bfrom\s+"?([\w.]+)"?/)?.[1] ?? '';
  let extra = '';
  if (verb === 'select' && table === 'conversation_children') {
    extra = s.includes('"conversation_versions"') ? ' (chronology)' : s.includes('inner join "conversations"') ? ' (childHistory)' : ' (children)';
  }
  if (verb === 'select' && table === 'persons') extra = s.includes('"relationships"') ? ' (householdIds)' : ' (by id)';
  if (verb === 'select' && table === 'relationships') extra = ' (family)';
  if (verb === 'update' && table === 'conversations') extra = s.includes('"status" =') ? ' (mark completed)' : '';
  return `${verb} ${table}${extra}`.trim();
}

export async function profileRoundTrips(n: number, op: (i: number) => Promise<unknown>) {
  const stats = new Map<string, { count: number; totalMs: number }>();
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const key = statementKey((typeof first === 'string' ? first : first?.text ?? '?').replace(/\s+/g, ' ').trim());
    const t = now();
    const res = original.apply(this, args);
    if (res && typeof (res as Promise<unknown>).then === 'function') {
      return (res as Promise<unknown>).then((v) => {
        const s = stats.get(key) ?? { count: 0, totalMs: 0 };
        s.count++;
        s.totalMs += msSince(t);
        stats.set(key, s);
        return v;
      });
    }
    return res;
  };
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = now();
      await op(i);
      times.push(msSince(t));
    }
  } finally {
    proto.query = original;
  }
  const statements = [...stats.entries()]
    .map(([statement, s]) => ({ statement, perOperation: Math.round((s.count / n) * 100) / 100, meanMs: us(s.totalMs / s.count), msPerOperation: us(s.totalMs / n) }))
    .sort((a, b) => b.msPerOperation - a.msPerOperation);
  const summary = summarise(times);
  const dbMs = statements.reduce((a, s) => a + s.msPerOperation, 0);
  return {
    operations: n,
    concurrency: 1,
    roundTripsPerOperation: Math.round(statements.reduce((a, s) => a + s.perOperation, 0) * 100) / 100,
    operationMeanMs: summary.mean,
    operationP50Ms: summary.p50,
    awaitingDriverMsPerOperation: us(dbMs),
    applicationMsPerOperation: us(Math.max(0, summary.mean - dbMs)),
    note: 'awaitingDriverMs = time awaiting pg round trips (network + server + row parsing); applicationMs = the rest (JS between queries: Kysely compile, validation, grouping, accumulation rules).',
    statements,
  };
}
