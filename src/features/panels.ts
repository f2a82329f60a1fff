/**
 * The features that add panels to the home page and to a child's record (see
 * platform/http/panels.ts). Each feature exports its provider from its own folder; this list is
 * the only place they are named.
 */
import type { ChronologyNoteProvider, ConversationPanelProvider, HomePanelProvider, PersonPanelProvider } from '../platform/http/panels.js';
// issue 8 panel imports: written referrals
import { referralsChronologyNotes, referralsConversationPanel, referralsHomePanel, referralsPersonPanel } from './referrals/referrals.panels.js';
// issue 8 panel imports: allocated workers
import { allocatedWorkerChronologyNotes, allocatedWorkerConversationPanel, allocatedWorkerHomePanel, allocatedWorkerPersonPanel } from './allocated-workers/allocated-workers.panels.js';
// issue 8 panel imports: early help
import { earlyHelpChronologyNotes, earlyHelpConversationPanel, earlyHelpHomePanel } from './early-help/early-help.panels.js';
// issue 8 panel imports: disagreements
import { disagreementsChronologyNotes, disagreementsConversationPanel, disagreementsHomePanel } from './disagreements/disagreements.panels.js';
// issue 8 panel imports: before you call
import { beforeYouCallHomePanel } from './before-you-call/before-you-call.panels.js';
// issue 8 panel imports: professional directory

export const HOME_PANELS: HomePanelProvider[] = [
  // issue 8 home panels: written referrals
  referralsHomePanel,
  // issue 8 home panels: allocated workers
  allocatedWorkerHomePanel,
  // issue 8 home panels: early help
  earlyHelpHomePanel,
  // issue 8 home panels: disagreements
  disagreementsHomePanel,
  // issue 8 home panels: before you call
  beforeYouCallHomePanel,
  // issue 8 home panels: professional directory
];

export const PERSON_PANELS: PersonPanelProvider[] = [
  // issue 8 person panels: allocated workers
  allocatedWorkerPersonPanel,
  // issue 8 person panels: written referrals
  referralsPersonPanel,
  // issue 8 person panels: early help
  // issue 8 person panels: disagreements
];

export const CHRONOLOGY_NOTES: ChronologyNoteProvider[] = [
  // issue 8 chronology notes: allocated workers
  allocatedWorkerChronologyNotes,
  // issue 8 chronology notes: written referrals
  referralsChronologyNotes,
  // issue 8 chronology notes: early help
  earlyHelpChronologyNotes,
  // issue 8 chronology notes: disagreements
  disagreementsChronologyNotes,
];

export const CONVERSATION_PANELS: ConversationPanelProvider[] = [
  // issue 8 conversation panels: written referrals
  referralsConversationPanel,
  // issue 8 conversation panels: allocated workers
  allocatedWorkerConversationPanel,
  // issue 8 conversation panels: early help
  earlyHelpConversationPanel,
  // issue 8 conversation panels: disagreements
  disagreementsConversationPanel,
  // issue 8 conversation panels: professional directory
];
