/**
 * Overdue alerts: the scan finds open check requests past due in every authority and, once per
 * request, queues a notification to the agency's MASH lead and to each active MASH coordinator of
 * the request's authority, marks the request and audits it, in one transaction. The notifications
 * name no child, and the sender job delivers them through the mailbox, real SMTP and Notify.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import {
  createTestContext, createTestApp, createUser, createServiceAccount, completeConversationByApi, cleanUp, signedInAgent, type TestContext,
} from '../../../test/support/harness.js';
import { TestSmtpServer, waitFor } from '../../../test/support/smtp.js';
import { FakeNotify, createNotifyTestContext, type NotifyTestContext } from '../../../test/support/fake-notify.js';
import type { Principal, Role } from '../../platform/auth/roles.js';
import { QUEUES } from '../../platform/jobs.js';
import { SmtpMailer } from '../../platform/mail/smtp-mailer.js';
import { MashService } from './mash.service.js';
import { MashAlerts, startMashAlertsWorker } from './mash-alerts.js';
import { NotificationSender } from './notifications.js';

const FAMILY = 'Quillfeather';

async function principal(ctx: TestContext, role: Role, opts: { authorityId?: string; agencyCode?: string; email?: string } = {}): Promise<Principal> {
  const u = await createUser(ctx, { role, ...opts });
  return {
    kind: 'user', id: u.id, authorityId: opts.authorityId ?? 'norfolk', role, displayName: `Test ${role}`,
    agencyCode: opts.agencyCode ?? (role === 'partner-practitioner' ? 'police' : null), teamId: null, email: u.email,
  };
}

async function lockVersion(ctx: TestContext, id: string): Promise<number> {
  return (await ctx.db.selectFrom('mash_enquiries').select('lock_version').where('id', '=', id).executeTakeFirstOrThrow()).lock_version;
}

const answer = {
  kind: 'response', nothingKnown: true, holds: null, sourceSystem: 'SystmOne', checkedOn: '2026-11-23', riskInformation: null, lawfulBasisCode: 'public-task-children-act',
};

/** An enquiry from a completed conversation, rated red (due 14:00 on Monday) with requests to police, health and education. */
async function overdueSetup(ctx: TestContext, app: FastifyInstance) {
  const service = new MashService(ctx);
  const worker = await principal(ctx, 'cads-worker');
  const coordinator = await principal(ctx, 'mash-coordinator', { email: 'mash.coordinator.one@norfolk.example' });
  const health = await principal(ctx, 'partner-practitioner', { agencyCode: 'health' });
  const token = await createServiceAccount(ctx, { role: 'cads-worker' });
  const c = await completeConversationByApi(app, token, { workerEmail: worker.email!, callerEmail: null, familyName: FAMILY });
  const enquiry = await ctx.db.selectFrom('mash_enquiries').selectAll().where('conversation_id', '=', c.id).executeTakeFirstOrThrow();
  assert.ok((await service.rate(coordinator, enquiry.id, 'red', null, await lockVersion(ctx, enquiry.id))).ok);
  assert.ok((await service.sendRequests(coordinator, enquiry.id, ['police', 'health', 'education'])).ok);
  const requests = Object.fromEntries(
    (await ctx.db.selectFrom('mash_check_requests').selectAll().where('enquiry_id', '=', enquiry.id).execute()).map((r) => [r.agency_code, r]),
  );
  const h = await service.respond(health, requests.health!.id, answer);
  assert.ok(h.ok);
  return { service, coordinator, enquiry: (await ctx.db.selectFrom('mash_enquiries').selectAll().where('id', '=', enquiry.id).executeTakeFirstOrThrow()), requests };
}

describe('overdue MASH check alerts', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let alerts: MashAlerts;
  let setup: Awaited<ReturnType<typeof overdueSetup>>;

  before(async () => {
    // Monday 23 November 2026, 10:00 in London: red is 4 working hours, so due at 14:00.
    ctx = await createTestContext('2026-11-23T10:00:00Z');
    app = await createTestApp(ctx);
    alerts = new MashAlerts(ctx);
    setup = await overdueSetup(ctx, app);
    // A coordinator who has left (disabled), and coordinators elsewhere, are not told.
    const gone = await createUser(ctx, { role: 'mash-coordinator', email: 'mash.coordinator.gone@norfolk.example' });
    await ctx.db.updateTable('users').set({ disabled_at: new Date('2026-11-01T00:00:00Z') }).where('id', '=', gone.id).execute();
    await createUser(ctx, { role: 'mash-coordinator', authorityId: 'stoke-on-trent', email: 'mash.coordinator@stoke.example' });
    // Another role of the same authority is not told either.
    await createUser(ctx, { role: 'team-manager', email: 'manager@norfolk.example' });
  });

  after(async () => {
    await cleanUp(() => app?.close(), () => ctx?.close());
  });

  test('nothing is sent before a request is due', async () => {
    ctx.clock.set('2026-11-23T13:59:00Z');
    assert.equal(await alerts.scan(), 0);
    assert.equal((await ctx.db.selectFrom('notifications').select('id').execute()).length, 0);
  });

  test('past due: one transaction per request queues the agency lead and active coordinators, marks it and audits it', async () => {
    ctx.clock.set('2026-11-23T15:30:00Z');
    assert.equal(await alerts.scan(), 2);
    const rows = await ctx.db.selectFrom('notifications').selectAll().orderBy('to_address').execute();
    const byRequest = (code: string) => rows.filter((n) => n.mash_request_id === setup.requests[code]!.id).map((n) => n.to_address);
    assert.deepEqual(byRequest('police'), ['mash.coordinator.one@norfolk.example', 'police.mash.lead@norfolk.example']);
    assert.deepEqual(byRequest('education'), ['education.mash.lead@norfolk.example', 'mash.coordinator.one@norfolk.example']);
    // Health answered in time: no alert.
    assert.deepEqual(byRequest('health'), []);
    for (const n of rows) {
      assert.equal(n.kind, 'mash-request-overdue');
      assert.equal(n.authority_id, 'norfolk');
      assert.equal(n.status, 'queued');
    }
    const reqs = await ctx.db.selectFrom('mash_check_requests').select(['agency_code', 'overdue_alerted_at']).where('enquiry_id', '=', setup.enquiry.id).orderBy('agency_code').execute();
    assert.deepEqual(reqs.map((r) => [r.agency_code, r.overdue_alerted_at?.toISOString() ?? null]), [
      ['education', '2026-11-23T15:30:00.000Z'], ['health', null], ['police', '2026-11-23T15:30:00.000Z'],
    ]);
    // Each notification has its send job, queued in the same transaction.
    const jobs = await sql<{ id: string }>`select data->>'notificationId' as id from ${sql.table(`${ctx.schema}_jobs.job`)} where name = ${QUEUES.sendNotification}`.execute(ctx.db);
    assert.deepEqual(jobs.rows.map((j) => j.id).sort(), rows.map((n) => n.id).sort());
    const audit = await ctx.db.selectFrom('audit_events').selectAll().where('action', '=', 'mash.overdue-alerted').execute();
    assert.equal(audit.length, 2);
    for (const a of audit) {
      assert.equal(a.entity_id, setup.enquiry.id);
      assert.equal(a.person_id, null);
      const d = a.details as { requestId: string; notificationIds: string[]; authorityId: string };
      assert.equal(d.authorityId, 'norfolk');
      assert.equal(d.notificationIds.length, 2);
    }
  });

  test('the alert gives the reference, the agency, when it was due, how overdue and the sign-in link, and names no child', async () => {
    const n = await ctx.db.selectFrom('notifications').selectAll().where('mash_request_id', '=', setup.requests.police!.id).where('to_address', '=', 'police.mash.lead@norfolk.example').executeTakeFirstOrThrow();
    assert.equal(n.subject, `Overdue MASH check: Police, enquiry ${setup.enquiry.reference}`);
    for (const body of [n.text_body, n.html]) {
      assert.ok(body.includes(setup.enquiry.reference));
      assert.ok(body.includes('Police'));
      assert.ok(body.includes('23 November 2026 at 2pm'), body);
      assert.ok(body.includes('overdue by 1 hour 30 minutes'), body);
      assert.ok(body.includes(`${ctx.config.baseUrl}/sign-in?next=%2Fmash%2Frequests%2F${setup.requests.police!.id}`), 'the lead is taken to the request');
    }
    // A coordinator's copy goes to the enquiry instead.
    const theirs = await ctx.db.selectFrom('notifications').selectAll().where('mash_request_id', '=', setup.requests.police!.id).where('to_address', '<>', 'police.mash.lead@norfolk.example').executeTakeFirstOrThrow();
    assert.ok(theirs.text_body.includes(`/sign-in?next=%2Fmash%2Fenquiries%2F${setup.enquiry.id}`), 'the coordinator is taken to the enquiry');
    const children = await ctx.db.selectFrom('persons').select(['given_name', 'family_name']).execute();
    for (const p of children) {
      for (const name of [p.given_name, p.family_name].filter((x): x is string => !!x && x.length > 2)) {
        for (const part of [n.subject, n.text_body, n.html]) assert.ok(!part.includes(name), `the alert names no one (${name})`);
      }
    }
  });

  test('running again sends nothing twice', async () => {
    const before = (await ctx.db.selectFrom('notifications').select('id').execute()).length;
    assert.equal(await alerts.scan(), 0);
    ctx.clock.set('2026-11-24T09:00:00Z');
    assert.equal(await alerts.scan(), 0);
    // Even a request whose mark were lost gets no second notification to the same addresses.
    await ctx.db.updateTable('mash_check_requests').set({ overdue_alerted_at: null }).where('id', '=', setup.requests.police!.id).execute();
    await Promise.all([alerts.scan(), alerts.scan()]);
    assert.equal((await ctx.db.selectFrom('notifications').select('id').execute()).length, before);
    const jobs = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${ctx.schema}_jobs.job`)} where name = ${QUEUES.sendNotification}`.execute(ctx.db);
    assert.equal(jobs.rows[0]!.n, before);
  });

  test('the sender job delivers each notification once to the local mailbox, without a PDF', async () => {
    await startMashAlertsWorker(ctx, 0.5);
    const sent = await waitFor(async () => {
      const rows = await ctx.db.selectFrom('notifications').selectAll().execute();
      return rows.every((r) => r.status === 'sent') ? rows : null;
    }, 30_000, 'every notification sent');
    const box = await ctx.db.selectFrom('mailbox_messages').selectAll().where('notification_id', 'is not', null).execute();
    assert.equal(box.length, sent.length);
    for (const m of box) {
      const n = sent.find((x) => x.id === m.notification_id)!;
      assert.equal(m.to_address, n.to_address);
      assert.equal(m.subject, n.subject);
      assert.equal(m.written_record_id, null);
      assert.equal(m.pdf, null);
      assert.equal(n.provider, 'mailbox');
    }
    // A retried job finds it sent and leaves it.
    await new NotificationSender(ctx).deliver(sent[0]!.id, { retryCount: 1, retryLimit: 3 });
    assert.equal((await ctx.db.selectFrom('mailbox_messages').select('id').where('notification_id', 'is not', null).execute()).length, sent.length);
  });

  test('the local mailbox page shows a notification, with no attachment and no audit of a child’s record', async () => {
    const u = await createUser(ctx, { role: 'cads-worker' });
    const agent = await signedInAgent(app, u.email);
    const m = await ctx.db.selectFrom('mailbox_messages').select(['id', 'subject']).where('notification_id', 'is not', null).limit(1).executeTakeFirstOrThrow();
    const list = await agent.get('/mailbox');
    assert.equal(list.status, 200);
    assert.ok(list.body.includes(`/mailbox/${m.id}`));
    const page = await agent.get(`/mailbox/${m.id}`);
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes('Attachment'));
    assert.ok(page.body.includes('as the recipient sees it'));
    assert.equal((await agent.get(`/mailbox/${m.id}/html`)).status, 200);
    assert.equal((await agent.get(`/mailbox/${m.id}/pdf`)).status, 404);
    assert.equal((await ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'written-record.previewed').execute()).length, 0);
  });

  test('the scan is scheduled every five minutes', async () => {
    const schedules = await sql<{ name: string; cron: string }>`select name, cron from ${sql.table(`${ctx.schema}_jobs.schedule`)} where name = ${QUEUES.mashOverdueScan}`.execute(ctx.db);
    assert.deepEqual(schedules.rows, [{ name: QUEUES.mashOverdueScan, cron: '*/5 * * * *' }]);
  });
});

describe('overdue alerts through real SMTP', () => {
  let smtp: TestSmtpServer;
  let ctx: TestContext;
  let app: FastifyInstance;

  before(async () => {
    smtp = await TestSmtpServer.start();
    ctx = await createTestContext('2026-11-23T10:00:00Z', { mailer: (c) => new SmtpMailer(smtp.url, c.config.mail.from) });
    app = await createTestApp(ctx);
  });

  after(async () => {
    await cleanUp(() => app?.close(), () => ctx?.close(), () => smtp?.close());
  });

  test('each recipient gets a plain email with no attachment', async () => {
    const setup = await overdueSetup(ctx, app);
    ctx.clock.set('2026-11-23T14:05:00Z');
    assert.equal(await new MashAlerts(ctx).scan(), 2);
    const ids = (await ctx.db.selectFrom('notifications').select('id').execute()).map((r) => r.id);
    const sender = new NotificationSender(ctx);
    for (const id of ids) await sender.deliver(id, { retryCount: 0, retryLimit: 3 });
    await waitFor(() => smtp.messages.length >= 4, 30_000, 'four emails');
    const police = smtp.messages.find((m) => m.to.includes('police.mash.lead@norfolk.example'))!;
    assert.equal(police.subject, `Overdue MASH check: Police, enquiry ${setup.enquiry.reference}`);
    assert.equal(police.parsed.attachments.length, 0);
    assert.ok(police.text.includes('overdue by 5 minutes'));
    assert.ok(!police.text.includes(FAMILY) && !police.html.includes(FAMILY));
    const rows = await ctx.db.selectFrom('notifications').select(['status', 'provider']).execute();
    assert.ok(rows.every((r) => r.status === 'sent' && r.provider === 'smtp'));
  });
});

describe('overdue alerts through GOV.UK Notify', () => {
  let notify: FakeNotify;
  let ctx: NotifyTestContext;
  let app: FastifyInstance;

  before(async () => {
    notify = await FakeNotify.start();
    ctx = await createNotifyTestContext(notify, '2026-11-23T10:00:00Z');
    app = await createTestApp(ctx);
  });

  after(async () => {
    await cleanUp(() => app?.close(), () => ctx?.close(), () => notify?.close());
  });

  test('the authority template is used with the body and no file; a refused address fails for good without retrying', async () => {
    await overdueSetup(ctx, app);
    ctx.clock.set('2026-11-23T16:00:00Z');
    assert.equal(await new MashAlerts(ctx).scan(), 2);
    const rows = await ctx.db.selectFrom('notifications').selectAll().orderBy('to_address').execute();
    const sender = new NotificationSender(ctx);
    notify.invalidAddresses(/^police\./);
    for (const n of rows) await sender.deliver(n.id, { retryCount: 0, retryLimit: 3 });
    const after = await ctx.db.selectFrom('notifications').selectAll().orderBy('to_address').execute();
    const police = after.find((n) => n.to_address.startsWith('police.'))!;
    assert.equal(police.status, 'failed');
    assert.match(police.last_error ?? '', /^notify-400/);
    const others = after.filter((n) => n !== police);
    assert.ok(others.every((n) => n.status === 'sent' && n.provider === 'notify'));
    assert.equal(notify.emails.length, others.length);
    const profile = ctx.profiles.get('norfolk');
    for (const e of notify.emails) {
      assert.equal(e.templateId, profile.writtenRecord.notifyTemplateId);
      assert.equal(e.personalisation.link_to_file as unknown, '');
      assert.ok(e.personalisation.body.includes('overdue by 2 hours'));
    }
  });
});
