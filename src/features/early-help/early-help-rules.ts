/**
 * The rules of an Early Help request form, with no I/O: what must be filled in to save it and to
 * send it. Early Help is voluntary: it needs the family's agreement, so a request whose family
 * have not agreed can be saved (with why) but never sent.
 */
export interface EarlyHelpInput {
  familyMemberIds: string[];
  needCodes: string[];
  needsDetail: string | null;
  consent: string | null;
  consentNotGivenReason: string | null;
  leadName: string | null;
  leadRole: string | null;
  leadAgency: string | null;
  leadPhone: string | null;
  leadEmail: string | null;
}

export interface FieldError {
  field: string;
  message: string;
}

export const TEXT_MAX = 2000;
export const SHORT_MAX = 200;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[0-9 ()+-]{6,30}$/;

export function validateEarlyHelp(
  input: EarlyHelpInput,
  action: 'save' | 'send',
  allowed: { needCodes: string[]; familyIds: string[] },
): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, message: string) => errors.push({ field, message });

  if (input.familyMemberIds.some((id) => !allowed.familyIds.includes(id))) add('family', 'Choose family members from the list');
  if (input.needCodes.some((c) => !allowed.needCodes.includes(c))) add('needs', 'Choose needs from the list');
  if (action === 'send' && input.needCodes.length === 0) add('needs', 'Select at least one need the family want help with');
  if ((input.needsDetail?.length ?? 0) > TEXT_MAX) add('needsDetail', `The details of the needs must be ${TEXT_MAX} characters or fewer`);

  if (input.consent !== null && input.consent !== 'yes' && input.consent !== 'no') add('consent', 'Select whether the family agree to the request');
  if (action === 'send' && input.consent === null) add('consent', 'Select whether the family agree to the request for Early Help');
  if (action === 'send' && input.consent === 'no') {
    add('consent', 'The family have not agreed to Early Help, so the request cannot be sent. Save the request with the reason, or change the answer if they now agree');
  }
  if (input.consent === 'no' && !input.consentNotGivenReason) add('consentNotGivenReason', 'Enter why the family have not agreed to Early Help');
  if ((input.consentNotGivenReason?.length ?? 0) > TEXT_MAX) add('consentNotGivenReason', `The reason must be ${TEXT_MAX} characters or fewer`);

  const lead: [keyof EarlyHelpInput, string, string][] = [
    ['leadName', 'leadName', 'Enter the lead professional’s name'],
    ['leadRole', 'leadRole', 'Enter the lead professional’s role'],
    ['leadAgency', 'leadAgency', 'Enter the lead professional’s agency'],
  ];
  for (const [key, field, message] of lead) {
    const v = input[key] as string | null;
    if (action === 'send' && !v) add(field, message);
    if (v && v.length > SHORT_MAX) add(field, `This must be ${SHORT_MAX} characters or fewer`);
  }
  if (action === 'send' && !input.leadPhone && !input.leadEmail) add('leadPhone', 'Enter a phone number or an email address for the lead professional');
  if (input.leadPhone && !PHONE.test(input.leadPhone)) add('leadPhone', 'Enter a phone number, like 01632 960 001');
  if (input.leadEmail && (!EMAIL.test(input.leadEmail) || input.leadEmail.length > SHORT_MAX)) add('leadEmail', 'Enter an email address in the correct format, like name@example.com');
  return errors;
}

/** The status a saved (not sent) request takes: recorded as not agreed when the family said no. */
export function statusOnSave(consent: string | null): 'details-needed' | 'consent-not-given' {
  return consent === 'no' ? 'consent-not-given' : 'details-needed';
}

/** Which statuses the Early Help team may move a request from, for each of their actions. */
export const TRANSITIONS = {
  accept: { from: ['sent'], to: 'accepted' },
  decline: { from: ['sent'], to: 'declined' },
  close: { from: ['accepted'], to: 'closed' },
} as const;
export type TeamAction = keyof typeof TRANSITIONS;

/** What each status is called on the page and in the export. */
export const STATUS_LABELS: Record<string, string> = {
  'details-needed': 'Details needed',
  'consent-not-given': 'Not sent: no consent',
  sent: 'Sent',
  accepted: 'Accepted',
  declined: 'Declined',
  closed: 'Closed',
  withdrawn: 'Withdrawn',
};
