import { CAN } from '../../platform/auth/roles.js';
import type { ChronologyNoteProvider, ConversationPanelProvider, HomePanelProvider, PersonPanelProvider } from '../../platform/http/panels.js';
import { formatDateTimeLondon } from '../../domain/dates.js';
import { ReferralsService } from './referrals.service.js';

/**
 * Home page: for CADS workers and managers, how many written referrals wait and how many are
 * overdue; for an emergency-service practitioner, the way to send one.
 */
export const referralsHomePanel: HomePanelProvider = async (ctx, principal) => {
  const service = new ReferralsService(ctx);
  if (CAN.recordConversations.includes(principal.role)) {
    const summary = await service.summary(principal);
    return { template: 'referrals/views/_home.njk', data: { kind: 'queue', ...summary } };
  }
  const agency = service.acceptedAgency(principal);
  if (agency) return { template: 'referrals/views/_home.njk', data: { kind: 'sender', agency, sent: await service.sentByAgency(principal) } };
  return null;
};

/** A child's record: the written referrals about them. */
export const referralsPersonPanel: PersonPanelProvider = async (ctx, principal, personIds) => {
  const service = new ReferralsService(ctx);
  const referrals = await service.forPeople(principal, personIds);
  if (!referrals.length) return null;
  return { place: 'sections', template: 'referrals/views/_person.njk', data: { referrals, canOpen: CAN.recordConversations.includes(principal.role) } };
};

/** A conversation started from a written referral says so, with a link to the referral. */
export const referralsConversationPanel: ConversationPanelProvider = async (ctx, principal, conversation) => {
  const service = new ReferralsService(ctx);
  const [r] = await service.forConversations(principal, [conversation.id]);
  if (!r) return null;
  return { template: 'referrals/views/_conversation.njk', data: { referral: r, canOpen: CAN.recordConversations.includes(principal.role) } };
};

/** In a child's chronology: "Started from written referral …" under the conversation. */
export const referralsChronologyNotes: ChronologyNoteProvider = async (ctx, principal, conversationIds) => {
  const service = new ReferralsService(ctx);
  const rows = await service.forConversations(principal, conversationIds);
  return rows.map((r) => ({
    conversationId: r.conversation_id!,
    text: `Started from written referral ${r.reference} (${r.agencyLabel}, received ${formatDateTimeLondon(r.received_at)})`,
    ...(CAN.recordConversations.includes(principal.role) ? { href: `/referrals/${r.id}` } : {}),
  }));
};
