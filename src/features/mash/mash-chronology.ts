import type { AppContext } from '../../platform/context.js';
import type { Principal } from '../../platform/auth/roles.js';
import { enterRowScope } from '../../platform/db/row-scope.js';

/** The roles that see a child's MASH enquiries on their record: the MASH and CADS staff who read records. */
const CAN_SEE = new Set(['cads-worker', 'team-manager', 'mash-coordinator', 'edt-worker']);

/**
 * A child's MASH enquiries, newest first, for their record page: reference, rating, status, deadline
 * and decision. The page that shows them is the child's record, whose view is already audited.
 * Runs under the row scope of the principal's own authority.
 */
export class MashChronology {
  constructor(private readonly ctx: AppContext) {}

  async forPeople(principal: Principal, personIds: string[]) {
    if (!CAN_SEE.has(principal.role) || personIds.length === 0) return [];
    const mash = this.ctx.profiles.get(principal.authorityId).mash;
    const rows = await this.ctx.db.transaction().execute(async (tx) => {
      await enterRowScope(tx, { authorities: [principal.authorityId], agency: null });
      return tx
        .selectFrom('mash_enquiries as e')
        .innerJoin('mash_enquiry_children as ec', 'ec.enquiry_id', 'e.id')
        .select(['e.id', 'e.reference', 'e.rag', 'e.status', 'e.due_at', 'e.created_at', 'e.decided_at', 'e.decision_code'])
        .distinct()
        .where('e.authority_id', '=', principal.authorityId)
        .where('ec.person_id', 'in', personIds)
        .orderBy('e.created_at', 'desc')
        .execute();
    });
    return rows.map((r) => ({
      ...r,
      decisionLabel: r.decision_code ? (mash.outcomes.find((o) => o.code === r.decision_code)?.label ?? r.decision_code) : null,
      ragLabel: r.rag ? (mash.ratings.find((x) => x.code === r.rag)?.label ?? r.rag) : null,
    }));
  }
}
