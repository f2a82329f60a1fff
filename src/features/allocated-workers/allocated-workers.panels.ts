/**
 * Where allocated workers show on pages other features own: at the top of a child's record, on
 * the home page of a worker something was passed to, on a completed conversation's record, and
 * under a conversation in the chronology (see src/features/panels.ts).
 */
import { CAN } from '../../platform/auth/roles.js';
import type { ChronologyNoteProvider, ConversationPanelProvider, HomePanelProvider, PersonPanelProvider } from '../../platform/http/panels.js';
import { AllocatedWorkersService, ACKNOWLEDGE_ROLES, MANAGE_ALLOCATIONS } from './allocated-workers.service.js';

/** At the top of a child's record: their allocated worker and how to reach them, before anything else. */
export const allocatedWorkerPersonPanel: PersonPanelProvider = async (ctx, principal, personIds) => {
  if (!CAN.readChildRecords.includes(principal.role)) return null;
  const service = new AllocatedWorkersService(ctx);
  const active = Object.values(await service.activeForPeople(principal, personIds));
  const canManage = MANAGE_ALLOCATIONS.includes(principal.role);
  if (!active.length && !canManage) return null;
  return {
    place: 'top',
    template: 'allocated-workers/views/_person-panel.njk',
    data: { allocations: active, personId: personIds[0], canManage, message: ctx.profiles.get(principal.authorityId).allocatedWorkerMessage },
  };
};

/** On the home page of a worker CADS passed conversations to: each until they acknowledge it. */
export const allocatedWorkerHomePanel: HomePanelProvider = async (ctx, principal) => {
  if (principal.kind !== 'user' || !ACKNOWLEDGE_ROLES.includes(principal.role)) return null;
  const waiting = await new AllocatedWorkersService(ctx).waitingFor(principal);
  if (!waiting.length) return null;
  return { template: 'allocated-workers/views/_home-panel.njk', data: { waiting } };
};

/** On a completed conversation's record: who it was passed to, and whether they have acknowledged it. */
export const allocatedWorkerConversationPanel: ConversationPanelProvider = async (ctx, principal, conversation) => {
  const notices = await new AllocatedWorkersService(ctx).noticesForConversations(principal, [conversation.id]);
  if (!notices.length) return null;
  return {
    template: 'allocated-workers/views/_conversation-panel.njk',
    data: { notices, canAcknowledgeFor: notices.map((n) => n.acknowledged_at === null && (n.user_id === principal.id || principal.role === 'team-manager')) },
  };
};

/** Under a conversation in the chronology: "Passed to the allocated worker (acknowledged)". */
export const allocatedWorkerChronologyNotes: ChronologyNoteProvider = async (ctx, principal, conversationIds) => {
  const notices = await new AllocatedWorkersService(ctx).noticesForConversations(principal, conversationIds);
  return notices.map((n) => ({
    conversationId: n.conversation_id,
    text: `Passed to the allocated worker, ${n.worker_name} (${n.acknowledged_at ? 'acknowledged' : 'not yet acknowledged'})`,
  }));
};
