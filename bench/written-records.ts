/**
 * Issue 4 measurements: how long the written record takes to render (HTML and PDF), and the
 * end-to-end time from completing a conversation to the email being accepted by an SMTP server,
 * through the real path: the job enqueued in the completion transaction, the worker, nodemailer.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { Principal } from '../src/platform/auth/roles.js';
import type { AuditContext } from '../src/platform/audit.js';
import { ConversationsService } from '../src/features/conversations/conversations.service.js';
import { WrittenRecordsService } from '../src/features/written-records/written-records.service.js';
import { startWrittenRecordWorker } from '../src/features/written-records/worker.js';
import { renderHtml } from '../src/features/written-records/render-html.js';
import { renderPdf } from '../src/features/written-records/render-pdf.js';
import { SmtpMailer } from '../src/platform/mail/smtp-mailer.js';
import { QUEUES } from '../src/platform/jobs.js';
import type { BenchContext } from './engine.js';
import { conversationInput, pickTwo } from './data.js';
import { closedLoop, msSince, now, sampleSerial, summarise, type Rng } from './stats.js';

export interface WrittenRecordsConfig {
  renderRuns: number;
  endToEndRecords: number;
  concurrency: number;
}

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

export async function benchWrittenRecords(ctx: BenchContext, principal: Principal, r: Rng, pool: readonly string[], cfg: WrittenRecordsConfig) {
  const audit: AuditContext = { principal, ip: '127.0.0.1', requestId: null };
  const profile = ctx.profiles.get(principal.authorityId);

  // An SMTP server in this process that notes when each message is accepted.
  const accepted = new Map<string, bigint>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4000) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const id = head.match(/^Message-ID:\s*<([^@>]+)@front-door>/im)?.[1];
        if (id) accepted.set(id, now());
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}?tls=off`, 'Front Door <bench@front-door.localhost>');
  const wctx = { ...ctx, mailer };
  const records = new WrittenRecordsService(wctx);
  const conversations = new ConversationsService(ctx.db, ctx.clock, ctx.profiles, ctx.calendars, records);

  try {
    // Rendering, from one completed two-child conversation.
    const sample = conversationInput(r, profile, pickTwo(r, pool));
    const made = await conversations.createWhole(principal, sample.fields, sample.children, true, audit);
    const version = 1;
    const rendered = await records.render(ctx.db, made.id, version, null);
    log(`${ctx.engine}: render x${cfg.renderRuns}`);
    const html = await sampleSerial(cfg.renderRuns, 20, () => renderHtml(rendered.model));
    const pdf = await sampleSerial(cfg.renderRuns, 10, () => renderPdf(rendered.model));
    const full = await sampleSerial(Math.ceil(cfg.renderRuns / 2), 5, () => records.render(ctx.db, made.id, version, null));

    // End to end: complete N conversations while a worker sends their records. The save phase
    // left its records' jobs queued; clear them so this measures only its own records.
    await ctx.jobs.boss.purgeQueue(QUEUES.sendWrittenRecord);
    await startWrittenRecordWorker(wctx, 0.5, 4);
    const inputs = Array.from({ length: cfg.endToEndRecords }, () => conversationInput(r, profile, pickTwo(r, pool)));
    const completedAt = new Map<string, bigint>();
    log(`${ctx.engine}: end to end x${cfg.endToEndRecords} (completion → SMTP accepted)`);
    const started = now();
    const loop = await closedLoop(cfg.concurrency, inputs.length, async (i) => {
      const c = inputs[i]!;
      const res = await conversations.createWhole(principal, c.fields, c.children, true, audit);
      completedAt.set(res.id, now());
    });
    const ids = [...completedAt.keys()];
    const recordOf = new Map(
      (await ctx.db.selectFrom('written_records').select(['id', 'conversation_id']).where('conversation_id', 'in', ids).execute()).map((x) => [x.conversation_id, x.id]),
    );
    const deadline = Date.now() + 300_000;
    while ([...recordOf.values()].some((id) => !accepted.has(id)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const wallMs = msSince(started);
    const latencies = ids.flatMap((cid) => {
      const rid = recordOf.get(cid);
      const a = rid ? accepted.get(rid) : undefined;
      return a ? [Number(a - completedAt.get(cid)!) / 1e6] : [];
    });
    const statuses = await ctx.db.selectFrom('written_records').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).where('conversation_id', 'in', ids).groupBy('status').execute();
    return {
      renderMs: {
        html: { method: 'renderHtml(model) for a two-child record', ...html },
        pdf: { method: 'renderPdf(model) (pdfkit, tagged PDF)', ...pdf },
        fromDatabase: { method: 'WrittenRecordsService.render: read the version, build the model, HTML + text + PDF', ...full },
        htmlBytes: rendered.html.length,
        pdfBytes: rendered.pdf.length,
      },
      endToEnd: {
        method: `ConversationsService.createWhole(complete=true) at concurrency ${cfg.concurrency} with a worker of 4 takers (pg-boss, polling every 0.5 s) sending through nodemailer to an SMTP server in this process; latency = SMTP server accepted the message − completion committed`,
        records: cfg.endToEndRecords,
        completionErrors: loop.errors,
        delivered: latencies.length,
        statuses: Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])),
        wallMs: Math.round(wallMs),
        recordsPerSecond: Math.round((latencies.length / wallMs) * 1000 * 10) / 10,
        latencyMs: summarise(latencies),
      },
    };
  } finally {
    await ctx.jobs.stop().catch(() => {});
    await mailer.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
}
