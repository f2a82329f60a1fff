import type { Executor } from './db/database.js';
import type { Principal } from './auth/roles.js';

/**
 * What can be audited. Each event is written in the same transaction as the action or
 * read it describes, so an action without its audit entry cannot happen.
 *
 * An event may name the row it is about with `entityId` (a referral, an Early Help request, an
 * escalation…); otherwise the conversation, call, enquiry, user or person it names is used.
 */
export type AuditEvent =
  | { action: 'person.viewed'; personId: string }
  | { action: 'person.created'; personId: string; details?: Record<string, unknown> }
  | { action: 'person.updated'; personId: string; changes: Record<string, { from: unknown; to: unknown }> }
  | { action: 'person.searched'; personIds: string[]; details: { criteria: Record<string, string>; results: number } }
  | { action: 'relationship.added'; personId: string; details: { relatedPersonId: string; relationshipType: string } }
  | { action: 'chronology.viewed'; personId: string }
  | { action: 'person.merged'; personIds: string[]; details: { mergeId: string; survivorId: string; mergedId: string; reason: string; candidateId: string | null } }
  | { action: 'person.unmerged'; personIds: string[]; details: { mergeId: string; survivorId: string; mergedId: string; reason: string } }
  | { action: 'duplicates.viewed'; personIds: string[]; details: { candidateId: string } }
  | { action: 'duplicate.marked-not-same'; personIds: string[]; details: { candidateId: string; note: string | null } }
  | { action: 'conversation.created'; conversationId: string; personIds: string[] }
  | { action: 'conversation.draft-saved'; conversationId: string; personIds: string[]; details: { section: string; version: number } }
  | { action: 'conversation.viewed'; conversationId: string; personIds: string[] }
  | { action: 'conversation.completed'; conversationId: string; personIds: string[]; details: { version: number } }
  | { action: 'conversation.amendment-started'; conversationId: string; personIds: string[]; details: { version: number; reason: string } }
  | { action: 'conversation.child-added'; conversationId: string; personIds: string[] }
  | { action: 'conversation.child-removed'; conversationId: string; personIds: string[] }
  | { action: 'written-record.requested'; conversationId: string; personIds: string[]; details: { reason: string } }
  | { action: 'written-record.previewed'; conversationId: string; personIds: string[] }
  | { action: 'decision.recorded'; conversationId: string; personIds: string[]; details: { decisionCode: string; primaryNeed?: string | null } }
  | { action: 'conversation.handover-accepted'; conversationId: string; personIds: string[]; details: { dueAt: string | null; overdue: boolean } }
  | { action: 'audit-trail.viewed'; personId: string }
  | { action: 'call.viewed'; callId: string; personIds: string[]; details: { conversationIds: string[] } }
  | { action: 'call.conversation-started'; conversationId: string; personIds: string[]; details: { callId: string | null; callbackId: string | null } }
  | { action: 'mash.enquiry-created'; enquiryId: string; personIds: string[]; details: { reference: string; conversationId: string | null } }
  | { action: 'mash.enquiry-viewed'; enquiryId: string; personIds: string[] }
  | { action: 'mash.dashboard-viewed'; personIds: string[]; details: { enquiryIds: string[]; page: number } }
  | { action: 'mash.question-answered'; enquiryId: string; personIds: string[]; details: { requestId: string; questionId: string } }
  | { action: 'mash.partner-authorities-changed'; userId: string; details: { added: string[]; removed: string[] } }
  | { action: 'mash.rated'; enquiryId: string; personIds: string[]; details: { from: string | null; to: string; reason: string | null; dueAt: string } }
  | { action: 'mash.requests-sent'; enquiryId: string; personIds: string[]; details: { agencyCodes: string[] } }
  | { action: 'mash.requests-viewed'; personIds: string[]; details: { agencyCode: string; requestIds: string[] } }
  | { action: 'mash.response-recorded'; enquiryId: string; personIds: string[]; details: { requestId: string; responseId: string; kind: string; agencyCode: string } }
  | { action: 'mash.collation-viewed'; enquiryId: string; personIds: string[] }
  | { action: 'mash.analysis-saved'; enquiryId: string; personIds: string[] }
  | { action: 'mash.decided'; enquiryId: string; personIds: string[]; details: { decisionCode: string } }
  /** The system told an agency's lead and the coordinators that a check request is overdue. Names no child. */
  | { action: 'mash.overdue-alerted'; enquiryId: string; details: { authorityId: string; requestId: string; agencyCode: string; notificationIds: string[]; dueAt: string } }
  | { action: 'referral.received'; entityId: string; personIds: string[]; details: { reference: string; agencyCode: string; channel: 'page' | 'api'; possibleDuplicateOf: string | null } }
  | { action: 'referral.repeat-received'; entityId: string; personIds: string[]; details: { reference: string; channel: 'page' | 'api' } }
  | { action: 'referral.viewed'; entityId: string; personIds: string[]; details: { reference: string; candidateIds: string[] } }
  | { action: 'referral.status-viewed'; entityId: string; details: { reference: string } }
  | { action: 'referral.child-matched'; entityId: string; personIds: string[]; details: { childId: string; created: boolean } }
  | { action: 'referral.duplicate-resolved'; entityId: string; personIds: string[]; details: { resolution: 'same' | 'different'; duplicateOf: string } }
  | { action: 'referral.phoned-back'; entityId: string; personIds: string[]; details: { conversationId: string } }
  | { action: 'referral.decided'; entityId: string; personIds: string[]; details: { decisionCode: string } }
  | { action: 'allocation.added'; entityId: string; personIds: string[]; details: { kind: string; linkedUser: boolean; replacedId: string | null } }
  | { action: 'allocation.changed'; entityId: string; personIds: string[]; details: { fields: string[] } }
  | { action: 'allocation.ended'; entityId: string; personIds: string[]; details: { endDate: string } }
  | { action: 'allocation.history-viewed'; entityId: string; personIds: string[] }
  | { action: 'allocated-worker.acknowledged'; entityId: string; personIds: string[]; details: { conversationId: string; allocationId: string } }
  | { action: 'early-help.request-created'; entityId: string; personIds: string[]; details: { reference: string; conversationId: string; version: number } }
  | { action: 'early-help.request-viewed'; entityId: string; personIds: string[]; details: { reference: string } }
  | { action: 'early-help.request-saved'; entityId: string; personIds: string[]; details: { reference: string; status: string } }
  | { action: 'early-help.request-sent'; entityId: string; personIds: string[]; details: { reference: string; notificationIds: string[] } }
  | { action: 'early-help.status-changed'; entityId: string; personIds: string[]; details: { reference: string; from: string; to: string; reasonCode?: string | null } }
  | { action: 'early-help.queue-viewed'; personIds: string[]; details: { requestIds: string[]; status: string } }
  | { action: 'early-help.exported'; personIds: string[]; details: { requestIds: string[]; from: string | null; to: string | null; status: string } }
  | { action: 'disagreement.raised'; entityId: string; conversationId: string; personIds: string[]; details: { reference: string; source: 'completion' | 'by-hand'; stage: number; dueOn: string } }
  | { action: 'disagreement.viewed'; entityId: string; conversationId: string; personIds: string[] }
  | { action: 'disagreement.list-viewed'; personIds: string[]; details: { filter: string; disagreementIds: string[] } }
  | { action: 'disagreement.responded'; entityId: string; conversationId: string; personIds: string[]; details: { stage: number; result: string; onTime: boolean; nextStage: number | null; nextDueOn: string | null } }
  /** The system told a stage's owner that the stage is overdue. Names no child. */
  | { action: 'disagreement.overdue-alerted'; entityId: string; details: { authorityId: string; stage: number; notificationIds: string[]; dueOn: string } }
  | { action: 'before-you-call.page-published'; entityId: string; details: { authorityId: string; key: string; version: number; restoredFrom: number | null } }
  | { action: 'before-you-call.reviewed'; details: { authorityId: string; section: string } }
  | { action: 'before-you-call.question-received'; entityId: string; details: { authorityId: string } }
  | { action: 'before-you-call.question-updated'; entityId: string; details: { authorityId: string; status: string } }
  /** The system reminded an authority's administrators that its before-you-call pages are due for review. */
  | { action: 'before-you-call.review-reminded'; details: { authorityId: string; section: string; notificationIds: string[] } }
  /** Someone opened the list of conversations behind an MI figure: a view of those children. */
  | { action: 'mi.drilled-down'; personIds: string[]; details: { kind: string; value: string; from: string; to: string; rows: number } }
  /** A statutory return downloaded: one event for the whole list (it names the return and period, not each child). */
  | { action: 'mi.statutory-return-exported'; details: { return: string; format: string; from: string; to: string; rows: number } }
  | { action: 'professional.viewed'; entityId: string; personIds: string[]; details: { conversationIds: string[] } }
  | { action: 'professional.corrected'; entityId: string; personIds: string[]; details: { changes: Record<string, { from: unknown; to: unknown }>; reason: string } }
  | { action: 'professional.merged'; entityId: string; personIds: string[]; details: { keptId: string; mergedId: string; reason: string; conversationsMoved: number } }
  // issue10-D: details on user.signed-in (how; for single sign-on whether the account was linked or made, and what the claims changed)
  | { action: 'user.signed-in'; userId: string; details?: { method: 'local' | 'oidc'; linked?: boolean; created?: boolean; changes?: Record<string, { from: unknown; to: unknown }> } }
  | { action: 'user.sign-in-failed'; userId: string | null; details: { locked: boolean } }
  | { action: 'user.signed-out'; userId: string }
  // issue10-D: single sign-on, re-authentication, timeouts, "sign out everywhere" and user administration
  /** Single sign-on succeeded at the provider but Front Door refused the person (no account, no role, disabled…). */
  | { action: 'user.sign-in-refused'; userId: string | null; details: { method: 'oidc' | 'local'; reason: string; subject?: string } }
  | { action: 'user.reauthenticated'; userId: string; details: { method: 'local' | 'oidc' } }
  | { action: 'user.reauthentication-failed'; userId: string; details: { method: 'local' | 'oidc'; reason: string } }
  | { action: 'user.session-timed-out'; userId: string; details: { reason: 'idle' | 'absolute' } }
  | { action: 'user.sessions-ended'; userId: string; details: { by: 'self' | 'administrator' | 'single-sign-on'; sessions: number } }
  | { action: 'user.created'; userId: string; details: { role: string; via: 'administrator' | 'single-sign-on' } }
  | { action: 'user.changed'; userId: string; changes: Record<string, { from: unknown; to: unknown }> }
  | { action: 'user.disabled'; userId: string }
  | { action: 'user.enabled'; userId: string }
  | { action: 'user.list-viewed'; details: { count: number } }
  // issue10-A: searching and downloading the audit log are audited too. A search names the children
  // whose entries it showed; a download is one event naming its filters and row count.
  | { action: 'audit-log.searched'; personIds: string[]; details: AuditSearchDetails & { page: number; results: number } }
  | { action: 'audit-log.exported'; personIds: string[]; details: AuditSearchDetails & { rows: number } }
  // issue10-E: retention, legal holds, deletion and subject access. The deletion's details are ids and
  // counts only, never personal data; a hold's reason is kept because it is why the record is kept.
  /** The daily job listed what is due in an authority. Names no child. */
  | { action: 'retention.reviewed'; details: { authorityId: string; listed: number; due: number; today: string } }
  | { action: 'retention.decided'; entityId: string; details: { recordType: string; recordId: string; decision: 'delete' | 'keep'; keepUntil: string | null } }
  | { action: 'retention.erased'; personIds: string[]; details: { reviewIds: string[]; records: Record<string, string[]>; peopleErased: number } }
  | { action: 'retention.hold-placed'; entityId: string; personIds: string[]; details: { subjectType: string; subjectId: string; reason: string } }
  | { action: 'retention.hold-released'; entityId: string; personIds: string[]; details: { subjectType: string; subjectId: string; reason: string } }
  | { action: 'retention.holds-viewed'; personIds: string[]; details: { holds: number } }
  | { action: 'retention.people-found'; personIds: string[]; details: { by: 'reference' | 'nhs-number'; found: number } }
  | { action: 'subject-access.searched'; personIds: string[]; details: { by: 'reference' | 'nhs-number'; found: number } }
  | { action: 'subject-access.viewed'; personIds: string[] }
  | { action: 'subject-access.exported'; personIds: string[]; details: { format: 'json' | 'html'; sections: Record<string, number>; markedForReview: number } }
  // issue10-F: restricted records. Setting, changing and lifting a restriction, with its reason; "break
  // glass" with the opener's reason and what they opened; the list of restrictions (a view of those
  // whose names it showed); the owner or manager checking an opening.
  | { action: 'person.restricted'; personId: string; details: { restrictionId: string; scope: 'person' | 'household'; ownerId: string; namedUserIds: string[]; reason: string } }
  | { action: 'person.restriction-changed'; personId: string; changes: Record<string, { from: unknown; to: unknown }>; details: { restrictionId: string } }
  | { action: 'person.unrestricted'; personId: string; details: { restrictionId: string; reason: string } }
  | { action: 'person.restricted-access-granted'; personIds: string[]; details: { grantIds: string[]; restrictionIds: string[]; reason: string; openedPath: string; expiresAt: string; notificationIds: string[] } }
  | { action: 'person.restrictions-listed'; personIds: string[]; details: { restrictions: number } }
  | { action: 'person.restricted-access-reviewed'; personId: string; details: { taskId: string } };

/** issue10-A: what an administrator searched the audit log for (ids and dates only). */
export interface AuditSearchDetails {
  userId: string | null;
  personId: string | null;
  from: string;
  to: string;
}

export interface AuditContext {
  principal: Principal | null;
  ip: string | null;
  requestId: string | null;
}

const ENTITY: Record<string, string> = {
  person: 'person',
  relationship: 'person',
  chronology: 'person',
  duplicate: 'person',
  duplicates: 'person',
  conversation: 'conversation',
  decision: 'conversation',
  'written-record': 'conversation',
  'audit-trail': 'person',
  call: 'call',
  mash: 'mash-enquiry',
  user: 'user',
  mi: 'person',
  'before-you-call': 'before-you-call',
  disagreement: 'disagreement',
  professional: 'professional',
  referral: 'referral',
  allocation: 'worker-allocation',
  'allocated-worker': 'allocated-worker-notice',
  'early-help': 'early-help-request',
  'audit-log': 'audit-log', // issue10-A
  retention: 'retention', // issue10-E
  'subject-access': 'person', // issue10-E
};

// issue10-A
function authorityNamedIn(event: AuditEvent): string | null {
  const d = 'details' in event ? (event.details as Record<string, unknown> | undefined) : undefined;
  return typeof d?.authorityId === 'string' ? d.authorityId : null;
}

export async function recordAudit(db: Executor, ctx: AuditContext, event: AuditEvent): Promise<void> {
  const entityType = ENTITY[event.action.split('.')[0]!] ?? 'other';
  const base = {
    // issue10-A: the system's own events (no one signed in) belong to the authority they name, so that
    // authority's administrators find them in the audit search.
    authority_id: ctx.principal?.authorityId ?? authorityNamedIn(event),
    actor_user_id: ctx.principal?.kind === 'user' ? ctx.principal.id : null,
    actor_service_account_id: ctx.principal?.kind === 'service-account' ? ctx.principal.id : null,
    actor_role: ctx.principal?.role ?? null,
    action: event.action,
    ip: ctx.ip,
    request_id: ctx.requestId,
  };
  const details = 'details' in event && event.details ? { ...event.details } : {};
  if ('changes' in event) Object.assign(details, { changes: event.changes });

  const conversationId = 'conversationId' in event ? event.conversationId : null;
  let personIds: (string | null)[] = [null];
  if ('personId' in event) personIds = [event.personId];
  if ('personIds' in event) personIds = event.personIds.length ? event.personIds : [null];
  const entityId =
    ('entityId' in event ? (event as { entityId: string }).entityId : null) ??
    conversationId ?? ('callId' in event ? event.callId : null) ?? ('enquiryId' in event ? event.enquiryId : null) ?? ('userId' in event ? event.userId : null) ?? ('personId' in event ? event.personId : null);

  await db
    .insertInto('audit_events')
    .values(
      personIds.map((personId) => ({
        ...base,
        entity_type: entityType,
        entity_id: entityId,
        person_id: personId,
        conversation_id: conversationId,
        details: JSON.stringify(details),
      })),
    )
    .execute();
}
