import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import type { MashEnquiryRow } from '../../platform/db/schema.js';

/**
 * Queues the written record of a MASH decision to the caller of the conversation the enquiry came
 * from, in the decision's transaction (outside the row scope). Returns the written record's id, or
 * null when there is no one to tell (the enquiry was opened by a manager, or the caller left no email).
 *
 * NOT YET IMPLEMENTED: being built now; until then it tells no one.
 */
export async function queueMashDecisionRecord(ctx: AppContext, tx: Tx, enquiry: MashEnquiryRow, requestedBy: string | null): Promise<string | null> {
  void ctx; void tx; void enquiry; void requestedBy;
  return null;
}
