import type { FastifyReply } from 'fastify';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(title);
  }
}

/** RFC 9457 problem details, the API's one error shape. */
export function problem(reply: FastifyReply, error: HttpError) {
  return reply
    .code(error.status)
    .type('application/problem+json')
    // Problem bodies are written as they are: the route's response schema describes its successes.
    .serializer((body: unknown) => JSON.stringify(body))
    .send({ type: 'about:blank', title: error.title, status: error.status, detail: error.detail, ...error.extra });
}

export function notFound(what = 'page'): HttpError {
  return new HttpError(404, `${what[0]!.toUpperCase()}${what.slice(1)} not found`, `There is no ${what} at this address, or it belongs to another authority.`);
}

/** Domain field errors → the list govukErrorSummary and errorFor expect. */
export function toErrorList(errors: { field: string; message: string }[]): { text: string; href: string }[] {
  return errors.map((e) => ({ text: e.message, href: `#${e.field}` }));
}
