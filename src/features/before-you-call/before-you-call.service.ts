import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { recordAudit, type AuditContext } from '../../platform/audit.js';
import { HttpError, notFound } from '../../platform/http/errors.js';
import type { AuthorityProfile } from '../../domain/authority-profile.js';
import { isReminderDue, isReviewDue, reviewDueOn } from '../../domain/call-checker.js';
import { formatDateLong, londonDateOf } from '../../domain/dates.js';
import { escapeHtml } from '../written-records/render-html.js';
import { NotificationSender } from '../mash/notifications.js';
import { BeforeYouCallRepository, type PageView, type QuestionStatus } from './before-you-call.repository.js';
import { seedContent, SECTIONS, SECTION_LABELS, type Section } from './seed-content.js';
import { pageErrors, type PageInput } from './plain-text.js';

/** The team manager stands in for the head of service, who reads partners' questions. */
export const QUESTION_ROLES: Role[] = ['team-manager', 'administrator'];

export const QUESTION_STATUSES: { code: QuestionStatus; label: string }[] = [
  { code: 'new', label: 'New' },
  { code: 'answered', label: 'Answered' },
  { code: 'added-to-faq', label: 'Added to the FAQ' },
  { code: 'no-action', label: 'No action' },
];

export const QUESTION_LIMITS = { name: 200, email: 320, organisation: 200, question: 2000 } as const;

export interface QuestionInput {
  name: string;
  email: string;
  organisation: string;
  question: string;
}

export interface SectionState {
  section: Section;
  label: string;
  lastReviewedAt: Date;
  reviewDue: boolean;
  /** 'YYYY-MM-DD' London date the next review is due. */
  dueOn: string;
}

export type PublishResult = { ok: true; version: number } | { ok: false; errors: { field: string; message: string }[]; status: number };

/** Where partners' questions go, and what the email says: a name and organisation, never a child. */
function questionEmail(profile: AuthorityProfile, q: QuestionInput, listUrl: string) {
  const subject = `Question about ${profile.service.shortName} from a partner`;
  const lines = [
    `A partner asked a question about the ${profile.service.name} on the "Before you call" pages.`,
    `From: ${q.name}, ${q.organisation} (${q.email})`,
    `Question: ${q.question}`,
    'Sign in to Front Door to see every question and mark it answered, added to the FAQ or no action:',
  ];
  const text = [...lines, listUrl, profile.service.name].join('\n\n') + '\n';
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:Arial,sans-serif;color:#0b0c0c;">
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
<p><a href="${escapeHtml(listUrl)}">${escapeHtml(listUrl)}</a></p>
<p>${escapeHtml(profile.service.name)}</p>
</body></html>
`;
  return { subject, text, html };
}

function reminderEmail(profile: AuthorityProfile, due: { section: Section; lastReviewedAt: Date }[], adminUrl: string) {
  const subject = `Review due: the ${profile.service.shortName} "Before you call" pages`;
  const lines = [
    `The ${profile.service.name}'s "Before you call" pages are reviewed monthly. These are due:`,
    ...due.map((d) => `${SECTION_LABELS[d.section].replace(/[“”]/g, '"')}: last reviewed ${formatDateLong(londonDateOf(d.lastReviewedAt))}`),
    'Sign in to Front Door, check the pages are still right, change what is not, and choose "Mark as reviewed":',
  ];
  const text = [...lines, adminUrl, profile.service.name].join('\n\n') + '\n';
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:Arial,sans-serif;color:#0b0c0c;">
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
<p><a href="${escapeHtml(adminUrl)}">${escapeHtml(adminUrl)}</a></p>
<p>${escapeHtml(profile.service.name)}</p>
</body></html>
`;
  return { subject, text, html };
}

const FIRST_NOTE = 'First version, from the council’s published guidance';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The "Before you call" pages: their content (versioned, seeded from code on first read), the
 * monthly review, and partners' questions.
 */
export class BeforeYouCallService {
  private readonly repo = new BeforeYouCallRepository();
  private readonly sender: NotificationSender;
  constructor(private readonly ctx: AppContext) {
    this.sender = new NotificationSender(ctx);
  }

  /** The profile of a public page's authority, or a 404 for one Front Door does not serve. */
  authority(id: string): AuthorityProfile {
    if (!this.ctx.profiles.has(id)) throw notFound('page');
    return this.ctx.profiles.get(id);
  }

  /**
   * Loads an authority's first content from code, once. Safe to run at the same time from two
   * requests: the section row is claimed with "on conflict do nothing", and only the claimer adds
   * its pages, in the same transaction.
   */
  async ensureSeeded(authorityId: string): Promise<void> {
    const have = await this.repo.sectionsOf(this.ctx.db, authorityId);
    const profile = this.ctx.profiles.get(authorityId);
    const content = seedContent(profile);
    const now = this.ctx.clock.now();
    if (have.length === SECTIONS.length) {
      // A level added to the profile (or a checker text added to the code) since the first load gets its first version.
      const keys = new Set(await this.repo.keysOf(this.ctx.db, authorityId));
      const missing = (['checker', 'threshold-guide'] as const).flatMap((section) => content[section].filter((p) => !keys.has(p.key)).map((p) => ({ section, page: p })));
      if (missing.length === 0) return;
      await this.ctx.db.transaction().execute(async (tx) => {
        for (const { section, page } of missing) {
          if (await this.repo.keyExists(tx, authorityId, page.key)) continue;
          const position = await this.repo.nextPosition(tx, authorityId, section);
          await this.repo.insertPage(tx, { id: randomUUID(), authorityId, section, key: page.key, position, at: now }, { title: page.title, body: page.body, note: FIRST_NOTE, createdBy: null });
        }
      });
      return;
    }
    await this.ctx.db.transaction().execute(async (tx) => {
      for (const section of SECTIONS) {
        if (!(await this.repo.claimSection(tx, authorityId, section, now))) continue;
        let position = 1;
        for (const page of content[section]) {
          await this.repo.insertPage(
            tx,
            { id: randomUUID(), authorityId, section, key: page.key, position: position++, at: now },
            { title: page.title, body: page.body, note: FIRST_NOTE, createdBy: null },
          );
        }
      }
    });
  }

  async sectionStates(authorityId: string): Promise<SectionState[]> {
    await this.ensureSeeded(authorityId);
    const now = this.ctx.clock.now();
    const rows = await this.repo.sectionsOf(this.ctx.db, authorityId);
    return SECTIONS.map((section) => {
      const r = rows.find((x) => x.section === section)!;
      return { section, label: SECTION_LABELS[section], lastReviewedAt: r.last_reviewed_at, reviewDue: isReviewDue(r.last_reviewed_at, now), dueOn: reviewDueOn(r.last_reviewed_at) };
    });
  }

  async sectionState(authorityId: string, section: Section): Promise<SectionState> {
    return (await this.sectionStates(authorityId)).find((s) => s.section === section)!;
  }

  async pages(authorityId: string, section?: Section): Promise<PageView[]> {
    await this.ensureSeeded(authorityId);
    return this.repo.pages(this.ctx.db, authorityId, section);
  }

  /** Pages of a section by key, for the checker's texts. */
  async pagesByKey(authorityId: string, section: Section): Promise<Record<string, PageView>> {
    return Object.fromEntries((await this.pages(authorityId, section)).map((p) => [p.key, p]));
  }

  async pageByKey(authorityId: string, key: string): Promise<PageView | undefined> {
    await this.ensureSeeded(authorityId);
    return this.repo.pageByKey(this.ctx.db, authorityId, key);
  }

  async page(principal: Principal, id: string): Promise<PageView> {
    await this.ensureSeeded(principal.authorityId);
    const page = await this.repo.pageById(this.ctx.db, principal.authorityId, id);
    if (!page) throw notFound('page');
    return page;
  }

  async history(principal: Principal, id: string) {
    const page = await this.page(principal, id);
    return { page, versions: await this.repo.versions(this.ctx.db, id) };
  }

  async version(principal: Principal, id: string, version: number) {
    const page = await this.page(principal, id);
    const v = await this.repo.version(this.ctx.db, id, version);
    if (!v) throw notFound('version');
    return { page, version: v };
  }

  /**
   * Publishes a new version of a page. `baseVersion` is the version the editor started from: when
   * someone else has published since, nothing is saved and the editor is told.
   */
  async publish(principal: Principal, id: string, input: PageInput, baseVersion: number | null, audit: AuditContext): Promise<PublishResult> {
    const errors = pageErrors(input);
    if (errors.length) return { ok: false, errors, status: 400 };
    return this.ctx.db.transaction().execute(async (tx): Promise<PublishResult> => {
      const page = await this.repo.lockPage(tx, principal.authorityId, id);
      if (!page) throw notFound('page');
      if (baseVersion !== null && baseVersion !== page.current_version) {
        return { ok: false, status: 409, errors: [{ field: 'body', message: `Someone published version ${page.current_version} while you were editing. Copy your text, reload the page and make your change again` }] };
      }
      const version = page.current_version + 1;
      await this.repo.addVersion(tx, id, { version, title: input.title, body: input.body, note: input.note, createdBy: principal.id, at: this.ctx.clock.now(), restoredFrom: null });
      await recordAudit(tx, audit, { action: 'before-you-call.page-published', entityId: id, details: { authorityId: principal.authorityId, key: page.key, version, restoredFrom: null } });
      return { ok: true, version };
    });
  }

  /** Publishes a copy of an old version as the newest one; history is never rewritten. */
  async restore(principal: Principal, id: string, from: number, audit: AuditContext): Promise<number> {
    return this.ctx.db.transaction().execute(async (tx) => {
      const page = await this.repo.lockPage(tx, principal.authorityId, id);
      if (!page) throw notFound('page');
      const old = await this.repo.version(tx, id, from);
      if (!old) throw notFound('version');
      if (from === page.current_version) throw new HttpError(409, 'That is the published version', `Version ${from} is already the one on the page.`);
      const version = page.current_version + 1;
      await this.repo.addVersion(tx, id, { version, title: old.title, body: old.body, note: `Restored version ${from}`, createdBy: principal.id, at: this.ctx.clock.now(), restoredFrom: from });
      await recordAudit(tx, audit, { action: 'before-you-call.page-published', entityId: id, details: { authorityId: principal.authorityId, key: page.key, version, restoredFrom: from } });
      return version;
    });
  }

  /** Adds a question and answer to the FAQ (from a partner's question, say). */
  async addFaq(principal: Principal, input: PageInput, audit: AuditContext): Promise<PublishResult & { id?: string }> {
    const errors = pageErrors(input);
    if (errors.length) return { ok: false, errors, status: 400 };
    await this.ensureSeeded(principal.authorityId);
    return this.ctx.db.transaction().execute(async (tx) => {
      const base = `faq-${input.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'question'}`;
      let key = base;
      for (let i = 2; await this.repo.keyExists(tx, principal.authorityId, key); i++) key = `${base}-${i}`;
      const id = randomUUID();
      const position = await this.repo.nextPosition(tx, principal.authorityId, 'faq');
      await this.repo.insertPage(tx, { id, authorityId: principal.authorityId, section: 'faq', key, position, at: this.ctx.clock.now() }, { title: input.title, body: input.body, note: input.note, createdBy: principal.id });
      await recordAudit(tx, audit, { action: 'before-you-call.page-published', entityId: id, details: { authorityId: principal.authorityId, key, version: 1, restoredFrom: null } });
      return { ok: true as const, version: 1, id };
    });
  }

  async markReviewed(principal: Principal, section: string, audit: AuditContext): Promise<Section> {
    if (!(SECTIONS as string[]).includes(section)) throw new HttpError(400, 'Choose what you reviewed', 'The form did not say which pages you reviewed. Go back and try again.');
    await this.ensureSeeded(principal.authorityId);
    const s = section as Section;
    await this.ctx.db.transaction().execute(async (tx) => {
      await this.repo.markReviewed(tx, principal.authorityId, s, principal.id, this.ctx.clock.now());
      await recordAudit(tx, audit, { action: 'before-you-call.reviewed', details: { authorityId: principal.authorityId, section: s } });
    });
    return s;
  }

  // Review reminders ----------------------------------------------------------

  /**
   * The monthly reminder: for every authority with a section whose last review is a month old, one
   * email to each of its active administrators naming the sections due, then not again for those
   * sections until a month after that reminder (or a month after their next review). Returns how
   * many authorities were reminded.
   */
  async remindReviews(now: Date = this.ctx.clock.now()): Promise<number> {
    let reminded = 0;
    for (const profile of this.ctx.profiles.all()) {
      await this.ensureSeeded(profile.id);
      const done = await this.ctx.db.transaction().execute(async (tx) => {
        const due: { section: Section; lastReviewedAt: Date }[] = [];
        for (const section of SECTIONS) {
          // Locked, so two runs at once (two workers) cannot both send.
          const s = await this.repo.lockSection(tx, profile.id, section);
          if (s && isReminderDue(s.last_reviewed_at, s.review_reminded_at, now)) due.push({ section, lastReviewedAt: s.last_reviewed_at });
        }
        if (due.length === 0) return false;
        const to = await this.repo.administratorEmails(tx, profile.id);
        const adminUrl = `${this.ctx.config.baseUrl}/sign-in?next=${encodeURIComponent('/admin/before-you-call')}`;
        const mail = reminderEmail(profile, due, adminUrl);
        const notificationIds = await this.sender.queue(
          tx,
          to.map((address) => ({ authorityId: profile.id, kind: 'faq-review-due', mashRequestId: null, subjectType: 'before-you-call-review', to: address, ...mail })),
        );
        for (const d of due) await this.repo.setReminded(tx, profile.id, d.section, now);
        await recordAudit(tx, { principal: null, ip: null, requestId: null }, { action: 'before-you-call.review-reminded', details: { authorityId: profile.id, section: due.map((d) => d.section).join(','), notificationIds } });
        return true;
      });
      if (done) reminded++;
    }
    return reminded;
  }

  // Partners' questions ------------------------------------------------------

  validateQuestion(body: Record<string, unknown>): { ok: true; input: QuestionInput } | { ok: false; errors: { field: string; message: string }[]; values: QuestionInput } {
    const s = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '');
    const input: QuestionInput = { name: s('name'), email: s('email'), organisation: s('organisation'), question: s('question') };
    const errors: { field: string; message: string }[] = [];
    if (!input.name) errors.push({ field: 'name', message: 'Enter your name' });
    else if (input.name.length > QUESTION_LIMITS.name) errors.push({ field: 'name', message: `Your name must be ${QUESTION_LIMITS.name} characters or fewer` });
    if (!input.email) errors.push({ field: 'email', message: 'Enter your work email address' });
    else if (input.email.length > QUESTION_LIMITS.email || !EMAIL.test(input.email)) errors.push({ field: 'email', message: 'Enter an email address in the correct format, like name@example.com' });
    if (!input.organisation) errors.push({ field: 'organisation', message: 'Enter your organisation' });
    else if (input.organisation.length > QUESTION_LIMITS.organisation) errors.push({ field: 'organisation', message: `Your organisation must be ${QUESTION_LIMITS.organisation} characters or fewer` });
    if (!input.question) errors.push({ field: 'question', message: 'Enter your question' });
    else if (input.question.length > QUESTION_LIMITS.question) errors.push({ field: 'question', message: `Your question must be ${QUESTION_LIMITS.question.toLocaleString('en-GB')} characters or fewer` });
    return errors.length ? { ok: false, errors, values: input } : { ok: true, input };
  }

  /** Stores a partner's question and emails the authority's questions inbox, in one transaction. */
  async submitQuestion(authorityId: string, input: QuestionInput, audit: AuditContext): Promise<string> {
    const profile = this.ctx.profiles.get(authorityId);
    const id = randomUUID();
    await this.ctx.db.transaction().execute(async (tx) => {
      await this.repo.insertQuestion(tx, { id, authorityId, ...input, at: this.ctx.clock.now() });
      const to = profile.beforeYouCall.questionsEmail;
      if (to) {
        const listUrl = `${this.ctx.config.baseUrl}/sign-in?next=${encodeURIComponent('/before-you-call/questions')}`;
        await this.sender.queue(tx, [{ authorityId, kind: 'partner-question', mashRequestId: null, subjectType: 'before-you-call-question', subjectId: id, to, ...questionEmail(profile, input, listUrl) }]);
      }
      await recordAudit(tx, audit, { action: 'before-you-call.question-received', entityId: id, details: { authorityId } });
    });
    return id;
  }

  async questions(principal: Principal, status: string) {
    const filter = (['all', ...QUESTION_STATUSES.map((s) => s.code)] as string[]).includes(status) ? (status as QuestionStatus | 'all') : 'new';
    return { filter, rows: await this.repo.questions(this.ctx.db, principal.authorityId, filter) };
  }

  async updateQuestion(principal: Principal, id: string, status: string, note: string, audit: AuditContext): Promise<{ ok: true } | { ok: false; errors: { field: string; message: string }[] }> {
    const q = await this.repo.question(this.ctx.db, principal.authorityId, id);
    if (!q) throw notFound('question');
    const errors: { field: string; message: string }[] = [];
    if (!['answered', 'added-to-faq', 'no-action'].includes(status)) errors.push({ field: `status-${id}`, message: 'Select what happened to the question' });
    if (note.length > 1000) errors.push({ field: `note-${id}`, message: 'Note must be 1,000 characters or fewer' });
    if (errors.length) return { ok: false, errors };
    await this.ctx.db.transaction().execute(async (tx) => {
      await this.repo.setQuestionStatus(tx, id, status as QuestionStatus, note || null, principal.id, this.ctx.clock.now());
      await recordAudit(tx, audit, { action: 'before-you-call.question-updated', entityId: id, details: { authorityId: principal.authorityId, status } });
    });
    return { ok: true };
  }

  countNewQuestions(authorityId: string): Promise<number> {
    return this.repo.countNew(this.ctx.db, authorityId);
  }
}
