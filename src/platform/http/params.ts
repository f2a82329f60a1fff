import type { FastifyRequest } from 'fastify';
import { notFound } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The :id route parameter, which must be a UUID; anything else is simply not found. */
export function uuidParam(request: FastifyRequest, name = 'id'): string {
  const v = (request.params as Record<string, string>)[name];
  if (!v || !UUID.test(v)) throw notFound();
  return v;
}
