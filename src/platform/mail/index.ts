import type { Config } from '../../config.js';
import type { Database } from '../db/database.js';
import type { Clock } from '../context.js';
import type { Mailer } from './mailer.js';
import { MailboxMailer } from './mailbox-mailer.js';
import { NotifyMailer } from './notify-mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

export function createMailer(config: Config, db: Database, clock: Clock): Mailer {
  switch (config.mail.provider) {
    case 'smtp':
      return new SmtpMailer(config.mail.smtpUrl!, config.mail.from);
    case 'notify':
      return new NotifyMailer(config.mail.notifyBaseUrl, config.mail.notifyApiKey!);
    default:
      return new MailboxMailer(db, clock);
  }
}
