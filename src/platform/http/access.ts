import type { Role } from '../auth/roles.js';

/**
 * Every route declares who may call it, in its `config.access`. A route registered
 * without one stops the app from building, and the authorisation tests are generated
 * from the same table, so a new route cannot slip through unprotected.
 */
export type Access =
  /** `checkedBy`: open to no signed-in role, but the route checks a credential of its own (a webhook token). */
  | { public: true; reason: string; checkedBy?: string }
  | { roles: Role[] };

export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
  api: boolean;
  /** A server-sent event stream: it answers at once but never ends, so tests read only its status. */
  stream: boolean;
  /** issue10-D: a sensitive action: the route needs a recent sign-in (`config.recentAuth`). */
  recentAuth?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    stream?: boolean;
    /** issue10-B: the route never touches the session (no page locals, no CSRF secret), e.g. health probes. */
    sessionless?: boolean;
  }
}
