import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import type { ConversationRow } from '../../platform/db/schema.js';
import type { CompletionListener } from './conversations.service.js';
import { WrittenRecordsService } from '../written-records/written-records.service.js';
import { withMashEnquiries } from '../mash/mash.service.js';
import { AllocatedWorkersService } from '../allocated-workers/allocated-workers.service.js';
import { EarlyHelpService } from '../early-help/early-help.service.js';
import { disagreementsCompletionHook } from '../disagreements/disagreements.panels.js';
import { professionalDirectoryHook } from '../professionals/completion-hook.js';

/**
 * Something that follows from a completed conversation version, done in the completion's own
 * transaction so that the conversation and what it sets going are saved together or not at all
 * (an Early Help request, a message to an allocated worker, a disagreement to escalate…).
 * `version` is the version just completed; `requestedBy` the user who completed it, or null for
 * a service account.
 */
export type CompletionHook = (tx: Tx, conversation: ConversationRow, version: number, requestedBy: string | null) => Promise<void>;

/** The hooks run after every completion, in order, after the written record and any MASH enquiry. */
function completionHooks(ctx: AppContext): CompletionHook[] {
  const hooks: CompletionHook[] = [];
  hooks.push(new AllocatedWorkersService(ctx).completionHook());
  hooks.push(async (tx, conversation, version, requestedBy) => void (await new EarlyHelpService(ctx).onConversationCompleted(tx, conversation, version, requestedBy)));
  hooks.push(disagreementsCompletionHook(ctx));
  hooks.push(professionalDirectoryHook(ctx));
  return hooks;
}

/**
 * Everything that happens when a conversation version is completed, for every way of completing
 * one (the pages, the API, a call's screen): the caller's written record is queued, MASH enquiries
 * are opened, then each hook runs.
 */
export function completionListener(ctx: AppContext): CompletionListener {
  const inner = withMashEnquiries(ctx, new WrittenRecordsService(ctx));
  const hooks = completionHooks(ctx);
  return {
    async queueOnCompletion(tx, conversation, version, recipient, requestedBy) {
      const queued = await inner.queueOnCompletion(tx, conversation, version, recipient, requestedBy);
      for (const hook of hooks) await hook(tx, conversation, version, requestedBy);
      return queued;
    },
  };
}
