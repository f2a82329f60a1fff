/**
 * The features that add panels to the home page and to a child's record (see
 * platform/http/panels.ts). Each feature exports its provider from its own folder; this list is
 * the only place they are named.
 */
import type { ChronologyNoteProvider, ConversationPanelProvider, HomePanelProvider, PersonPanelProvider } from '../platform/http/panels.js';
import { referralsChronologyNotes, referralsConversationPanel, referralsHomePanel, referralsPersonPanel } from './referrals/referrals.panels.js';
import { allocatedWorkerChronologyNotes, allocatedWorkerConversationPanel, allocatedWorkerHomePanel, allocatedWorkerPersonPanel } from './allocated-workers/allocated-workers.panels.js';
import { earlyHelpChronologyNotes, earlyHelpConversationPanel, earlyHelpHomePanel } from './early-help/early-help.panels.js';
import { disagreementsChronologyNotes, disagreementsConversationPanel, disagreementsHomePanel } from './disagreements/disagreements.panels.js';
import { beforeYouCallHomePanel } from './before-you-call/before-you-call.panels.js';
import { restrictedRecordHomePanel, restrictedRecordPersonPanel } from './restricted-records/restricted-records.panels.js'; // issue10-F

export const HOME_PANELS: HomePanelProvider[] = [
  referralsHomePanel,
  allocatedWorkerHomePanel,
  earlyHelpHomePanel,
  disagreementsHomePanel,
  beforeYouCallHomePanel,
  restrictedRecordHomePanel, // issue10-F
];

export const PERSON_PANELS: PersonPanelProvider[] = [
  restrictedRecordPersonPanel, // issue10-F: first, so a restricted record says so before anything else
  allocatedWorkerPersonPanel,
  referralsPersonPanel,
];

export const CHRONOLOGY_NOTES: ChronologyNoteProvider[] = [
  allocatedWorkerChronologyNotes,
  referralsChronologyNotes,
  earlyHelpChronologyNotes,
  disagreementsChronologyNotes,
];

export const CONVERSATION_PANELS: ConversationPanelProvider[] = [
  referralsConversationPanel,
  allocatedWorkerConversationPanel,
  earlyHelpConversationPanel,
  disagreementsConversationPanel,
];
