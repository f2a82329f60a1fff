/**
 * "Before you call": the checker's answer pages for Norfolk and Stoke-on-Trent at pinned times
 * (open, a weekday evening, a weekend, a bank holiday), every branch, the FAQ and threshold guide,
 * editing with versions and restore, the monthly review reminder, and partners' questions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Agent, cleanUp, createTestApp, createTestContext, createUser, errorSummary, signedInAgent, type TestContext } from '../../../test/support/harness.js';
import { BeforeYouCallService } from './before-you-call.service.js';
import { seedDemoBeforeYouCall } from './demo-before-you-call.js';
import { startBeforeYouCallWorker } from './before-you-call.worker.js';
import { QUEUES } from '../../platform/jobs.js';
import { setTimeout as sleep } from 'node:timers/promises';

let ctx: TestContext;
let app: FastifyInstance;
let admin: { id: string; email: string };
let manager: { id: string; email: string };

/** Monday 23 November 2026, 10:00 in London (GMT): both services open. */
const OPEN = '2026-11-23T10:00:00Z';
/** Tuesday 24 November, 7pm: a weekday evening. */
const EVENING = '2026-11-24T19:00:00Z';
/** Saturday 28 November, 11am. */
const WEEKEND = '2026-11-28T11:00:00Z';
/** Monday 28 December, 11am: Boxing Day (substitute day), a bank holiday in England. */
const BANK_HOLIDAY = '2026-12-28T11:00:00Z';

before(async () => {
  ctx = await createTestContext(OPEN);
  app = await createTestApp(ctx);
  admin = await createUser(ctx, { role: 'administrator' });
  manager = await createUser(ctx, { role: 'team-manager' });
});
after(() => cleanUp(() => app?.close(), () => ctx?.close()));

/** The text of a page without tags, spaces squeezed: what a reader sees. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;|&#x27;/g, "'").replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/\s+/g, ' ');

async function answer(agent: Agent, authority: string, question: string, value: string): Promise<string> {
  const res = await agent.post(`/before-you-call/${authority}/should-i-call/${question}`, { answer: value });
  assert.equal(res.status, 302, `answering ${question} redirects`);
  return res.location!;
}

/** Walks the checker as a visitor, returning where each answer led and the final page. */
async function walk(authority: string, answers: [string, string][]): Promise<{ locations: string[]; page: string }> {
  const visitor = new Agent(app);
  const start = await visitor.get(`/before-you-call/${authority}/should-i-call`);
  assert.equal(start.status, 200, 'start page');
  const locations: string[] = [];
  for (const [q, a] of answers) {
    const q1 = await visitor.get(`/before-you-call/${authority}/should-i-call/${q}`);
    assert.equal(q1.status, 200, `${q} page`);
    locations.push(await answer(visitor, authority, q, a));
  }
  const final = await visitor.get(locations[locations.length - 1]!);
  assert.equal(final.status, 200, 'final page');
  return { locations, page: text(final.body) };
}

const TO_CALL: [string, string][] = [['emergency', 'no'], ['allocated-worker', 'no'], ['threshold', 'yes']];

test('an emergency: call 999 now', async () => {
  for (const authority of ['norfolk', 'stoke-on-trent']) {
    const { locations, page } = await walk(authority, [['emergency', 'yes']]);
    assert.equal(locations[0], `/before-you-call/${authority}/should-i-call/call-999`, 'straight to 999');
    assert.match(page, /Call 999 now/, 'heading');
    assert.match(page, /If you consider the incident to be an emergency, please call 999\./, 'the authority’s words');
  }
});

test('an allocated worker: contact them directly, in each authority’s words', async () => {
  const n = await walk('norfolk', [['emergency', 'no'], ['allocated-worker', 'yes']]);
  assert.equal(n.locations[1], '/before-you-call/norfolk/should-i-call/contact-allocated-worker', 'Norfolk: allocated worker');
  assert.match(n.page, /If the child, young person or family have an allocated worker, please contact them directly\./, 'Norfolk’s words');
  assert.match(n.page, /choose option 1/, 'Norfolk’s option 1 for children with a worker');
  const s = await walk('stoke-on-trent', [['emergency', 'no'], ['allocated-worker', 'yes']]);
  assert.match(s.page, /If the child or family already has an allocated worker, please contact them directly\./, 'Stoke-on-Trent’s words');
});

test('below the threshold: Early Help’s Request for support', async () => {
  const n = await walk('norfolk', [['emergency', 'no'], ['allocated-worker', 'no'], ['threshold', 'no']]);
  assert.equal(n.locations[2], '/before-you-call/norfolk/should-i-call/early-help', 'Early Help');
  assert.match(n.page, /Request Early Help support/, 'heading');
  assert.match(n.page, /Request for support - Norfolk County Council/, 'Norfolk’s Early Help words');
  const s = await walk('stoke-on-trent', [['emergency', 'no'], ['allocated-worker', 'no'], ['threshold', 'no']]);
  assert.match(s.page, /wider partnership/, 'Stoke-on-Trent’s Early Help words');
  const html = (await new Agent(app).get('/before-you-call/norfolk/should-i-call/early-help')).body;
  assert.match(html, /href="https:\/\/www\.norfolk\.gov\.uk\/[^"]*request-for-support"/, 'the Request for support link from the profile');
});

test('the threshold question lists when to call and links the threshold guide', async () => {
  const page = text((await new Agent(app).get('/before-you-call/norfolk/should-i-call/threshold')).body);
  for (const item of ['Immediate Safeguarding Concerns', 'Escalating Concerns', 'Concerns About Parenting Capacity', 'Professional Consultation']) {
    assert.ok(page.includes(item), `Norfolk's list includes ${item}`);
  }
  assert.match((await new Agent(app).get('/before-you-call/norfolk/should-i-call/threshold')).body, /href="\/before-you-call\/norfolk\/threshold-guide"/, 'threshold guide link');
});

test('inside opening hours: the number, options, open now and today’s hours (both authorities)', async () => {
  ctx.clock.set(OPEN);
  const n = await walk('norfolk', TO_CALL);
  assert.equal(n.locations[2], '/before-you-call/norfolk/should-i-call/call-the-service', 'call the service');
  assert.match(n.page, /Call CADS on 0344 800 8021/, 'Norfolk number');
  assert.match(n.page, /Option 2: Your call relates to Child Exploitation/, 'Norfolk options');
  assert.match(n.page, /Open Open now, until 5pm/, 'open now');
  assert.match(n.page, /Hours today \(Monday 23 November\) 9am to 5pm/, 'hours today');
  assert.doesNotMatch(n.page, /is closed now/, 'no closed warning');
  for (const item of ['everything you and your agency know about the child', 'where the child is now', 'how immediate it is']) assert.ok(n.page.includes(item), `have ready: ${item}`);
  assert.match(n.page, /record whether you have obtained parental consent/, 'record consent reminder');
  const s = await walk('stoke-on-trent', TO_CALL);
  assert.match(s.page, /Call ChAD on 01782 235100/, 'Stoke number');
  assert.match(s.page, /Option 1: A professional with a new concern about a child/, 'Stoke options');
  assert.match(s.page, /Open now, until 5pm/, 'open');
  assert.match(s.page, /Hours today \(Monday 23 November\) 8:30am to 5pm/, 'Stoke hours today');
  assert.match(s.page, /The family composition including siblings/, 'Stoke’s six points in its words');
  assert.match(s.page, /record your concerns for your internal audit trail/, 'Stoke record reminder');
});

test('a weekday evening: closed, the EDT number and the next opening (both authorities)', async () => {
  ctx.clock.set(EVENING);
  const n = await walk('norfolk', TO_CALL);
  assert.match(n.page, /Closed It is outside opening hours\. Opens again at 9am tomorrow\./, 'Norfolk closed, opens tomorrow');
  assert.match(n.page, /CADS is closed now\. If you are worried about a child now, call the Emergency Duty Team on 0344 800 8020/, 'Norfolk EDT');
  assert.match(n.page, /Hours today \(Tuesday 24 November\) 9am to 5pm/, 'hours today still shown');
  const s = await walk('stoke-on-trent', TO_CALL);
  assert.match(s.page, /Opens again at 8:30am tomorrow/, 'Stoke opens tomorrow');
  assert.match(s.page, /call the Emergency Duty Team on 01782 234234/, 'Stoke EDT');
});

test('a weekend: closed today, EDT, opens on Monday (both authorities)', async () => {
  ctx.clock.set(WEEKEND);
  const n = await walk('norfolk', TO_CALL);
  assert.match(n.page, /It is the weekend\. Opens again at 9am on Monday 30 November\./, 'Norfolk weekend');
  assert.match(n.page, /Hours today \(Saturday 28 November\) Closed today/, 'closed today');
  assert.match(n.page, /Emergency Duty Team on 0344 800 8020/, 'EDT');
  const s = await walk('stoke-on-trent', TO_CALL);
  assert.match(s.page, /Opens again at 8:30am on Monday 30 November/, 'Stoke weekend');
  assert.match(s.page, /Emergency Duty Team on 01782 234234/, 'Stoke EDT');
});

test('a bank holiday: closed, the holiday named, EDT (both authorities)', async () => {
  ctx.clock.set(BANK_HOLIDAY);
  const n = await walk('norfolk', TO_CALL);
  assert.match(n.page, /It is a bank holiday \(Boxing Day\)\. Opens again at 9am tomorrow\./, 'Norfolk bank holiday');
  assert.match(n.page, /Closed today: it is a bank holiday \(Boxing Day\)/, 'hours today');
  assert.match(n.page, /Emergency Duty Team on 0344 800 8020/, 'EDT');
  const s = await walk('stoke-on-trent', TO_CALL);
  assert.match(s.page, /It is a bank holiday \(Boxing Day\)\. Opens again at 8:30am tomorrow\./, 'Stoke bank holiday');
  ctx.clock.set(OPEN);
});

test('no answer: the question again with an error; unknown steps and authorities are not found', async () => {
  const visitor = new Agent(app);
  await visitor.get('/before-you-call/norfolk/should-i-call/emergency');
  const res = await visitor.post('/before-you-call/norfolk/should-i-call/emergency', {});
  assert.equal(res.status, 400, 'refused');
  assert.deepEqual(errorSummary(res.body), [['#answer', 'Select yes or no']], 'error summary links to the radios');
  assert.equal((await visitor.post('/before-you-call/norfolk/should-i-call/call-999', { answer: 'yes' })).status, 404, 'an outcome is not a question');
  assert.equal((await visitor.get('/before-you-call/nowhere/should-i-call')).status, 404, 'unknown authority');
  assert.equal((await visitor.get('/before-you-call/norfolk/should-i-call/maybe')).status, 404, 'unknown step');
});

test('public pages: the FAQ in each authority’s words with "Last reviewed", and the threshold guide per level', async () => {
  const visitor = new Agent(app);
  const index = await visitor.get('/before-you-call');
  assert.equal(index.status, 200, 'index');
  const n = text((await visitor.get('/before-you-call/norfolk/faq')).body);
  assert.match(n, /What is the MASH\?/, 'Norfolk FAQ');
  assert.match(n, /Do I have to get a parents' consent before I make a call\?/, 'Norfolk consent question');
  assert.match(n, /Last reviewed: \d{1,2} [A-Z][a-z]+ 2026/, 'last reviewed date');
  const s = text((await visitor.get('/before-you-call/stoke-on-trent/faq')).body);
  assert.match(s, /Why are the current Multi Agency Safeguarding Hub \(MASH\) arrangements changing\?/, 'Stoke FAQ');
  const st = text((await visitor.get('/before-you-call/staffordshire/faq')).body);
  assert.match(st, /Illustrative/, 'Staffordshire marked illustrative');
  const stCall = await walk('staffordshire', TO_CALL);
  assert.match(stCall.page, /Call SCAS on 01632 960100/, 'Staffordshire (illustrative) result page');
  assert.match(stCall.page, /Illustrative/, 'marked illustrative there too');
  const guide = await visitor.get('/before-you-call/stoke-on-trent/threshold-guide');
  assert.equal(guide.status, 200, 'guide');
  for (const level of ctx.profiles.get('stoke-on-trent').levels) assert.ok(text(guide.body).includes(level.label), `guide lists ${level.label}`);
  const cp = text((await visitor.get('/before-you-call/stoke-on-trent/threshold-guide/level-4b')).body);
  assert.match(cp, /Level 4b – children in need of safeguarding/, 'level page');
  assert.match(cp, /Examples:/, 'with examples');
  assert.match(cp, /significant harm/, 'child protection wording');
  assert.equal((await visitor.get('/before-you-call/norfolk/threshold-guide/level-9')).status, 404, 'unknown level');
});

test('a level without a page (added to the profile later) gets its first version when read', async () => {
  const visitor = new Agent(app);
  await visitor.get('/before-you-call/stoke-on-trent/threshold-guide');
  const page = await ctx.db.selectFrom('before_you_call_pages').select('id').where('authority_id', '=', 'stoke-on-trent').where('key', '=', 'level-4c').executeTakeFirstOrThrow();
  await ctx.db.deleteFrom('before_you_call_page_versions').where('page_id', '=', page.id).execute();
  await ctx.db.deleteFrom('before_you_call_pages').where('id', '=', page.id).execute();
  const res = await visitor.get('/before-you-call/stoke-on-trent/threshold-guide/level-4c');
  assert.equal(res.status, 200, 'seeded again');
  assert.match(text(res.body), /Children in care: children looked after by the local authority/, 'with its examples');
});

test('an administrator edits an FAQ answer: preview, publish, history, restore', async () => {
  const agent = await signedInAgent(app, admin.email);
  const list = await agent.get('/admin/before-you-call');
  assert.equal(list.status, 200, 'admin page');
  const service = new BeforeYouCallService(ctx);
  const page = (await service.pageByKey('norfolk', 'faq-opening-hours'))!;
  const edit = await agent.get(`/admin/before-you-call/pages/${page.id}`);
  assert.equal(edit.status, 200, 'edit page');
  const newBody = 'Monday to Friday, 8am to 8pm.\n\n- Closed on bank holidays\n- <script>alert(1)</script>';
  const preview = await agent.post(`/admin/before-you-call/pages/${page.id}`, { title: page.title, body: newBody, note: 'Longer hours', baseVersion: '1', action: 'preview' });
  assert.equal(preview.status, 200, 'preview');
  assert.match(preview.body, /<li>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/li>/, 'shown escaped, as a bullet');
  assert.equal((await service.pageByKey('norfolk', 'faq-opening-hours'))!.current_version, 1, 'preview saves nothing');
  const bad = await agent.post(`/admin/before-you-call/pages/${page.id}`, { title: page.title, body: newBody, note: '', baseVersion: '1', action: 'publish' });
  assert.equal(bad.status, 400, 'a note is needed');
  assert.deepEqual(errorSummary(bad.body), [['#note', 'Enter a note saying what you changed']], 'error summary');
  const ok = await agent.post(`/admin/before-you-call/pages/${page.id}`, { title: page.title, body: newBody, note: 'Longer hours', baseVersion: '1', action: 'publish' });
  assert.equal(ok.status, 302, 'published');
  assert.match(text((await new Agent(app).get('/before-you-call/norfolk/faq')).body), /Monday to Friday, 8am to 8pm\./, 'the public page shows the new answer');
  const stale = await agent.post(`/admin/before-you-call/pages/${page.id}`, { title: page.title, body: 'Other', note: 'Late edit', baseVersion: '1', action: 'publish' });
  assert.equal(stale.status, 409, 'an edit from an old version is refused');
  const history = text((await agent.get(`/admin/before-you-call/pages/${page.id}/history`)).body);
  assert.match(history, /2 Published .*Test administrator Longer hours/, 'version 2 by the administrator with the note');
  assert.match(history, /Front Door \(first content\)/, 'version 1 from the seeds');
  const v1 = await agent.get(`/admin/before-you-call/pages/${page.id}/versions/1`);
  assert.match(text(v1.body), /9am to 5pm/, 'old version shown');
  const restored = await agent.post(`/admin/before-you-call/pages/${page.id}/versions/1/restore`, {});
  assert.equal(restored.status, 302, 'restored');
  const now = (await service.pageByKey('norfolk', 'faq-opening-hours'))!;
  assert.equal(now.current_version, 3, 'restoring publishes version 3');
  assert.match(now.body, /9am to 5pm/, 'with the old text');
  assert.match(text((await agent.get(`/admin/before-you-call/pages/${page.id}/history`)).body), /Restored version 1/, 'history says so');
  const audits = await ctx.db.selectFrom('audit_events').select('action').where('entity_id', '=', page.id).execute();
  assert.equal(audits.filter((a) => a.action === 'before-you-call.page-published').length, 2, 'each publish audited');
});

test('an administrator adds a question to the FAQ', async () => {
  const agent = await signedInAgent(app, admin.email);
  const res = await agent.post('/admin/before-you-call/faq/new', { title: 'Can I call on behalf of a colleague?', body: 'Yes, but the person who saw the concern should be available.', note: 'From a partner’s question', action: 'publish' });
  assert.equal(res.status, 302, 'added');
  assert.match(text((await new Agent(app).get('/before-you-call/norfolk/faq')).body), /Can I call on behalf of a colleague\?/, 'on the FAQ');
});

test('other roles cannot edit the pages, and other authorities’ pages are not found', async () => {
  const worker = await createUser(ctx, { role: 'cads-worker' });
  const agent = await signedInAgent(app, worker.email);
  assert.equal((await agent.get('/admin/before-you-call')).status, 403, 'a CADS worker is refused');
  const page = (await new BeforeYouCallService(ctx).pageByKey('norfolk', 'faq-aim'))!;
  assert.equal((await agent.post(`/admin/before-you-call/pages/${page.id}`, { title: 'x', body: 'y', note: 'z', action: 'publish' })).status, 403, 'cannot publish');
  const mgr = await signedInAgent(app, manager.email);
  assert.equal((await mgr.get(`/admin/before-you-call/pages/${page.id}`)).status, 403, 'a team manager is refused too');
  const stokeAdmin = await createUser(ctx, { role: 'administrator', authorityId: 'stoke-on-trent' });
  const sa = await signedInAgent(app, stokeAdmin.email);
  assert.equal((await sa.get(`/admin/before-you-call/pages/${page.id}`)).status, 404, 'Norfolk’s page is not found for Stoke-on-Trent');
});

test('mark as reviewed, and the monthly reminder is sent once per period', async () => {
  ctx.clock.set('2026-11-23T10:00:00Z');
  const service = new BeforeYouCallService(ctx);
  const agent = await signedInAgent(app, admin.email);
  await agent.post('/admin/before-you-call/reviewed', { section: 'faq' });
  await agent.post('/admin/before-you-call/reviewed', { section: 'checker' });
  await agent.post('/admin/before-you-call/reviewed', { section: 'threshold-guide' });
  assert.equal((await agent.post('/admin/before-you-call/reviewed', {})).status, 400, 'no section: refused');
  const reminders = () => ctx.db.selectFrom('notifications').selectAll().where('kind', '=', 'faq-review-due').where('authority_id', '=', 'norfolk').execute();
  assert.equal(await service.remindReviews(new Date('2026-12-10T08:00:00Z')), 0, 'not due within the month');
  assert.doesNotMatch(text((await agent.get('/admin/before-you-call')).body), /Review due/, 'no Review due yet');
  ctx.clock.set('2026-12-23T08:00:00Z');
  const sent = await service.remindReviews();
  assert.ok(sent >= 1, 'Norfolk reminded');
  const first = await reminders();
  assert.equal(first.length, 1, 'one email to the one administrator');
  assert.equal(first[0]!.to_address, admin.email, 'to the administrator');
  assert.match(first[0]!.text_body, /Frequently asked questions: last reviewed 23 November 2026/, 'names the FAQ and its review date');
  assert.match(text((await agent.get('/admin/before-you-call')).body), /Review due/, 'the admin page says Review due');
  await service.remindReviews();
  ctx.clock.set('2027-01-10T08:00:00Z');
  await service.remindReviews();
  assert.equal((await reminders()).length, 1, 'not sent again in the same period');
  ctx.clock.set('2027-01-23T08:00:00Z');
  await service.remindReviews();
  assert.equal((await reminders()).length, 2, 'sent again a month after the first reminder, still not reviewed');
  await agent.post('/admin/before-you-call/reviewed', { section: 'faq' });
  await agent.post('/admin/before-you-call/reviewed', { section: 'checker' });
  await agent.post('/admin/before-you-call/reviewed', { section: 'threshold-guide' });
  ctx.clock.set('2027-02-10T08:00:00Z');
  await service.remindReviews();
  assert.equal((await reminders()).length, 2, 'reviewed: nothing more until a month after the review');
  ctx.clock.set(OPEN);
});

test('the scheduled job runs the reminder through the queue', async () => {
  const stokeAdmin = await createUser(ctx, { role: 'administrator', authorityId: 'stoke-on-trent', email: 'bycadmin@stoke.example' });
  await new BeforeYouCallService(ctx).ensureSeeded('stoke-on-trent');
  await ctx.db.updateTable('before_you_call_sections').set({ last_reviewed_at: new Date('2026-09-01T09:00:00Z'), review_reminded_at: null }).where('authority_id', '=', 'stoke-on-trent').execute();
  ctx.clock.set(OPEN);
  await startBeforeYouCallWorker(ctx, 0.5);
  await ctx.jobs.sendNow(QUEUES.faqReviewReminder, {});
  const mine = () => ctx.db.selectFrom('notifications').select('to_address').where('kind', '=', 'faq-review-due').where('to_address', '=', stokeAdmin.email).execute();
  let rows: { to_address: string }[] = [];
  for (let i = 0; i < 100 && rows.length === 0; i++) {
    rows = await mine();
    if (rows.length === 0) await sleep(200);
  }
  assert.equal(rows.length, 1, 'the job emailed Stoke-on-Trent’s new administrator once');
});

test('partners ask a question: validated, stored, emailed and listed for the head of service', async () => {
  ctx.clock.set(OPEN);
  const visitor = new Agent(app);
  await visitor.get('/before-you-call/norfolk/ask');
  const empty = await visitor.post('/before-you-call/norfolk/ask', {});
  assert.equal(empty.status, 400, 'empty form refused');
  assert.deepEqual(errorSummary(empty.body).map(([href]) => href), ['#name', '#email', '#organisation', '#question'], 'every field in the error summary');
  const badEmail = await visitor.post('/before-you-call/norfolk/ask', { name: 'Sam Patel', email: 'not-an-email', organisation: 'Oakfield School', question: 'When?' });
  assert.deepEqual(errorSummary(badEmail.body), [['#email', 'Enter an email address in the correct format, like name@example.com']], 'email format');
  assert.match(badEmail.body, /value="Sam Patel"/, 'answers kept');
  assert.equal(await ctx.db.selectFrom('before_you_call_questions').select('id').execute().then((r) => r.length), 0, 'nothing saved');
  const ok = await visitor.post('/before-you-call/norfolk/ask', { name: 'Sam Patel', email: 'sam.patel@oakfield.example', organisation: 'Oakfield School', question: 'Can our DSL call for a colleague?' });
  assert.equal(ok.status, 302, 'sent');
  assert.equal(ok.location, '/before-you-call/norfolk/ask/sent', 'confirmation');
  assert.match((await visitor.get(ok.location!)).body, /Question sent/, 'confirmation page');
  const mail = await ctx.db.selectFrom('notifications').selectAll().where('kind', '=', 'partner-question').execute();
  assert.equal(mail.length, 1, 'one email');
  assert.equal(mail[0]!.to_address, 'nscp.business.unit@norfolk.example', 'to the questions inbox');
  const mgr = await signedInAgent(app, manager.email);
  const home = await mgr.get('/');
  assert.match(text(home.body), /1 new question from partners/, 'home panel count for the head of service');
  const list = await mgr.get('/before-you-call/questions');
  assert.equal(list.status, 200, 'list');
  assert.match(text(list.body), /Can our DSL call for a colleague\?/, 'question listed');
  const q = (await ctx.db.selectFrom('before_you_call_questions').select('id').executeTakeFirstOrThrow()).id;
  const noStatus = await mgr.post(`/before-you-call/questions/${q}`, {});
  assert.equal(noStatus.status, 400, 'status needed');
  assert.deepEqual(errorSummary(noStatus.body), [[`#status-${q}`, 'Select what happened to the question']], 'error');
  const done = await mgr.post(`/before-you-call/questions/${q}`, { status: 'added-to-faq', note: 'Added as a new FAQ' });
  assert.equal(done.status, 302, 'updated');
  assert.match(text((await mgr.get('/before-you-call/questions?status=added-to-faq')).body), /Added to the FAQ by Test team-manager/, 'recorded');
  assert.match(text((await mgr.get('/')).body), /0 new questions/, 'count goes down');
  const stokeMgr = await createUser(ctx, { role: 'team-manager', authorityId: 'stoke-on-trent' });
  const sm = await signedInAgent(app, stokeMgr.email);
  assert.doesNotMatch(text((await sm.get('/before-you-call/questions?status=all')).body), /Can our DSL/, 'Stoke-on-Trent does not see Norfolk’s questions');
  assert.equal((await sm.post(`/before-you-call/questions/${q}`, { status: 'answered' })).status, 404, 'nor change them');
  const worker = await createUser(ctx, { role: 'cads-worker' });
  assert.equal((await (await signedInAgent(app, worker.email)).get('/before-you-call/questions')).status, 403, 'a CADS worker is refused');
});

test('demo content loads once', async () => {
  assert.equal(await seedDemoBeforeYouCall(ctx, ctx.clock.now()), false, 'questions exist already: nothing done');
  await ctx.db.deleteFrom('before_you_call_questions').execute();
  assert.equal(await seedDemoBeforeYouCall(ctx, ctx.clock.now()), true, 'loaded');
  assert.equal(await seedDemoBeforeYouCall(ctx, ctx.clock.now()), false, 'second run does nothing');
  const n = await ctx.db.selectFrom('before_you_call_questions').select('id').execute();
  assert.equal(n.length, 4, 'two questions each for Norfolk and Stoke-on-Trent');
});
