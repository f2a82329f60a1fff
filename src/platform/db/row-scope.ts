import { sql } from 'kysely';
import type { Tx } from './database.js';

/**
 * Whom a transaction acts for, for PostgreSQL row-level security (migration 0009): the authorities
 * whose rows it may see and, for a partner agency, the agency. The services scope every query
 * themselves; this is the second line, so that a query that forgets a condition still cannot show
 * one authority's children to another or one agency's request to another.
 */
export interface RowScope {
  authorities: readonly string[];
  /** A partner agency's code, or null for the authority's own staff. */
  agency: string | null;
}

/** The role the policies apply to; created by migration 0009 (or by the DBA, see docs). */
export const SCOPED_ROLE = 'front_door_scoped';

/**
 * Switches the rest of this transaction to the scoped role with the given scope. Both settings are
 * transaction-local, so the connection returns to the pool as it was.
 */
export async function enterRowScope(tx: Tx, scope: RowScope): Promise<void> {
  for (const a of scope.authorities) if (a.includes(',')) throw new Error('authority ids cannot contain commas');
  // JIT off for the transaction: the policies' partner-only sub-plans (never run for staff) inflate
  // the planner's cost estimates past the JIT threshold, and compiling costs more than these
  // short queries take (the dashboard benchmark went from ~120 ms to ~20 ms).
  await sql`select set_config('front_door.authorities', ${scope.authorities.join(',')}, true), set_config('front_door.agency', ${scope.agency ?? ''}, true), set_config('jit', 'off', true)`.execute(tx);
  await sql.raw(`set local role ${SCOPED_ROLE}`).execute(tx);
}

/**
 * Back to the connection's own role for the rest of the transaction, for the system's own work that
 * follows a scoped change (queueing a job in the job schema, which the scoped role cannot reach).
 */
export async function leaveRowScope(tx: Tx): Promise<void> {
  await sql`reset role`.execute(tx);
}
