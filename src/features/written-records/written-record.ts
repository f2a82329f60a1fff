/**
 * The written record sent to the caller after every completed version of a conversation
 * ("CADS will provide written feedback from every conversation"). Callers keep it as
 * evidence that they raised the concern, so it says what was discussed and agreed, and
 * how to reach the service again.
 *
 * `buildWrittenRecordModel` turns database rows into display strings once; the HTML, text
 * and PDF renderers then lay out the same `recordDocument(model)` so the three versions of
 * the record never say different things.
 *
 * What the record must never contain: a child's name in the subject line, and anything
 * about a child beyond what the caller told us (name, date of birth, where they were).
 * No NHS number, address, family members or other conversations: the model is built from
 * an explicit list of fields, never by copying rows.
 */
import { CONSENT_NOT_SOUGHT_REASONS, IMMEDIACY_OPTIONS, LAWFUL_BASES, labelFor } from '../../domain/codes.js';
import { labelOf, type AuthorityProfile } from '../../domain/authority-profile.js';
import { formatDateLong, formatDateTimeLondon, isIsoDate, londonDateOf } from '../../domain/dates.js';
import { displayName } from '../../domain/names.js';
import type { ConversationVersionRow } from '../../platform/db/schema.js';
import type { ChildWithPerson } from '../conversations/conversations.repository.js';

export interface WrittenRecordSource {
  profile: AuthorityProfile;
  conversation: { reference: string; startedAt: Date; service: 'cads' | 'edt' };
  /** The completed version being sent. */
  version: ConversationVersionRow;
  /** For an amended record: the completed version it replaces. */
  previousVersion: ConversationVersionRow | null;
  /** Children of `version`, in conversation order. */
  children: ChildWithPerson[];
  /** Children of `previousVersion`. */
  previousChildren: ChildWithPerson[] | null;
  worker: { name: string; email: string | null; phone: string | null };
  surveyUrl: string;
  sentAt: Date;
}

/** A piece of text, or a piece of text that links somewhere (mailto:, tel: or https:). */
export type Inline = string | { text: string; href: string };

export interface RecordRow {
  label: string;
  /** One entry per line. */
  value: Inline[];
}

export type RecordBlock =
  /** A paragraph of our own wording: its parts run on in one line of text. */
  | { kind: 'paragraph'; parts: Inline[]; strong?: boolean }
  | { kind: 'heading'; text: string }
  | { kind: 'rows'; rows: RecordRow[] }
  | { kind: 'list'; items: string[] }
  /** Free text typed by the worker: each entry is one paragraph. */
  | { kind: 'free'; paragraphs: string[] }
  | { kind: 'link'; text: string; href: string };

export interface RecordSection {
  /** A stable id for the section (used as the HTML id and in tests). */
  id: string;
  heading: string;
  blocks: RecordBlock[];
}

/** The record laid out as a document: what every renderer draws, in this order. */
export interface RecordDocument {
  /** Who the record is from: service name, then authority. Shown above the title. */
  masthead: [string, string];
  title: string;
  /** The amended-record notice, shown straight after the title. */
  notice: { title: string; blocks: RecordBlock[] } | null;
  intro: RecordBlock[];
  sections: RecordSection[];
  footer: string[];
}

export interface WrittenRecordChild {
  name: string;
  dateOfBirth: string;
  whereNow: string;
}

export interface WrittenRecordOutcome {
  childName: string;
  outcome: string;
  level: string;
  callerAgreed: string;
  /** Only when the caller did not agree. */
  disagreementNote: string | null;
  nextSteps: string;
  nextStepsBy: string;
}

export interface WrittenRecordModel {
  serviceName: string;
  serviceShortName: string;
  authorityName: string;
  /** Who the caller spoke to: the service, or the emergency duty team out of hours. */
  spokeTo: string;
  reference: string;
  version: number;
  amended: boolean;
  /** London wall clock: '23 November 2026 at 2:05pm'. */
  conversationAt: string;
  sentOn: string;
  /** ISO instant, for document metadata. */
  sentAtIso: string;
  amendment: {
    replacesVersion: number;
    replacesDate: string;
    reason: string;
    /** Plain-English list of what is different from the version replaced. */
    changes: string[];
  } | null;
  worker: { name: string; email: string | null; phone: string | null };
  servicePhone: string | null;
  serviceEmail: string;
  caller: { name: string; role: string; organisation: string; phone: string; email: string };
  children: WrittenRecordChild[];
  concern: { categories: string[]; detail: string; immediacy: string; supportToDate: string };
  consent: {
    parentsInformed: string;
    consentGiven: string;
    /** Labels of why consent was not sought; empty when consent was given. */
    notSoughtReasons: string[];
    explanation: string | null;
    lawfulBasis: string | null;
  };
  discussion: { worries: string; strengths: string; needsToHappen: string };
  outcomes: WrittenRecordOutcome[];
  situationChanges: {
    emergencyMessage: string;
    /** One line per group of days, e.g. 'Monday to Friday, 9am to 5pm'. Empty if none are configured. */
    openingHours: string[];
    edt: { name: string; phone: string; hours: string };
    allocatedWorkerMessage: string;
  };
  disagreement: { policyName: string; contact: string | null };
  survey: { url: string; expiryDays: number; minutes: number };
}

const NOT_RECORDED = 'Not recorded';

// ---------------------------------------------------------------------------
// Building the model
// ---------------------------------------------------------------------------

export function buildWrittenRecordModel(src: WrittenRecordSource): WrittenRecordModel {
  const { profile, version: v } = src;
  const professionals = profile.phoneLines.find((l) => l.for === 'professionals') ?? profile.phoneLines[0];
  const children = src.children.map(childName);
  const prev = src.previousVersion;

  return {
    serviceName: profile.service.name,
    serviceShortName: profile.service.shortName,
    authorityName: profile.name,
    spokeTo: src.conversation.service === 'edt' ? profile.edt.name : profile.service.name,
    reference: src.conversation.reference,
    version: v.version,
    amended: prev !== null,
    conversationAt: formatDateTimeLondon(src.conversation.startedAt),
    sentOn: formatDateLong(londonDateOf(src.sentAt)),
    sentAtIso: src.sentAt.toISOString(),
    amendment: prev
      ? {
          replacesVersion: prev.version,
          replacesDate: formatDateLong(londonDateOf(prev.completed_at ?? prev.created_at)),
          reason: clean(v.amendment_reason) || NOT_RECORDED,
          changes: describeChanges(profile, prev, v, src.previousChildren, src.children),
        }
      : null,
    worker: { name: clean(src.worker.name) || NOT_RECORDED, email: clean(src.worker.email) || null, phone: clean(src.worker.phone) || null },
    servicePhone: professionals?.number ?? null,
    serviceEmail: profile.writtenRecord.replyToEmail,
    caller: {
      name: clean(v.caller_name) || NOT_RECORDED,
      role: clean(v.caller_role) || NOT_RECORDED,
      organisation: organisationOf(profile, v) || NOT_RECORDED,
      phone: clean(v.caller_phone) || NOT_RECORDED,
      email: clean(v.caller_email) || NOT_RECORDED,
    },
    children: src.children.map((c, i) => ({
      name: children[i]!,
      dateOfBirth: dateOfBirthOf(c),
      whereNow: clean(c.where_now) || NOT_RECORDED,
    })),
    concern: {
      categories: (v.concern_categories ?? []).map((c) => labelOf(profile.concernCategories, c)),
      detail: clean(v.concern_detail) || NOT_RECORDED,
      immediacy: immediacyLabel(v.immediacy) || NOT_RECORDED,
      supportToDate: clean(v.support_to_date) || NOT_RECORDED,
    },
    consent: consentOf(v),
    discussion: {
      worries: clean(v.worries) || NOT_RECORDED,
      strengths: clean(v.strengths) || NOT_RECORDED,
      needsToHappen: clean(v.needs_to_happen) || NOT_RECORDED,
    },
    outcomes: src.children.map((c, i) => ({
      childName: children[i]!,
      outcome: labelOf(profile.outcomes, c.outcome_code) || NOT_RECORDED,
      level: labelOf(profile.levels, c.level_code) || NOT_RECORDED,
      callerAgreed: yesNo(c.caller_agreed),
      disagreementNote: c.caller_agreed === false ? clean(c.disagreement_note) || NOT_RECORDED : null,
      nextSteps: clean(c.next_steps) || 'None recorded',
      nextStepsBy: clean(c.next_steps_by) || NOT_RECORDED,
    })),
    situationChanges: {
      emergencyMessage: profile.emergencyMessage,
      openingHours: formatOpeningHours(profile.openingHours),
      edt: { ...profile.edt },
      allocatedWorkerMessage: profile.allocatedWorkerMessage,
    },
    disagreement: { policyName: profile.disagreementPolicy.name, contact: profile.disagreementPolicy.contact ?? null },
    survey: { url: src.surveyUrl, expiryDays: profile.survey.expiryDays, minutes: 2 },
  };
}

/**
 * The email subject. It names the service and the reference only: subject lines show in
 * notifications, inbox lists and mail logs, so never a child's name.
 */
export function writtenRecordSubject(model: WrittenRecordModel): string {
  return `${model.serviceName}: ${model.amended ? 'amended record' : 'record'} of your conversation ${model.reference}`;
}

/** 'NFK-2026-000123-v2.pdf'. */
export function writtenRecordPdfFilename(model: WrittenRecordModel): string {
  const safe = model.reference.replace(/[^A-Za-z0-9-]/g, '-');
  return `${safe}-v${model.version}.pdf`;
}

function childName(c: ChildWithPerson): string {
  return displayName({ given_name: clean(c.given_name), family_name: clean(c.family_name), expected_date_of_birth: c.expected_date_of_birth });
}

function dateOfBirthOf(c: ChildWithPerson): string {
  if (c.date_of_birth && isIsoDate(c.date_of_birth)) return formatDateLong(c.date_of_birth);
  if (c.expected_date_of_birth && isIsoDate(c.expected_date_of_birth)) return `Unborn, expected ${formatDateLong(c.expected_date_of_birth)}`;
  return 'Not known';
}

function organisationOf(profile: AuthorityProfile, v: ConversationVersionRow): string {
  if (!v.caller_agency_code) return '';
  if (v.caller_agency_code === 'other') return clean(v.caller_agency_other) || 'Other';
  return labelOf(profile.agencies, v.caller_agency_code);
}

function immediacyLabel(code: string | null): string {
  return code ? (labelFor(IMMEDIACY_OPTIONS, code) ?? code) : '';
}

function consentOf(v: ConversationVersionRow): WrittenRecordModel['consent'] {
  const notGiven = v.consent_given !== 'yes';
  const reasons = notGiven ? (v.consent_reason_codes ?? []).map((c) => labelFor(CONSENT_NOT_SOUGHT_REASONS, c) ?? c) : [];
  const explanation = notGiven ? clean(v.consent_reason_detail) || null : null;
  const basis = notGiven && v.lawful_basis_code ? (labelFor(LAWFUL_BASES, v.lawful_basis_code) ?? v.lawful_basis_code) : null;
  return {
    parentsInformed: yesNo(v.parents_informed),
    consentGiven: yesNo(v.consent_given),
    notSoughtReasons: reasons,
    explanation,
    lawfulBasis: basis,
  };
}

function yesNo(value: boolean | 'yes' | 'no' | null | undefined): string {
  if (value === true || value === 'yes') return 'Yes';
  if (value === false || value === 'no') return 'No';
  return NOT_RECORDED;
}

/** Trimmed text with Windows line endings and control characters (other than newlines and tabs) removed. */
function clean(value: string | null | undefined): string {
  if (!value) return '';
  return value
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .trim();
}

// ---------------------------------------------------------------------------
// Opening hours
// ---------------------------------------------------------------------------

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** '09:00' → '9am', '08:30' → '8:30am', '12:00' → 'midday', '00:00' → 'midnight' (GOV.UK style). */
export function formatClockTime(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  if (m === 0 && h === 0) return 'midnight';
  if (m === 0 && h === 12) return 'midday';
  const suffix = h < 12 ? 'am' : 'pm';
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return m === 0 ? `${h12}${suffix}` : `${h12}:${String(m).padStart(2, '0')}${suffix}`;
}

/**
 * Opening hours written out, grouping runs of days with the same hours:
 * ['Monday to Thursday, 8:30am to 5pm', 'Friday, 8:30am to 4:30pm'].
 */
export function formatOpeningHours(hours: AuthorityProfile['openingHours']): string[] {
  const describe = (day: (typeof DAYS)[number]) =>
    hours[day].map((s) => `${formatClockTime(s.open)} to ${formatClockTime(s.close)}`).join(' and ');
  const groups: { from: number; to: number; text: string }[] = [];
  DAYS.forEach((day, i) => {
    const text = describe(day);
    if (!text) return;
    const last = groups[groups.length - 1];
    if (last && last.to === i - 1 && last.text === text) last.to = i;
    else groups.push({ from: i, to: i, text });
  });
  const name = (i: number) => {
    const d = DAYS[i]!;
    return d.charAt(0).toUpperCase() + d.slice(1);
  };
  return groups.map((g) => {
    const days = g.from === g.to ? name(g.from) : g.to === g.from + 1 ? `${name(g.from)} and ${name(g.to)}` : `${name(g.from)} to ${name(g.to)}`;
    return `${days}, ${g.text}`;
  });
}

// ---------------------------------------------------------------------------
// What changed in an amended record
// ---------------------------------------------------------------------------

/**
 * What is different between two completed versions, in plain English. Only things the
 * record shows are listed; short coded values say what they were and are now, long text
 * just says it changed. Children are matched by person; without the previous version's
 * children (`null`) only the conversation's own fields are compared.
 */
export function describeChanges(
  profile: AuthorityProfile,
  before: ConversationVersionRow,
  after: ConversationVersionRow,
  beforeChildren: ChildWithPerson[] | null,
  afterChildren: ChildWithPerson[],
): string[] {
  const changes: string[] = [];
  const short = (what: string, a: string, b: string) => {
    if (a !== b) changes.push(`${what}: was ${quote(a)}, now ${quote(b)}`);
  };
  const long = (what: string, a: string | null, b: string | null) => {
    if (clean(a) !== clean(b)) changes.push(`${what} ${clean(b) ? (clean(a) ? 'were changed' : 'were added') : 'were removed'}`);
  };
  const field = (what: string, a: string | null, b: string | null) => {
    if (clean(a) !== clean(b)) changes.push(what);
  };

  field("Caller's name", before.caller_name, after.caller_name);
  field("Caller's role", before.caller_role, after.caller_role);
  field("Caller's organisation", organisationOf(profile, before), organisationOf(profile, after));
  field("Caller's phone number", before.caller_phone, after.caller_phone);
  field("Caller's email address", before.caller_email, after.caller_email);

  const cats = (v: ConversationVersionRow) => (v.concern_categories ?? []).map((c) => labelOf(profile.concernCategories, c));
  if ([...cats(before)].sort().join('\n') !== [...cats(after)].sort().join('\n')) {
    short('Type of concern', cats(before).join(', ') || NOT_RECORDED, cats(after).join(', ') || NOT_RECORDED);
  }
  long('Details of the concern', before.concern_detail, after.concern_detail);
  short('How immediate the concern is', shortLabel(immediacyLabel(before.immediacy)), shortLabel(immediacyLabel(after.immediacy)));
  long('Details of the support given so far', before.support_to_date, after.support_to_date);

  short('Whether parents or carers were told about the call', yesNo(before.parents_informed), yesNo(after.parents_informed));
  short('Whether parents or carers agreed to the call', yesNo(before.consent_given), yesNo(after.consent_given));
  const reasons = (v: ConversationVersionRow) => [...(v.consent_reason_codes ?? [])].sort().join('\n');
  if (reasons(before) !== reasons(after)) changes.push('The reasons consent was not sought');
  field('The explanation of why consent was not sought', before.consent_reason_detail, after.consent_reason_detail);
  if ((before.lawful_basis_code ?? '') !== (after.lawful_basis_code ?? '')) changes.push('The lawful basis for sharing information without consent');

  long('Details of what we are worried about', before.worries, after.worries);
  long('Details of what is working well', before.strengths, after.strengths);
  long('Details of what needs to happen', before.needs_to_happen, after.needs_to_happen);

  if (beforeChildren === null) return changes;
  const beforeById = new Map(beforeChildren.map((c) => [c.person_id, c]));
  const afterIds = new Set(afterChildren.map((c) => c.person_id));
  for (const c of afterChildren) {
    const name = childName(c);
    const was = beforeById.get(c.person_id);
    if (!was) {
      changes.push(`${name} was added to this record`);
      continue;
    }
    field(`Where ${name} was at the time`, was.where_now, c.where_now);
    short(`Agreed outcome for ${name}`, labelOf(profile.outcomes, was.outcome_code) || NOT_RECORDED, labelOf(profile.outcomes, c.outcome_code) || NOT_RECORDED);
    short(`Level of need for ${name}`, labelOf(profile.levels, was.level_code) || NOT_RECORDED, labelOf(profile.levels, c.level_code) || NOT_RECORDED);
    short(`Whether you agreed with the outcome for ${name}`, yesNo(was.caller_agreed), yesNo(c.caller_agreed));
    field(`Why you disagreed with the outcome for ${name}`, was.caller_agreed === false ? was.disagreement_note : null, c.caller_agreed === false ? c.disagreement_note : null);
    field(`Next steps for ${name}`, was.next_steps, c.next_steps);
    field(`Who will do the next steps for ${name}`, was.next_steps_by, c.next_steps_by);
  }
  // A child taken off the record is not named again: they may have been added in error.
  const removed = beforeChildren.filter((c) => !afterIds.has(c.person_id)).length;
  if (removed === 1) changes.push('A child was removed from this record');
  if (removed > 1) changes.push(`${removed} children were removed from this record`);
  return changes;
}

/** 'Soon – the child needs help in the next few days' → 'Soon'. */
function shortLabel(label: string): string {
  if (!label) return NOT_RECORDED;
  return label.split(' – ')[0]!;
}

function quote(s: string): string {
  return `'${s}'`;
}

// ---------------------------------------------------------------------------
// The document every renderer draws
// ---------------------------------------------------------------------------

function mailto(email: string): Inline {
  return { text: email, href: `mailto:${email}` };
}

function tel(phone: string): Inline {
  return { text: phone, href: `tel:${phone.replace(/[^0-9+]/g, '')}` };
}

function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/[ \t]+\n/g, '\n').trim())
    .filter(Boolean);
}

function rows(...list: (RecordRow | null | false)[]): RecordBlock {
  return { kind: 'rows', rows: list.filter((r): r is RecordRow => !!r && r.value.length > 0) };
}

function row(label: string, ...value: Inline[]): RecordRow {
  return { label, value };
}

/** The record as headings, paragraphs, label–value rows and lists, shared by the three renderers. */
export function recordDocument(m: WrittenRecordModel): RecordDocument {
  const one = m.children.length === 1;
  const worker = m.worker.name;

  let notice: RecordDocument['notice'] = null;
  if (m.amendment) {
    const blocks: RecordBlock[] = [{ kind: 'paragraph', parts: [`Why we changed it: ${m.amendment.reason}`] }];
    if (m.amendment.changes.length > 0) {
      blocks.push({ kind: 'paragraph', parts: ['What changed:'] }, { kind: 'list', items: m.amendment.changes });
    } else {
      blocks.push({ kind: 'paragraph', parts: ['The changes were to details that are not included in this record.'] });
    }
    notice = {
      title: `Amended record – this replaces the record dated ${m.amendment.replacesDate}, version ${m.amendment.replacesVersion}`,
      blocks,
    };
  }

  const intro: RecordBlock[] = [
    {
      kind: 'paragraph',
      parts: [`You spoke to the ${m.spokeTo} at ${m.authorityName} about ${one ? 'a child' : 'children'} you are worried about. This is our written record of the conversation and what we agreed.`],
    },
    { kind: 'paragraph', parts: ['Please check it. If anything is wrong or missing, contact us and quote the reference number.'] },
    rows(
      row('Reference number', m.reference),
      row('Version', String(m.version)),
      row('Date and time of the conversation', m.conversationAt),
      row('Record sent', m.sentOn),
    ),
  ];

  const sections: RecordSection[] = [];

  sections.push({
    id: 'who-you-spoke-to',
    heading: 'Who you spoke to',
    blocks: [
      rows(
        row('Social worker', worker),
        m.worker.email ? row('Their email', mailto(m.worker.email)) : null,
        m.worker.phone ? row('Their phone', tel(m.worker.phone)) : null,
        m.servicePhone ? row(`${m.serviceShortName} phone line for professionals`, tel(m.servicePhone)) : null,
        row(`${m.serviceShortName} email`, mailto(m.serviceEmail)),
      ),
    ],
  });

  sections.push({
    id: 'your-details',
    heading: 'Your details',
    blocks: [
      rows(
        row('Name', m.caller.name),
        row('Role', m.caller.role),
        row('Organisation', m.caller.organisation),
        row('Phone', m.caller.phone),
        row('Email', m.caller.email),
      ),
    ],
  });

  sections.push({
    id: 'children',
    heading: one ? 'The child we discussed' : 'The children we discussed',
    blocks: m.children.flatMap((c): RecordBlock[] => [
      { kind: 'heading', text: c.name },
      rows(row('Date of birth', c.dateOfBirth), row('Where they were at the time (as you told us)', ...lines(c.whereNow))),
    ]),
  });

  sections.push({
    id: 'concern',
    heading: 'The concern',
    blocks: [
      rows(
        row('Type of concern', ...(m.concern.categories.length ? m.concern.categories : [NOT_RECORDED])),
        row('How immediate', m.concern.immediacy),
      ),
      { kind: 'heading', text: 'What you told us' },
      { kind: 'free', paragraphs: paragraphs(m.concern.detail) },
      { kind: 'heading', text: 'Support given so far' },
      { kind: 'free', paragraphs: paragraphs(m.concern.supportToDate) },
    ],
  });

  const consentBlocks: RecordBlock[] = [
    rows(row('Parents or carers told about your call', m.consent.parentsInformed), row('Parents or carers agreed to the call', m.consent.consentGiven)),
  ];
  if (m.consent.notSoughtReasons.length > 0) {
    consentBlocks.push({ kind: 'paragraph', parts: ['Consent was not sought because:'] }, { kind: 'list', items: m.consent.notSoughtReasons });
  }
  if (m.consent.explanation || m.consent.lawfulBasis) {
    consentBlocks.push(
      rows(
        m.consent.explanation ? row('Explanation', ...lines(m.consent.explanation)) : null,
        m.consent.lawfulBasis ? row('Lawful basis for sharing information without consent', m.consent.lawfulBasis) : null,
      ),
    );
  }
  sections.push({ id: 'consent', heading: 'Parents, carers and consent', blocks: consentBlocks });

  sections.push({
    id: 'discussion',
    heading: 'What we discussed',
    blocks: [
      { kind: 'heading', text: 'What we are worried about' },
      { kind: 'free', paragraphs: paragraphs(m.discussion.worries) },
      { kind: 'heading', text: 'What is working well' },
      { kind: 'free', paragraphs: paragraphs(m.discussion.strengths) },
      { kind: 'heading', text: 'What needs to happen' },
      { kind: 'free', paragraphs: paragraphs(m.discussion.needsToHappen) },
    ],
  });

  sections.push({
    id: 'outcome',
    heading: 'What we agreed',
    blocks: m.outcomes.flatMap((o): RecordBlock[] => [
      { kind: 'heading', text: o.childName },
      rows(
        row('Agreed outcome', o.outcome),
        row('Level of need', o.level),
        row('Did you agree with the outcome?', o.callerAgreed),
        o.disagreementNote !== null ? row('Why you did not agree', ...lines(o.disagreementNote)) : null,
        row('Next steps', ...lines(o.nextSteps)),
        row('Who will do them', o.nextStepsBy),
      ),
    ]),
  });

  const sc = m.situationChanges;
  sections.push({
    id: 'if-the-situation-changes',
    heading: 'If the situation changes',
    blocks: [
      { kind: 'paragraph', parts: [sc.emergencyMessage], strong: true },
      {
        kind: 'paragraph',
        parts: [`If you have new information, or you are more worried about ${one ? 'the child' : 'the children'}, contact us again and quote reference ${m.reference}.`],
      },
      rows(
        row(m.serviceName, ...(m.servicePhone ? [tel(m.servicePhone)] : []), ...sc.openingHours, ...(sc.openingHours.length ? ['Closed on bank holidays'] : [])),
        row(sc.edt.name, tel(sc.edt.phone), sc.edt.hours),
      ),
      ...(sc.allocatedWorkerMessage ? [{ kind: 'paragraph', parts: [sc.allocatedWorkerMessage] } satisfies RecordBlock] : []),
    ],
  });

  const policy: Inline[] = [`If you still disagree, you can follow the ${m.disagreement.policyName}.`];
  if (m.disagreement.contact) {
    const c = m.disagreement.contact;
    policy.push(' Contact: ', c.includes('@') && !c.includes(' ') ? mailto(c) : c, '.');
  }
  sections.push({
    id: 'if-you-disagree',
    heading: 'If you disagree',
    blocks: [
      {
        kind: 'paragraph',
        parts: [
          `We aim to agree together what is best for ${one ? 'the child' : 'the children'}. If you do not agree with what we decided, talk to ${worker === NOT_RECORDED ? 'the social worker you spoke to' : worker} first`,
          ...(m.servicePhone ? [', or call us on ', tel(m.servicePhone)] : []),
          '.',
        ],
      },
      { kind: 'paragraph', parts: policy },
    ],
  });

  sections.push({
    id: 'feedback',
    heading: 'Tell us what you thought',
    blocks: [
      { kind: 'paragraph', parts: [`Please tell us what you thought of your call. It takes about ${m.survey.minutes} minutes.`] },
      { kind: 'link', text: m.survey.url, href: m.survey.url },
      {
        kind: 'paragraph',
        parts: [`The link works once, for ${m.survey.expiryDays} days. Please do not include the names of children or families in your answers.`],
      },
    ],
  });

  return {
    masthead: [m.serviceName, m.authorityName],
    title: m.amended ? 'Amended record of your conversation' : 'Record of your conversation',
    notice,
    intro,
    sections,
    footer: ['Keep this record for your own files.', `${m.serviceName}, ${m.authorityName}. Reference ${m.reference}, version ${m.version}.`],
  };
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

// ---------------------------------------------------------------------------
// A synthetic example, for previewing an authority profile's record and for tests
// ---------------------------------------------------------------------------

/**
 * A complete, made-up conversation (two siblings, consent not sought, the caller disagreeing
 * about one child) to preview what callers receive under `profile`. With `amended`, version 2
 * corrects version 1. Phone numbers are Ofcom drama numbers and addresses are on example domains.
 */
export function exampleWrittenRecordSource(profile: AuthorityProfile, options: { amended?: boolean } = {}): WrittenRecordSource {
  const conversationId = '00000000-0000-4000-8000-000000000123';
  const workerId = '00000000-0000-4000-8000-000000000007';
  const amended = options.amended === true;
  const prefix = profile.service.referencePrefix;
  const completedV1 = new Date('2026-11-23T14:48:00Z');
  const completedV2 = new Date('2026-11-24T09:12:00Z');

  const v1: ConversationVersionRow = {
    conversation_id: conversationId,
    version: 1,
    status: 'completed',
    amendment_reason: null,
    caller_name: 'Priya Shah',
    caller_role: 'Designated safeguarding lead',
    caller_agency_code: 'school',
    caller_agency_other: null,
    caller_phone: '01632 960 001',
    caller_email: 'priya.shah@hillside-primary.example',
    caller_type: 'professional',
    concern_categories: ['neglect', 'parenting-substance-misuse'],
    concern_detail:
      'Ellie (year 4) and Jack (reception) have come to school hungry most days this half term and Jack has been wearing the same clothes all week.\n\n' +
      'Ellie told her teacher on Monday that mum "sleeps all day" and that she makes breakfast for Jack. Attendance has dropped to 84% for Ellie and 79% for Jack.',
    immediacy: 'soon',
    support_to_date:
      'Breakfast club place offered and taken up since 2 November. School nurse has seen both children. Two meetings with mum, who agreed to an Early Help assessment in October but did not come to the first meeting.',
    parents_informed: 'no',
    consent_given: 'no',
    consent_reason_codes: ['risk-to-child', 'risk-to-referrer'],
    consent_reason_detail:
      'Mum has previously kept the children off school for several days after staff raised concerns, and her partner threatened the headteacher at the gate in September.',
    lawful_basis_code: 'public-task-children-act',
    worries:
      'The children are not getting enough to eat and Ellie is caring for Jack. Mum may be misusing alcohol. The concerns have grown despite support in school.',
    strengths: 'Both children are happy in school and have good friendships. Mum loves the children and has engaged with the school nurse before.',
    needs_to_happen:
      'A social worker to assess the family and the children’s needs, with the school sharing attendance and welfare information.',
    created_by: workerId,
    created_at: new Date('2026-11-23T14:05:00Z'),
    updated_at: completedV1,
    completed_by: workerId,
    completed_at: completedV1,
  };

  const child = (
    personId: string,
    position: number,
    given: string,
    dob: string,
    fields: Partial<ChildWithPerson>,
  ): ChildWithPerson => ({
    conversation_id: conversationId,
    version: 1,
    person_id: personId,
    position,
    where_now: 'At Hillside Primary School until 3:15pm, then collected by mum',
    safe_tonight: 'yes',
    outcome_code: null,
    caller_agreed: true,
    disagreement_note: null,
    next_steps: null,
    next_steps_by: null,
    level_code: null,
    given_name: given,
    family_name: 'Smith-Jones',
    date_of_birth: dob,
    expected_date_of_birth: null,
    ...fields,
  });

  const children1 = [
    child('00000000-0000-4000-8000-0000000000e1', 1, 'Ellie', '2017-04-12', {
      outcome_code: 'no-further-action',
      level_code: '3',
      next_steps: 'School to keep monitoring and call back if attendance drops further.',
      next_steps_by: 'Priya Shah (school)',
    }),
    child('00000000-0000-4000-8000-0000000000e2', 2, 'Jack', '2020-09-03', {
      outcome_code: 'early-help-request',
      level_code: '3',
      caller_agreed: false,
      disagreement_note: 'I think Jack needs the same assessment as Ellie: he is only 6 and relies on his sister for meals.',
      next_steps: 'Complete an Early Help request for Jack today.',
      next_steps_by: 'Priya Shah (school)',
    }),
  ];

  if (!amended) {
    return {
      profile,
      conversation: { reference: `${prefix}-2026-000123`, startedAt: v1.created_at, service: 'cads' },
      version: v1,
      previousVersion: null,
      children: children1,
      previousChildren: null,
      worker: { name: 'Sam Okafor', email: `sam.okafor@${profile.id}.example`, phone: '01632 960 444' },
      surveyUrl: 'https://frontdoor.example/survey/Qm9ndXNUb2tlbkZvclRoZUV4YW1wbGVSZWNvcmQwMDE',
      sentAt: completedV1,
    };
  }

  const v2: ConversationVersionRow = {
    ...v1,
    version: 2,
    amendment_reason: 'The caller phoned back: her direct line was recorded wrongly, and after a manager review Ellie’s outcome is a referral for assessment.',
    caller_phone: '01632 960 002',
    concern_detail: `${v1.concern_detail}\n\nEllie also said there was no electricity at home last weekend.`,
    created_at: completedV2,
    updated_at: completedV2,
    completed_at: completedV2,
  };
  const children2 = children1.map((c) => ({ ...c, version: 2 }));
  children2[0] = {
    ...children2[0]!,
    outcome_code: 'social-care-assessment',
    level_code: '4',
    next_steps: 'CADS to pass to the assessment team today; a social worker will contact the school within 2 working days.',
    next_steps_by: 'CADS',
  };
  return {
    profile,
    conversation: { reference: `${prefix}-2026-000123`, startedAt: v1.created_at, service: 'cads' },
    version: v2,
    previousVersion: v1,
    children: children2,
    previousChildren: children1,
    worker: { name: 'Sam Okafor', email: `sam.okafor@${profile.id}.example`, phone: '01632 960 444' },
    surveyUrl: 'https://frontdoor.example/survey/Qm9ndXNUb2tlbkZvclRoZUV4YW1wbGVSZWNvcmQwMDI',
    sentAt: completedV2,
  };
}
