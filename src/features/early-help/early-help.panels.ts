import type { ChronologyNoteProvider, ConversationPanelProvider, HomePanelProvider } from '../../platform/http/panels.js';
import { EarlyHelpService, EARLY_HELP_ROLES, earlyHelpChildName } from './early-help.service.js';
import { STATUS_LABELS } from './early-help-rules.js';
import { labelOf } from '../../domain/authority-profile.js';

/**
 * Home page: a CADS worker sees the requests from their conversations still to complete; the
 * Early Help team (and managers) how many sent requests are waiting for them.
 */
export const earlyHelpHomePanel: HomePanelProvider = async (ctx, principal) => {
  const service = new EarlyHelpService(ctx);
  const rows = EARLY_HELP_ROLES.complete.includes(principal.role) ? await service.waitingForWorker(principal) : [];
  const count = EARLY_HELP_ROLES.team.includes(principal.role) ? await service.countSent(principal) : 0;
  if (!rows.length && !count) return null;
  return {
    template: 'early-help/views/_home-panel.njk',
    data: { count, requests: rows.map((r) => ({ id: r.id, reference: r.reference, name: earlyHelpChildName(r), conversationReference: r.conversation_reference })) },
  };
};

/** A completed conversation's record: each child's Early Help request, with what to do next. */
export const earlyHelpConversationPanel: ConversationPanelProvider = async (ctx, principal, conversation) => {
  const service = new EarlyHelpService(ctx);
  const rows = await service.forConversations(principal, [conversation.id]);
  if (!rows.length) return null;
  const profile = service.profileFor(principal.authorityId);
  return {
    template: 'early-help/views/_conversation-panel.njk',
    data: {
      canComplete: EARLY_HELP_ROLES.complete.includes(principal.role),
      statusLabels: STATUS_LABELS,
      requests: rows.map((r) => ({
        id: r.id, reference: r.reference, name: earlyHelpChildName(r), status: r.status,
        editable: r.status === 'details-needed' || r.status === 'consent-not-given',
        reason: r.status === 'declined' ? labelOf(profile.earlyHelp.declineReasons, r.decline_reason_code) : r.status === 'accepted' && r.allocated_to ? `Allocated to ${r.allocated_to}` : null,
      })),
    },
  };
};

/** Under each conversation in a child's chronology: "Early Help request: accepted". */
export const earlyHelpChronologyNotes: ChronologyNoteProvider = async (ctx, principal, conversationIds) => {
  const service = new EarlyHelpService(ctx);
  const rows = await service.forConversations(principal, conversationIds);
  const perConversation = new Map<string, number>();
  for (const r of rows) perConversation.set(r.conversation_id, (perConversation.get(r.conversation_id) ?? 0) + 1);
  return rows.map((r) => ({ conversationId: r.conversation_id, text: service.chronologyText(r, (perConversation.get(r.conversation_id) ?? 0) > 1), href: `/early-help/${r.id}` }));
};
