import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Survey links carry a token derived from the written record's id with a server secret, so the
 * token never has to be stored: the sender can recompute it on any retry, and the database keeps
 * only its SHA-256 hash. Without the secret a token cannot be forged or guessed.
 */
export function surveyToken(secret: string, writtenRecordId: string): string {
  return createHmac('sha256', `survey:${secret}`).update(writtenRecordId).digest('base64url');
}

export function surveyTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token is 43 base64url characters; anything else is not worth a database look-up. */
export function isWellFormedSurveyToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
