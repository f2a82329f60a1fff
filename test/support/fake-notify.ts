/**
 * A stand-in for GOV.UK Notify on 127.0.0.1, speaking enough of its API for the written record:
 * `POST /v2/notifications/email`, authenticated like Notify (a HS256 JWT whose `iss` is the
 * service id and whose signature uses the API key's secret), validating the request the way
 * Notify's schema does, and answering with Notify's response and error shapes:
 *
 * - 201 `{ id, reference, content, uri, template, scheduled_for }`;
 * - 400 `ValidationError` (`email_address Not a valid email address`) for addresses matching
 *   `invalidAddresses(/pattern/)`, or a malformed body; `BadRequestError` for a missing
 *   personalisation field or an unknown template;
 * - 401 / 403 `AuthError` for a missing or bad token (see `revokeKey()`);
 * - 500 `Exception` or 429 `RateLimitError` on demand (`failNext(500 | 429, times)`).
 *
 * Every request is recorded in `requests`; accepted emails (with the decoded attachment) in
 * `emails`. `postNotifyCallback` plays Notify's delivery receipt back to the app, and
 * `createNotifyTestContext` builds a test context that sends through this server.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createMailer } from '../../src/platform/mail/index.js';
import { createTestContext, type TestContext } from './harness.js';

export interface NotifyRequest {
  method: string;
  path: string;
  /** The answer the fake gave. */
  status: number;
  authorization: string | undefined;
  body: unknown;
}

export interface NotifyFile {
  file: string;
  filename: string | null;
  confirm_email_before_download: boolean | null;
  retention_period: string | null;
}

export interface NotifyEmail {
  /** Notify's id for the notification (the app keeps it as provider_message_id). */
  id: string;
  templateId: string;
  emailAddress: string;
  reference: string | null;
  /** `link_to_file` is '' (not a file) for a notification to staff. */
  personalisation: { subject: string; body: string; link_to_file: NotifyFile } & Record<string, unknown>;
  /** The decoded `link_to_file.file` (empty for a notification without a file). */
  file: Buffer;
  createdAt: Date;
}

export type NotifyStatus = 'delivered' | 'permanent-failure' | 'temporary-failure' | 'technical-failure' | 'sending' | 'created';

/** The JSON Notify posts to a service's delivery-status callback URL. */
export interface NotifyReceipt {
  id: string;
  reference: string | null;
  to: string;
  status: NotifyStatus | string;
  created_at: string;
  completed_at: string | null;
  sent_at: string | null;
  notification_type: 'email' | 'sms';
  template_id?: string;
  template_version?: number;
}

type Errors = { status_code: number; errors: { error: string; message: string }[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Notify's own check is stricter; this is enough to tell an address from a typo. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The placeholders the authority's written-record template contains (see NotifyMailer). */
const TEMPLATE_FIELDS = ['subject', 'body', 'link_to_file'] as const;

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

export class FakeNotify {
  readonly requests: NotifyRequest[] = [];
  readonly emails: NotifyEmail[] = [];
  readonly serviceId = randomUUID();
  private secret = randomUUID();
  private server: Server | null = null;
  private port = 0;
  private invalid: RegExp | null = null;
  private failures: { status: 500 | 429; left: number }[] = [];

  private constructor(private readonly templateIds: string[] | null) {}

  /** `templateIds`: the templates the service has (any id is accepted when not given). */
  static async start(opts: { templateIds?: string[] } = {}): Promise<FakeNotify> {
    const fake = new FakeNotify(opts.templateIds ?? null);
    const server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.server = server;
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A key in Notify's format: `{key name}-{service id}-{secret}`. */
  get apiKey(): string {
    return `front-door-test-${this.serviceId}-${this.secret}`;
  }

  /** Revokes the current API key (its tokens now get 403) and issues a new one. */
  revokeKey(): void {
    this.secret = randomUUID();
  }

  /** Addresses matching the pattern are refused with Notify's 400 ValidationError (null to stop). */
  invalidAddresses(pattern: RegExp | null): void {
    this.invalid = pattern;
  }

  /** The next `times` email requests get this status (500 Exception or 429 RateLimitError). */
  failNext(status: 500 | 429, times = 1): void {
    this.failures.push({ status, left: times });
  }

  /** Email requests (not other paths), optionally for one `reference`. */
  emailRequests(reference?: string): NotifyRequest[] {
    return this.requests.filter((r) => r.path === '/v2/notifications/email' && (reference === undefined || (r.body as { reference?: unknown })?.reference === reference));
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Checks a Notify bearer token; returns the AuthError message, or null when it is good. */
  private authError(header: string | undefined): { status: number; message: string } | null {
    const token = header?.match(/^Bearer\s+(\S+)$/)?.[1];
    if (!token) return { status: 401, message: 'Unauthorized: authentication token must be provided' };
    const parts = token.split('.');
    if (parts.length !== 3) return { status: 403, message: 'Invalid token: signature, api token not found' };
    const [h, p, s] = parts as [string, string, string];
    let header_: { alg?: unknown; typ?: unknown };
    let payload: { iss?: unknown; iat?: unknown };
    try {
      header_ = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return { status: 403, message: 'Invalid token: signature, api token not found' };
    }
    if (header_.alg !== 'HS256' || header_.typ !== 'JWT') return { status: 403, message: 'Invalid token: algorithm used is not HS256' };
    if (typeof payload.iss !== 'string') return { status: 403, message: 'Invalid token: iss field not provided' };
    if (payload.iss !== this.serviceId) return { status: 403, message: 'Invalid token: service not found' };
    const expected = Buffer.from(b64url(createHmac('sha256', this.secret).update(`${h}.${p}`).digest()));
    const given = Buffer.from(s);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { status: 403, message: 'Invalid token: signature, api token not found' };
    if (typeof payload.iat !== 'number') return { status: 403, message: 'Invalid token: iat field not provided' };
    if (Math.abs(Date.now() / 1000 - payload.iat) > 30) return { status: 403, message: 'Error: Your system clock must be accurate to within 30 seconds' };
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    let badJson = false;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
      }
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const record: NotifyRequest = { method: req.method ?? 'GET', path, status: 0, authorization: req.headers.authorization, body: badJson ? text : body };
    this.requests.push(record);
    const send = (status: number, json: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const fail = (status: number, error: string, message: string) => send(status, { status_code: status, errors: [{ error, message }] } satisfies Errors);

    if (req.method !== 'POST' || path !== '/v2/notifications/email') return fail(404, 'BadRequestError', 'Not found');
    const auth = this.authError(req.headers.authorization);
    if (auth) return fail(auth.status, 'AuthError', auth.message);
    const failure = this.failures[0];
    if (failure) {
      if (--failure.left <= 0) this.failures.shift();
      if (failure.status === 429) return fail(429, 'RateLimitError', 'Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds');
      return fail(500, 'Exception', 'Internal server error');
    }
    if (badJson || typeof body !== 'object' || body === null || Array.isArray(body)) return fail(400, 'BadRequestError', 'Invalid JSON supplied in POST data');

    const b = body as Record<string, unknown>;
    const problems: string[] = [];
    if (b.template_id === undefined) problems.push('template_id is a required property');
    else if (typeof b.template_id !== 'string' || !UUID.test(b.template_id)) problems.push('template_id is not a valid UUID');
    if (b.email_address === undefined) problems.push('email_address is a required property');
    else if (typeof b.email_address !== 'string' || !EMAIL.test(b.email_address) || this.invalid?.test(b.email_address)) problems.push('email_address Not a valid email address');
    if (b.reference !== undefined && b.reference !== null && typeof b.reference !== 'string') problems.push('reference is not of type string');
    if (b.email_reply_to_id !== undefined && (typeof b.email_reply_to_id !== 'string' || !UUID.test(b.email_reply_to_id))) problems.push('email_reply_to_id is not a valid UUID');
    const pers = b.personalisation;
    if (pers !== undefined && (typeof pers !== 'object' || pers === null || Array.isArray(pers))) problems.push('personalisation is not of type object');
    if (problems.length) return send(400, { status_code: 400, errors: problems.map((message) => ({ error: 'ValidationError', message })) } satisfies Errors);

    if (this.templateIds && !this.templateIds.includes(b.template_id as string)) return fail(400, 'BadRequestError', 'Template not found');
    const p = (pers ?? {}) as Record<string, unknown>;
    const missing = TEMPLATE_FIELDS.filter((f) => p[f] === undefined || p[f] === null);
    if (missing.length) return fail(400, 'BadRequestError', `Missing personalisation: ${missing.join(', ')}`);
    if (typeof p.subject !== 'string' || typeof p.body !== 'string') return fail(400, 'ValidationError', 'personalisation subject and body must be text');

    // A file to send by link: { file: base64, filename, confirm_email_before_download, retention_period }.
    // A notification to staff carries no file and fills the placeholder with empty text, which
    // Notify accepts like any other text.
    const link = p.link_to_file as Partial<NotifyFile> | string;
    const noFile = link === '';
    if (!noFile && (typeof link !== 'object' || typeof link.file !== 'string')) return fail(400, 'BadRequestError', 'link_to_file must be a file prepared with prepareUpload');
    const file = noFile ? Buffer.alloc(0) : Buffer.from((link as Partial<NotifyFile>).file!, 'base64');
    if (!noFile && typeof link === 'object') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(link.file!) || link.file!.length % 4 !== 0) return fail(400, 'ValidationError', 'link_to_file is not valid base64');
    if (file.length === 0) return fail(400, 'BadRequestError', 'File did not pass the virus scan');
    if (file.length > 2 * 1024 * 1024) return fail(400, 'BadRequestError', 'File is larger than 2MB');
    if (link.filename !== undefined && link.filename !== null && (typeof link.filename !== 'string' || !/\.[A-Za-z0-9]+$/.test(link.filename))) {
      return fail(400, 'BadRequestError', 'filename must end with a file extension');
    }
    if (link.retention_period !== undefined && link.retention_period !== null && !/^([1-9]|[1-6][0-9]|7[0-8]) weeks?$/.test(String(link.retention_period))) {
      return fail(400, 'BadRequestError', 'Unsupported value for retention_period');
    }
    }

    const id = randomUUID();
    const email: NotifyEmail = {
      id,
      templateId: b.template_id as string,
      emailAddress: b.email_address as string,
      reference: (b.reference as string | undefined) ?? null,
      personalisation: p as NotifyEmail['personalisation'],
      file,
      createdAt: new Date(),
    };
    this.emails.push(email);
    const documentUrl = `https://documents.service.gov.uk/d/${this.serviceId}/${randomUUID()}?key=${b64url(randomBytes(16))}`;
    send(201, {
      id,
      reference: email.reference,
      content: {
        subject: p.subject,
        body: noFile ? p.body : `${p.body}\n\n${documentUrl}`,
        from_email: 'front.door@notifications.service.gov.uk',
        one_click_unsubscribe_url: null,
      },
      uri: `${this.baseUrl}/v2/notifications/${id}`,
      template: { id: email.templateId, version: 1, uri: `${this.baseUrl}/v2/template/${email.templateId}` },
      scheduled_for: null,
    });
  }
}

/** Notify's delivery receipt for an email this fake accepted. */
export function notifyReceipt(email: NotifyEmail, status: NotifyStatus | string, at = new Date()): NotifyReceipt {
  const final = !['sending', 'created'].includes(status);
  return {
    id: email.id,
    reference: email.reference,
    to: email.emailAddress,
    status,
    created_at: email.createdAt.toISOString(),
    completed_at: final ? at.toISOString() : null,
    sent_at: at.toISOString(),
    notification_type: 'email',
    template_id: email.templateId,
    template_version: 1,
  };
}

/**
 * Posts a delivery receipt to the app's callback, as Notify does: JSON, with the callback token
 * the service gave Notify as a bearer token (none when `token` is null). `target` is the app
 * (injected) or a base URL (a real HTTP request).
 */
export async function postNotifyCallback(target: FastifyInstance | string, token: string | null, receipt: NotifyReceipt): Promise<{ status: number; body: string; json(): unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (typeof target === 'string') {
    const res = await fetch(`${target}/api/v1/notify/callback`, { method: 'POST', headers, body: JSON.stringify(receipt) });
    const body = await res.text();
    return { status: res.status, body, json: () => JSON.parse(body) };
  }
  const res = await target.inject({ method: 'POST', url: '/api/v1/notify/callback', headers, payload: JSON.stringify(receipt) });
  return { status: res.statusCode, body: res.body, json: () => res.json() };
}

export interface NotifyTestContext extends TestContext {
  notifyCallbackToken: string;
}

/**
 * A test context that sends through `notify`: `config.mail` says provider 'notify' with the fake's
 * key and base URL and a fresh callback token, and the mailer is built from that config exactly
 * as main.ts builds it. Build the app (createTestApp) after this, so it sees the same config.
 */
export async function createNotifyTestContext(notify: FakeNotify, now?: string): Promise<NotifyTestContext> {
  const notifyCallbackToken = randomBytes(24).toString('hex');
  const ctx = await createTestContext(now, {
    mailer: (c) => {
      c.config.mail = { ...c.config.mail, provider: 'notify', notifyApiKey: notify.apiKey, notifyBaseUrl: notify.baseUrl, notifyCallbackToken };
      return createMailer(c.config, c.db, c.clock);
    },
  });
  // The same object the mailer factory changed; set again so nothing depends on that.
  ctx.config.mail = { ...ctx.config.mail, provider: 'notify', notifyApiKey: notify.apiKey, notifyBaseUrl: notify.baseUrl, notifyCallbackToken };
  return Object.assign(ctx, { notifyCallbackToken });
}
