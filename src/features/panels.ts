/**
 * The features that add panels to the home page and to a child's record (see
 * platform/http/panels.ts). Each feature exports its provider from its own folder; this list is
 * the only place they are named.
 */
import type { ChronologyNoteProvider, ConversationPanelProvider, HomePanelProvider, PersonPanelProvider } from '../platform/http/panels.js';
// issue 8 panel imports: written referrals
// issue 8 panel imports: allocated workers
// issue 8 panel imports: early help
// issue 8 panel imports: disagreements
// issue 8 panel imports: before you call
// issue 8 panel imports: professional directory

export const HOME_PANELS: HomePanelProvider[] = [
  // issue 8 home panels: written referrals
  // issue 8 home panels: allocated workers
  // issue 8 home panels: early help
  // issue 8 home panels: disagreements
  // issue 8 home panels: before you call
  // issue 8 home panels: professional directory
];

export const PERSON_PANELS: PersonPanelProvider[] = [
  // issue 8 person panels: allocated workers
  // issue 8 person panels: written referrals
  // issue 8 person panels: early help
  // issue 8 person panels: disagreements
];

export const CHRONOLOGY_NOTES: ChronologyNoteProvider[] = [
  // issue 8 chronology notes: allocated workers
  // issue 8 chronology notes: written referrals
  // issue 8 chronology notes: early help
  // issue 8 chronology notes: disagreements
];

export const CONVERSATION_PANELS: ConversationPanelProvider[] = [
  // issue 8 conversation panels: written referrals
  // issue 8 conversation panels: allocated workers
  // issue 8 conversation panels: early help
  // issue 8 conversation panels: disagreements
  // issue 8 conversation panels: professional directory
];
