/**
 * A real SMTP server in the test process, for the mail tests: it listens on 127.0.0.1 (a random
 * port unless told), speaks plain SMTP without TLS, parses every accepted message with
 * mailparser, and can be told to misbehave the ways real relays do:
 *
 * - `rejectRecipients(/pattern/)`: RCPT TO for a matching address gets 550 (permanent);
 * - `failTemporarily(n)`: the next n messages get 451 at the end of DATA (temporary);
 * - `stallAtData()`: the next message is read in full but not answered until released (a
 *   sender killed while waiting for the reply never learns whether it was accepted); when
 *   released it is refused with 451 and kept in `aborted`, never in `messages`;
 * - `stop()` / `start()`: down and back up on the SAME port ("the relay is away").
 *
 * `messages` holds only what the server accepted (answered 250), so counting it is counting
 * deliveries. Point SmtpMailer at `server.url`.
 */
import { createServer, type AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedEmail {
  /** MAIL FROM and RCPT TO, as the client gave them. */
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
  subject: string;
  /** The To header's addresses. */
  to: string[];
  html: string;
  text: string;
  messageId: string | undefined;
}

export interface SmtpEvent {
  /** What the server answered and when. */
  kind: 'rejected-recipient' | 'temporary-failure' | 'accepted' | 'aborted';
  code: number;
  recipients: string[];
}

export interface Stall {
  /** Resolves when a client has started sending DATA for the stalled message. */
  reached: Promise<void>;
  /** Lets the stalled message go: it is refused with 451 (the client is usually gone by then). */
  release(): void;
}

/** Polls `fn` every 100 ms until it returns something truthy (which is returned), or fails after `timeoutMs`. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 30_000, what = 'the condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message ?? lastError}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A free TCP port on 127.0.0.1, not listened on by anyone when this returns. */
export async function reservePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export class TestSmtpServer {
  /** Accepted messages, in the order they were accepted. */
  readonly messages: ReceivedEmail[] = [];
  /** Messages that were stalled and then refused: never delivered, whatever the client did. */
  readonly aborted: { envelope: { from: string; to: string[] }; bytes: number; clientGone: boolean }[] = [];
  /** Every answer that decided a message's fate, in order. */
  readonly events: SmtpEvent[] = [];

  private server: SMTPServer | null = null;
  private rejectPattern: RegExp | null = null;
  private temporaryFailures = 0;
  private stalls: { reached: () => void; released: Promise<void>; release: () => void }[] = [];
  private pendingStalls = new Set<() => void>();
  private hold: { remaining: number; reached: () => void; released: Promise<void>; count: number } | null = null; // issue10-G

  private constructor(public port: number) {}

  /** Starts a server on `port` (default: a random free one). */
  static async start(port = 0): Promise<TestSmtpServer> {
    const s = new TestSmtpServer(port);
    await s.start();
    return s;
  }

  /** A URL for SmtpMailer: plain SMTP, no TLS. */
  get url(): string {
    return TestSmtpServer.urlFor(this.port);
  }

  static urlFor(port: number): string {
    return `smtp://127.0.0.1:${port}?tls=off`;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Recipients matching the pattern get 550 at RCPT TO (null to stop rejecting). */
  rejectRecipients(pattern: RegExp | null): void {
    this.rejectPattern = pattern;
  }

  /** The next `times` messages are answered 451 after their DATA (0 to stop). */
  failTemporarily(times = 1): void {
    this.temporaryFailures = times;
  }

  /** The next message is held at DATA until released. */
  stallAtData(): Stall {
    let reached!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    this.stalls.push({ reached, released, release });
    return { reached: reachedP, release };
  }

  /**
   * issue10-G: the first `n` messages from now go through as usual; every later one is held at DATA
   * until released, then refused with 451 (kept in `aborted`), like `stallAtData` but for all of them.
   * With nothing more being accepted, a test can wait for the sender to record what was accepted and
   * then kill it mid-batch without a race.
   */
  holdAfter(n: number): { reached: Promise<void>; held(): number; release(): void } {
    let reached!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    this.hold = { remaining: n, reached, released, count: 0 };
    this.pendingStalls.add(release);
    const state = this.hold;
    return {
      reached: reachedP,
      held: () => state.count,
      // The held messages are refused; later ones go through again.
      release: () => {
        if (this.hold === state) this.hold = null;
        release();
      },
    };
  }

  /** Messages accepted for an address (envelope recipient). */
  messagesTo(address: string): ReceivedEmail[] {
    const a = address.toLowerCase();
    return this.messages.filter((m) => m.envelope.to.some((t) => t.toLowerCase() === a));
  }

  /** Listens again (on the same port after a stop). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // A stopped server lets go of its connections at once.
      closeTimeout: 200,
      onRcptTo: (address, _session, callback) => {
        if (this.rejectPattern?.test(address.address)) {
          this.events.push({ kind: 'rejected-recipient', code: 550, recipients: [address.address] });
          return callback(smtpError(550, 'No such user here'));
        }
        callback();
      },
      onData: (stream, session, callback) => void this.onData(stream, session, callback),
    });
    server.on('error', () => {}); // a client vanishing mid-message is expected here
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.server.once('error', onError);
      server.listen(this.port, '127.0.0.1', () => {
        server.server.off('error', onError);
        resolve();
      });
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection; the port is free until `start()`. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of server.connections) c.close();
    await closed;
  }

  /** Stops for good, releasing anything stalled. */
  async close(): Promise<void> {
    for (const release of this.pendingStalls) release();
    for (const s of this.stalls) s.release();
    this.stalls = [];
    await this.stop();
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void): Promise<void> {
    const envelope = {
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      to: session.envelope.rcptTo.map((r) => r.address),
    };
    const chunks: Buffer[] = [];
    let clientGone = false;
    const received = new Promise<void>((resolve) => {
      let ended = false;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        ended = true;
        resolve();
      });
      // The client went away before the end of the message.
      const gone = () => {
        if (!ended) clientGone = true;
        resolve();
      };
      stream.on('error', gone);
      stream.on('close', gone);
    });

    // issue10-G: held (see holdAfter), once the messages let through are used up.
    const hold = this.hold;
    if (hold && hold.remaining-- <= 0) {
      hold.count++;
      hold.reached();
      await hold.released;
      await received;
      this.aborted.push({ envelope, bytes: chunks.reduce((n, c) => n + c.length, 0), clientGone });
      this.events.push({ kind: 'aborted', code: 451, recipients: envelope.to });
      return callback(smtpError(451, 'Requested action aborted: local error in processing'));
    }

    const stall = this.stalls.shift();
    if (stall) {
      stall.reached();
      this.pendingStalls.add(stall.release);
      await stall.released;
      this.pendingStalls.delete(stall.release);
      await received;
      this.aborted.push({ envelope, bytes: chunks.reduce((n, c) => n + c.length, 0), clientGone });
      this.events.push({ kind: 'aborted', code: 451, recipients: envelope.to });
      return callback(smtpError(451, 'Requested action aborted: local error in processing'));
    }

    await received;
    if (clientGone) return callback(smtpError(451, 'Incomplete message'));
    if (this.temporaryFailures > 0) {
      this.temporaryFailures--;
      this.events.push({ kind: 'temporary-failure', code: 451, recipients: envelope.to });
      return callback(smtpError(451, 'Try again later'));
    }
    const raw = Buffer.concat(chunks);
    try {
      const parsed = await simpleParser(raw);
      const toHeader = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
      this.messages.push({
        envelope,
        raw,
        parsed,
        subject: parsed.subject ?? '',
        to: toHeader.flatMap((a) => a.value.map((v) => v.address ?? '')),
        html: typeof parsed.html === 'string' ? parsed.html : '',
        text: parsed.text ?? '',
        messageId: parsed.messageId,
      });
      this.events.push({ kind: 'accepted', code: 250, recipients: envelope.to });
      callback();
    } catch {
      callback(smtpError(554, 'Message could not be parsed'));
    }
  }
}
