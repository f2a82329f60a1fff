import { NotifyClient } from 'notifications-node-client';
import { PermanentDeliveryError, type Mailer, type OutgoingEmail, type SendResult } from './mailer.js';

/**
 * Sends through GOV.UK Notify. The authority's template must contain ((subject)), ((body))
 * and ((link_to_file)): Notify sends plain text with links, and the PDF goes as a file link.
 * A notification to staff has no file: its ((link_to_file)) is empty, which Notify accepts for
 * any placeholder, so one template serves both.
 */
export class NotifyMailer implements Mailer {
  readonly name = 'notify' as const;
  private readonly client: InstanceType<typeof NotifyClient>;
  constructor(baseUrl: string, apiKey: string) {
    this.client = new NotifyClient(baseUrl, apiKey);
  }

  async send(email: OutgoingEmail): Promise<SendResult> {
    try {
      const upload = email.attachment
        ? this.client.prepareUpload(email.attachment.content, {
            filename: email.attachment.filename,
            confirmEmailBeforeDownload: true,
            retentionPeriod: '52 weeks',
          })
        : '';
      const res = await this.client.sendEmail(email.notify.templateId, email.to, {
        personalisation: { subject: email.subject, body: email.text, link_to_file: upload },
        reference: email.reference,
      });
      return { provider: 'notify', providerMessageId: res.data.id };
    } catch (err) {
      const status = (err as { response?: { status?: number; data?: { errors?: { error?: string }[] } } }).response?.status;
      const kind = (err as { response?: { data?: { errors?: { error?: string }[] } } }).response?.data?.errors?.[0]?.error ?? 'error';
      // Notify: 400 is a bad request (for example an invalid address), 401 and 403 a missing or
      // bad key; all need a person. 429 (rate limit) and 5xx are temporary.
      if (status === 400 || status === 401 || status === 403) throw new PermanentDeliveryError(`notify-${status}-${kind}`);
      throw new Error(`notify temporary failure${status ? ` ${status}` : ''}`);
    }
  }
}
