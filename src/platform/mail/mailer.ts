/**
 * One way out for email, with an adapter per provider: SMTP, GOV.UK Notify, or the local
 * mailbox (a table the demo shows on a page). The sender does not know which is in use.
 */
export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** The written record's PDF. A notification to staff has none. */
  attachment?: { filename: string; content: Buffer; contentType: 'application/pdf' };
  /** What is being sent: `reference` is the id of a written record or of a notification. */
  kind: 'written-record' | 'notification';
  /** Our id for this send; providers echo it back, and SMTP uses it for the Message-ID. */
  reference: string;
  authorityId: string;
  /** For GOV.UK Notify: the template and the fields it fills. */
  notify: { templateId: string; replyToEmail: string };
}

export interface SendResult {
  provider: string;
  providerMessageId: string;
}

/**
 * The provider refused the message for good (a bad address, a rejected message): retrying
 * would not help. Anything else thrown by `send` is treated as temporary and retried.
 * `code` is a short category, never the message text, which could contain an address.
 */
export class PermanentDeliveryError extends Error {
  constructor(readonly code: string) {
    super(`permanent delivery failure: ${code}`);
    this.name = 'PermanentDeliveryError';
  }
}

export interface Mailer {
  readonly name: 'mailbox' | 'smtp' | 'notify';
  send(email: OutgoingEmail): Promise<SendResult>;
  close?(): Promise<void>;
}
