import type { ChronologyNoteProvider, ConversationPanelProvider, HomePanelProvider } from '../../platform/http/panels.js';
import type { CompletionHook } from '../conversations/completion.js';
import type { AppContext } from '../../platform/context.js';
import { DisagreementsService, LIST_ROLES, RAISE_ROLES, READ_ROLES } from './disagreements.service.js';

/** Managers' home page: "N open disagreements, M overdue", when there are any. */
export const disagreementsHomePanel: HomePanelProvider = async (ctx, principal) => {
  if (!LIST_ROLES.includes(principal.role)) return null;
  const counts = await new DisagreementsService(ctx).summary(principal);
  if (counts.open === 0) return null;
  return { template: 'disagreements/views/_home-panel.njk', data: counts };
};

/** A completed conversation's record: its disagreements, and a link to record one. */
export const disagreementsConversationPanel: ConversationPanelProvider = async (ctx, principal, conversation) => {
  if (!READ_ROLES.includes(principal.role)) return null;
  const items = await new DisagreementsService(ctx).forConversation(principal, conversation.id);
  const canRaise = conversation.status === 'completed' && RAISE_ROLES.includes(principal.role);
  if (items.length === 0 && !canRaise) return null;
  return { template: 'disagreements/views/_conversation-panel.njk', data: { items, canRaise, conversationId: conversation.id } };
};

/** Under a conversation in a child's chronology: "Caller disagreed – escalated to stage 2". */
export const disagreementsChronologyNotes: ChronologyNoteProvider = async (ctx, principal, conversationIds) => {
  if (!READ_ROLES.includes(principal.role)) return [];
  return new DisagreementsService(ctx).chronologyLines(principal, conversationIds);
};

/** Completing a conversation where the caller did not agree with a child's outcome opens a disagreement. */
export function disagreementsCompletionHook(ctx: AppContext): CompletionHook {
  const service = new DisagreementsService(ctx);
  return (tx, conversation, version, requestedBy) => service.onConversationCompleted(tx, conversation, version, requestedBy);
}
