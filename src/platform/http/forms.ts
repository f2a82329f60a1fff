import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../audit.js';

export type FormBody = Record<string, string | string[] | undefined>;

export function bodyOf(request: FastifyRequest): FormBody {
  const b = request.body;
  return b && typeof b === 'object' ? (b as FormBody) : {};
}

/** A trimmed single value; '' when missing. */
export function str(v: unknown): string {
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'string' ? v.trim() : '';
}

/** A trimmed value or null when blank. */
export function opt(v: unknown): string | null {
  const s = str(v);
  return s === '' ? null : s;
}

/** All values of a multi-value field (checkboxes), blanks removed. */
export function list(v: unknown): string[] {
  const arr = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return arr.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
}

export interface ErrorItem {
  text: string;
  href: string;
}

export function auditContext(request: FastifyRequest): AuditContext {
  return { principal: request.principal, ip: request.ip ?? null, requestId: request.id };
}
