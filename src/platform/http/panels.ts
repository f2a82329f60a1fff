import type { AppContext } from '../context.js';
import type { Principal } from '../auth/roles.js';
import type { AuditContext } from '../audit.js';

/**
 * A part of a shared page that another feature owns: the template it renders (relative to
 * src/features, like every view) and the data for it, which the template reads as `panel.data`.
 * The home page ("Your work") and a child's record show the panels of every feature that has one
 * for the person looking, so a feature adds to those pages without editing them.
 */
export interface Panel {
  template: string;
  data: Record<string, unknown>;
}

/** Something for the signed-in person's home page, or null when there is nothing for them. */
export type HomePanelProvider = (ctx: AppContext, principal: Principal) => Promise<Panel | null>;

/**
 * Something on a child's record. `personIds` is the child and any records merged into theirs;
 * `audit` is the request's, for providers that read more about the child than the page already
 * audits. `place` says where it shows: 'top' (straight under the child's name, for what a worker
 * must see at once) or 'sections' (after the MASH enquiries, before the chronology).
 */
export type PersonPanelProvider = (
  ctx: AppContext,
  principal: Principal,
  personIds: string[],
  audit: AuditContext,
) => Promise<(Panel & { place: 'top' | 'sections' }) | null>;

/**
 * Something on a conversation's record page (the completed record, not the draft): what followed
 * from it in another feature, with that feature's actions (an Early Help request to complete, a
 * disagreement and its escalation, the allocated worker told). `personIds` are the children of
 * the version shown.
 */
export type ConversationPanelProvider = (
  ctx: AppContext,
  principal: Principal,
  conversation: { id: string; reference: string; status: string; current_version: number },
  personIds: string[],
) => Promise<Panel | null>;

/**
 * A line under a conversation in a child's chronology, from another feature: what came of it
 * (say, "Early Help request: accepted"), with a link where the reader may follow it.
 */
export interface ChronologyNote {
  conversationId: string;
  text: string;
  href?: string;
}
export type ChronologyNoteProvider = (ctx: AppContext, principal: Principal, conversationIds: string[]) => Promise<ChronologyNote[]>;

export async function gatherPanels<T extends Panel>(providers: (() => Promise<T | null>)[]): Promise<T[]> {
  const out: T[] = [];
  // One at a time: on the embedded engine every query shares one connection anyway.
  for (const p of providers) {
    const panel = await p();
    if (panel) out.push(panel);
  }
  return out;
}
