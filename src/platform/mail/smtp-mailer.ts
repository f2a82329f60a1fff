import nodemailer, { type Transporter } from 'nodemailer';
import { PermanentDeliveryError, type Mailer, type OutgoingEmail, type SendResult } from './mailer.js';

/** Sends through an SMTP relay (the council's own, or a service such as Amazon SES). */
export class SmtpMailer implements Mailer {
  readonly name = 'smtp' as const;
  private readonly transport: Transporter;
  constructor(url: string, private readonly from: string) {
    const u = new URL(url);
    this.transport = nodemailer.createTransport({
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 587)),
      secure: u.protocol === 'smtps:',
      auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
      // Local relays and test servers do not offer TLS; anything else should.
      ignoreTLS: u.searchParams.get('tls') === 'off',
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(email: OutgoingEmail): Promise<SendResult> {
    // A Message-ID derived from our reference: a retried send carries the same id.
    const messageId = `<${email.reference}@front-door>`;
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        replyTo: email.notify.replyToEmail,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId,
        attachments: email.attachment ? [{ filename: email.attachment.filename, content: email.attachment.content, contentType: email.attachment.contentType }] : [],
      });
      if ((info.rejected?.length ?? 0) > 0) throw new PermanentDeliveryError('smtp-recipient-rejected');
      return { provider: 'smtp', providerMessageId: info.messageId ?? messageId };
    } catch (err) {
      if (err instanceof PermanentDeliveryError) throw err;
      const code = (err as { responseCode?: number }).responseCode;
      // 5xx is the server's final word (no such mailbox, policy rejection); 4xx and
      // connection failures are worth another try.
      if (typeof code === 'number' && code >= 500 && code < 600) throw new PermanentDeliveryError(`smtp-${code}`);
      throw new Error(`smtp temporary failure${code ? ` ${code}` : ''}`);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
