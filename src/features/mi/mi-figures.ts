import type { AuthorityProfile } from '../../domain/authority-profile.js';
import { formatDateLong } from '../../domain/dates.js';
import type { Tabular } from '../../platform/http/tabular.js';
import type { DrillKind, MiDashboard } from './mi.service.js';

/** A cell on the page: its text, and the list of conversations behind it where there is one. */
export interface FigureCell {
  text: string;
  value: string | number | null;
  numeric: boolean;
  drill?: { kind: DrillKind; value?: string };
}

/** One figure of the dashboard, as a table: the same definition makes the page, the CSV and the XLSX. */
export interface FigureTable {
  key: string;
  title: string;
  /** What the figure counts, in a sentence under the table. */
  note: string;
  headers: string[];
  rows: FigureCell[][];
}

/** Optional figures from other features' own reports, when the page has them. */
export interface OtherFigures {
  survey: { sent: number; responses: number; average: number | null; scaleMax: number | null } | null;
  mash: { rows: { label: string; total: number; open: number; closed: number }[]; agencies: { label: string; sent: number; answered: number; onTime: number; overdue: number }[] } | null;
}

const num = (n: number, drill?: FigureCell['drill']): FigureCell => ({ text: n.toLocaleString('en-GB'), value: n, numeric: true, drill: n > 0 ? drill : undefined });
const txt = (t: string): FigureCell => ({ text: t, value: t, numeric: false });
/** A share as a whole percentage, or a dash when there is nothing to divide by. */
export function pct(part: number, whole: number): FigureCell {
  if (whole <= 0) return { text: '–', value: null, numeric: true };
  const p = Math.round((1000 * part) / whole) / 10;
  return { text: `${p}%`, value: p, numeric: true };
}

export function figureTables(d: MiDashboard, profile: AuthorityProfile, other: OtherFigures, opts: { byWeek: boolean }): FigureTable[] {
  const tables: FigureTable[] = [];
  const volumeRows = opts.byWeek
    ? d.volume.weeks.map((w) => [txt(`Week beginning ${formatDateLong(w.week)}`), num(w.conversations), num(w.children)])
    : d.volume.days.map((x) => [txt(formatDateLong(x.day)), num(x.conversations, { kind: 'day', value: x.day }), num(x.children, { kind: 'day', value: x.day })]);
  tables.push({
    key: 'volume',
    title: opts.byWeek ? 'Conversations per week' : 'Conversations per day',
    note: 'Completed conversations by the day they started (London time). A conversation about several children counts once; “children” counts each child.',
    headers: [opts.byWeek ? 'Week' : 'Day', 'Conversations', 'Children'],
    rows: volumeRows,
  });
  tables.push({
    key: 'outcomes',
    title: 'Agreed outcomes',
    note: 'The outcome agreed with the caller for each child.',
    headers: ['Outcome', 'Children', 'Share of children'],
    rows: d.outcomes.map((o) => [txt(o.label), num(o.children, { kind: 'outcome', value: o.code }), pct(o.children, d.volume.children)]),
  });
  const c = d.conversion;
  tables.push({
    key: 'conversion',
    title: 'From conversation to referral, assessment and section 47',
    note: 'Children whose outcome was a social care referral, and of those the decisions recorded: a child and family assessment, or a strategy discussion / section 47 enquiry.',
    headers: ['Stage', 'Children', 'Share of children in conversations'],
    rows: [
      [txt('In conversations'), num(c.children, { kind: 'conversations' }), pct(c.children, c.children)],
      [txt('Referred to social care'), num(c.referrals, { kind: 'referrals' }), pct(c.referrals, c.children)],
      [txt('Child and family assessment decided'), num(c.assessments, { kind: 'assessments' }), pct(c.assessments, c.children)],
      [txt('Strategy discussion or section 47'), num(c.s47, { kind: 's47' }), pct(c.s47, c.children)],
    ],
  });
  const k = d.consent;
  const conversations = d.volume.conversations;
  tables.push({
    key: 'consent',
    title: 'Consent',
    note: 'Whether the parents’ consent was given for the conversation to go ahead. Without consent the worker records why (a lawful reason to go on without it).',
    headers: ['Consent', 'Conversations', 'Share'],
    rows: [
      [txt('Given'), num(k.yes), pct(k.yes, conversations)],
      [txt('Not given or not sought'), num(k.no, { kind: 'no-consent' }), pct(k.no, conversations)],
      [txt('Not recorded'), num(k.notRecorded), pct(k.notRecorded, conversations)],
    ],
  });
  tables.push({
    key: 'consent-reasons',
    title: 'Reasons for going on without consent',
    note: 'A conversation may give more than one reason.',
    headers: ['Reason', 'Conversations'],
    rows: k.reasons.length ? k.reasons.map((r) => [txt(r.label), num(r.n)]) : [[txt('None in this period'), num(0)]],
  });
  const dec = d.decisions;
  tables.push({
    key: 'decisions',
    title: `Decisions within ${profile.decisionDeadlineWorkingDays} working ${profile.decisionDeadlineWorkingDays === 1 ? 'day' : 'days'}`,
    note: 'Children whose outcome needs a decision by the service, against the deadline set on the working-days calendar when the conversation was completed.',
    headers: ['Decisions', 'Children', 'Share of those needing one'],
    rows: [
      [txt('Needed'), num(dec.needed), pct(dec.needed, dec.needed)],
      [txt('Made in time'), num(dec.inTime), pct(dec.inTime, dec.needed)],
      [txt('Made late'), num(dec.late, { kind: 'decided-late' }), pct(dec.late, dec.needed)],
      [txt('Overdue, not yet made'), num(dec.overdue, { kind: 'decision-overdue' }), pct(dec.overdue, dec.needed)],
      [txt('Not yet due'), num(dec.notYetDue), pct(dec.notYetDue, dec.needed)],
    ],
  });
  tables.push({
    key: 'repeat',
    title: 'Repeat conversations (re-contact within 12 months)',
    note: 'Children who had already been the subject of a completed conversation in the 365 days before this one (merged records count as the same child).',
    headers: ['Measure', 'Children', 'Rate'],
    rows: [
      [txt('Children in conversations'), num(d.repeat.children), pct(d.repeat.children, d.repeat.children)],
      [txt('Repeat within 12 months'), num(d.repeat.repeats, { kind: 'repeat' }), pct(d.repeat.repeats, d.repeat.children)],
    ],
  });
  tables.push({
    key: 'flags',
    title: 'Accumulation flags raised',
    note: 'Flags the authority’s accumulation rules raised when these conversations were completed.',
    headers: ['Measure', 'Number'],
    rows: [[txt('Flags raised'), num(d.flags.raised)], [txt('Children with a flag'), num(d.flags.conversations, { kind: 'flags' })]],
  });
  tables.push({
    key: 'edt',
    title: 'Out-of-hours conversations and the EDT handover',
    note: 'Conversations started while the service was closed, and their handover to the day service.',
    headers: ['Measure', 'Conversations', 'Share of out-of-hours'],
    rows: [
      [txt('Out of hours'), num(d.edt.outOfHours, { kind: 'out-of-hours' }), pct(d.edt.outOfHours, d.edt.outOfHours)],
      [txt('Accepted by the day service'), num(d.edt.accepted), pct(d.edt.accepted, d.edt.outOfHours)],
      [txt('Accepted in time'), num(d.edt.acceptedInTime), pct(d.edt.acceptedInTime, d.edt.outOfHours)],
      [txt('Waiting to be accepted'), num(d.edt.waiting), pct(d.edt.waiting, d.edt.outOfHours)],
    ],
  });
  const calls = d.calls;
  const answeredOrAbandoned = calls.answered + calls.abandoned;
  tables.push({
    key: 'calls',
    title: 'Calls to the phone line',
    note: 'Every call offered in the period. Only the dates apply to this table: calls are not yet linked to teams, agencies or outcomes. Abandonment is abandoned calls as a share of calls answered or abandoned.',
    headers: ['Measure', 'Calls', 'Share'],
    rows: [
      [txt('Offered'), num(calls.offered), pct(calls.offered, calls.offered)],
      [txt('Answered'), num(calls.answered), pct(calls.answered, calls.offered)],
      [txt('Answered within the queue’s target'), num(calls.answeredInTarget), pct(calls.answeredInTarget, calls.answered)],
      [txt('Abandoned'), num(calls.abandoned), pct(calls.abandoned, answeredOrAbandoned)],
      [txt('Left for a callback'), num(calls.callbacks), pct(calls.callbacks, calls.offered)],
      [txt('Out of hours or closed'), num(calls.outOfHours), pct(calls.outOfHours, calls.offered)],
      [txt('Median wait before answer'), { text: calls.medianAnswerSeconds === null ? '–' : `${Math.round(calls.medianAnswerSeconds)} seconds`, value: calls.medianAnswerSeconds === null ? null : Math.round(calls.medianAnswerSeconds), numeric: true }, txt('')],
    ],
  });
  if (other.survey) {
    const s = other.survey;
    tables.push({
      key: 'survey',
      title: 'Caller survey',
      note: 'Survey links sent with written records in the period, and the answers.',
      headers: ['Measure', 'Number', 'Share'],
      rows: [
        [txt('Surveys sent'), num(s.sent), pct(s.sent, s.sent)],
        [txt('Responses'), num(s.responses), pct(s.responses, s.sent)],
        [txt(`Average satisfaction${s.scaleMax ? ` (out of ${s.scaleMax})` : ''}`), { text: s.average === null ? '–' : s.average.toFixed(1), value: s.average === null ? null : Math.round(s.average * 10) / 10, numeric: true }, txt('')],
      ],
    });
  }
  if (other.mash) {
    tables.push({
      key: 'mash-rag',
      title: 'MASH enquiries by rating',
      note: 'Enquiries opened in the period, by their RAG rating now: still open, and decided. The MASH reports page has the times to decision.',
      headers: ['Rating', 'Enquiries', 'Open', 'Decided'],
      rows: other.mash.rows.map((r) => [txt(r.label), num(r.total), num(r.open), num(r.closed)]),
    });
    tables.push({
      key: 'mash-agencies',
      title: 'MASH check requests by agency',
      note: 'Requests sent to each agency in the period, answered, answered in time and overdue now.',
      headers: ['Agency', 'Sent', 'Answered', 'Answered in time', 'Overdue'],
      rows: other.mash.agencies.map((x) => [txt(x.label), num(x.sent), num(x.answered), pct(x.onTime, x.answered), num(x.overdue)]),
    });
  }
  return tables;
}

/** A few sentences saying what the figures show, for readers who do not read charts. */
export function summarySentences(d: MiDashboard): string[] {
  const out: string[] = [];
  const c = d.volume.conversations;
  if (c === 0) return ['There were no completed conversations in this period for the filters chosen.'];
  const busiest = [...d.volume.days].sort((a, b) => b.conversations - a.conversations)[0]!;
  const kids = d.volume.distinctChildren;
  // Over long periods the per-day totals count a child once per conversation, and the sentence says so.
  const about = kids === null ? `${d.volume.children.toLocaleString('en-GB')} ${d.volume.children === 1 ? 'child' : 'children'} (counting a child once in each conversation)` : `${kids.toLocaleString('en-GB')} ${kids === 1 ? 'child' : 'children'}`;
  out.push(`${c.toLocaleString('en-GB')} ${c === 1 ? 'conversation' : 'conversations'} about ${about}; the busiest day was ${formatDateLong(busiest.day)} with ${busiest.conversations}.`);
  out.push(`${pct(d.conversion.referrals, d.conversion.children).text} of children were referred to social care; ${pct(d.repeat.repeats, d.repeat.children).text} had been talked about in the previous 12 months.`);
  if (d.decisions.needed) out.push(`${pct(d.decisions.inTime, d.decisions.needed).text} of decisions were made in time; ${d.decisions.overdue} ${d.decisions.overdue === 1 ? 'is' : 'are'} overdue.`);
  out.push(`Consent was given in ${pct(d.consent.yes, c).text} of conversations.`);
  return out;
}

export function asTabular(t: FigureTable): Tabular {
  return { name: t.title, headers: t.headers, rows: t.rows.map((r) => r.map((cell) => cell.value)) };
}
