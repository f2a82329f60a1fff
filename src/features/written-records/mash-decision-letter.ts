/**
 * The written record of a MASH decision: a letter to the caller whose conversation led to the
 * MASH checks, saying what was decided and why. It is laid out as the conversation's record is
 * (the same `RecordDocument`, drawn by the same HTML, text and PDF renderers), so callers see one
 * kind of document from the service.
 *
 * What it never contains: a child's name or any detail about the children or family (the caller
 * knows whom they called about; the references and the date identify the conversation), and
 * anything the partner agencies said. The manager's rationale is the one free text, and it is
 * written for this letter.
 *
 * It has no survey link, unlike the conversation's record: the survey asks about the caller's
 * conversation with the social worker, and each conversation version's first record already
 * carries its one-time link. A second link here would invite a second answer about the same
 * conversation and count it twice, and it would ask about a decision the caller had no part in.
 */
import { labelOf, type AuthorityProfile } from '../../domain/authority-profile.js';
import { formatDateLong, formatDateTimeLondon, londonDateOf } from '../../domain/dates.js';
import type { Inline, RecordBlock, RecordDocument, RecordRow } from './written-record.js';

export interface MashDecisionLetterSource {
  profile: AuthorityProfile;
  enquiry: { reference: string; decisionCode: string; rationale: string; decidedAt: Date; childCount: number };
  conversation: { reference: string; startedAt: Date; service: 'cads' | 'edt' };
  sentAt: Date;
}

export interface MashDecisionLetterModel {
  serviceName: string;
  serviceShortName: string;
  authorityName: string;
  hubName: string;
  spokeTo: string;
  enquiryReference: string;
  conversationReference: string;
  conversationAt: string;
  decision: string;
  rationale: string;
  decidedOn: string;
  sentOn: string;
  sentAtIso: string;
  oneChild: boolean;
  servicePhone: string | null;
  serviceEmail: string;
  emergencyMessage: string;
  edt: { name: string; phone: string; hours: string };
  disagreement: { policyName: string; contact: string | null };
}

export function buildMashDecisionLetterModel(src: MashDecisionLetterSource): MashDecisionLetterModel {
  const { profile } = src;
  const professionals = profile.phoneLines.find((l) => l.for === 'professionals') ?? profile.phoneLines[0];
  return {
    serviceName: profile.service.name,
    serviceShortName: profile.service.shortName,
    authorityName: profile.name,
    hubName: profile.mash.hub.name,
    spokeTo: src.conversation.service === 'edt' ? profile.edt.name : profile.service.name,
    enquiryReference: src.enquiry.reference,
    conversationReference: src.conversation.reference,
    conversationAt: formatDateTimeLondon(src.conversation.startedAt),
    decision: labelOf(profile.mash.outcomes, src.enquiry.decisionCode) || 'Not recorded',
    rationale: src.enquiry.rationale.trim() || 'Not recorded',
    decidedOn: formatDateLong(londonDateOf(src.enquiry.decidedAt)),
    sentOn: formatDateLong(londonDateOf(src.sentAt)),
    sentAtIso: src.sentAt.toISOString(),
    oneChild: src.enquiry.childCount <= 1,
    servicePhone: professionals?.number ?? null,
    serviceEmail: profile.writtenRecord.replyToEmail,
    emergencyMessage: profile.emergencyMessage,
    edt: { ...profile.edt },
    disagreement: { policyName: profile.disagreementPolicy.name, contact: profile.disagreementPolicy.contact ?? null },
  };
}

/** Names the service and the references only: subject lines show in inbox lists and mail logs. */
export function mashDecisionLetterSubject(m: MashDecisionLetterModel): string {
  return `${m.serviceName}: outcome of the MASH checks ${m.enquiryReference} (your conversation ${m.conversationReference})`;
}

/** 'NFK-MASH-2026-000001-decision.pdf'. */
export function mashDecisionLetterPdfFilename(m: MashDecisionLetterModel): string {
  return `${m.enquiryReference.replace(/[^A-Za-z0-9-]/g, '-')}-decision.pdf`;
}

function mailto(email: string): Inline {
  return { text: email, href: `mailto:${email}` };
}

function tel(phone: string): Inline {
  return { text: phone, href: `tel:${phone.replace(/[^0-9+]/g, '')}` };
}

function row(label: string, ...value: Inline[]): RecordRow {
  return { label, value };
}

function rows(...list: (RecordRow | null)[]): RecordBlock {
  return { kind: 'rows', rows: list.filter((r): r is RecordRow => r !== null && r.value.length > 0) };
}

function paragraphs(text: string): string[] {
  return text.split(/\n\s*\n/).map((p) => p.replace(/[ \t]+\n/g, '\n').trim()).filter(Boolean);
}

export function mashDecisionLetterDocument(m: MashDecisionLetterModel): RecordDocument {
  const them = m.oneChild ? 'the child' : 'the children';
  const policy: Inline[] = [`If you do not agree with this decision, contact us first. If you still disagree, you can follow the ${m.disagreement.policyName}.`];
  if (m.disagreement.contact) {
    const c = m.disagreement.contact;
    policy.push(' Contact: ', c.includes('@') && !c.includes(' ') ? mailto(c) : c, '.');
  }
  return {
    masthead: [m.serviceName, m.authorityName],
    title: 'Outcome of the MASH checks',
    notice: null,
    intro: [
      {
        kind: 'paragraph',
        parts: [
          `You spoke to the ${m.spokeTo} about ${m.oneChild ? 'a child' : 'children'} you were worried about. We agreed that the ${m.hubName} (the multi-agency safeguarding hub) would check what partner agencies know. The checks are finished and a team manager has decided what happens next.`,
        ],
      },
      { kind: 'paragraph', parts: [`This letter does not name ${them}. Your record of the conversation, reference ${m.conversationReference}, does.`] },
      rows(
        row('MASH reference', m.enquiryReference),
        row('Your conversation reference', m.conversationReference),
        row('Date and time of the conversation', m.conversationAt),
        row('Decided on', m.decidedOn),
        row('Letter sent', m.sentOn),
      ),
    ],
    sections: [
      {
        id: 'decision',
        heading: 'What we decided',
        blocks: [
          rows(row('Decision', m.decision)),
          { kind: 'heading', text: 'Why' },
          { kind: 'free', paragraphs: paragraphs(m.rationale) },
        ],
      },
      {
        id: 'contact',
        heading: 'Who to contact',
        blocks: [
          { kind: 'paragraph', parts: [`If you have questions about this decision, or new information about ${them}, contact the ${m.serviceName} and quote reference ${m.enquiryReference}.`] },
          rows(
            m.servicePhone ? row(`${m.serviceShortName} phone line for professionals`, tel(m.servicePhone)) : null,
            row(`${m.serviceShortName} email`, mailto(m.serviceEmail)),
          ),
        ],
      },
      {
        id: 'if-the-situation-changes',
        heading: 'If the situation changes',
        blocks: [
          { kind: 'paragraph', parts: [m.emergencyMessage], strong: true },
          rows(row(m.edt.name, tel(m.edt.phone), m.edt.hours)),
        ],
      },
      { id: 'if-you-disagree', heading: 'If you disagree', blocks: [{ kind: 'paragraph', parts: policy }] },
    ],
    footer: ['Keep this letter with your record of the conversation.', `${m.serviceName}, ${m.authorityName}. MASH reference ${m.enquiryReference}; conversation ${m.conversationReference}.`],
  };
}
