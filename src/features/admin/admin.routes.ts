import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';

/**
 * Administrators' pages.
 *
 * issue10-A: the audit log's pages (the search, its download and a child's audit trail) moved to
 * features/audit/audit.routes.ts, with their views.
 */
export function adminRoutes(_app: FastifyInstance, _ctx: AppContext) {}
