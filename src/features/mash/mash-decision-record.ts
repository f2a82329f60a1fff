import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import type { MashEnquiryRow } from '../../platform/db/schema.js';
import { WrittenRecordsService } from '../written-records/written-records.service.js';

/**
 * Queues the written record of a MASH decision to the caller of the conversation the enquiry came
 * from, in the decision's transaction (outside the row scope). Returns the written record's id, or
 * null when there is no one to tell (the enquiry was opened by a manager, or the caller left no email).
 * The letter itself is built when it is sent (WrittenRecordsService.renderMashDecision).
 */
export async function queueMashDecisionRecord(ctx: AppContext, tx: Tx, enquiry: MashEnquiryRow, requestedBy: string | null): Promise<string | null> {
  return new WrittenRecordsService(ctx).queueMashDecision(tx, enquiry, requestedBy);
}
