import type { FastifyInstance } from 'fastify';
import { buildApp, type Feature } from './platform/http/app.js';
import type { AppContext } from './platform/context.js';
import { twilioRoutes } from './features/telephony/twilio.routes.js';
import { ctiRoutes } from './features/telephony/cti.routes.js';
import { phoneRoutes } from './features/telephony/phone.routes.js';
import { healthRoutes } from './features/health/health.routes.js';
import { authRoutes } from './features/auth/auth.routes.js';
import { peopleRoutes } from './features/people/people.routes.js';
import { conversationsRoutes } from './features/conversations/conversations.routes.js';
import { adminRoutes } from './features/admin/admin.routes.js';
import { apiRoutes } from './features/api/api.routes.js';
import { writtenRecordsRoutes } from './features/written-records/written-records.routes.js';
import { surveyRoutes } from './features/survey/survey.routes.js';
import { duplicatesRoutes, duplicatesApiRoutes } from './features/duplicates/duplicates.routes.js';
import { handoverRoutes } from './features/handover/handover.routes.js';
import { phoneLineRoutes } from './features/phone-line/phone-line.routes.js';
import { mashRoutes } from './features/mash/mash.routes.js';
import { mashMiRoutes } from './features/mash/mash-mi.routes.js';
import { mashPartnersRoutes } from './features/mash/mash-partners.routes.js';
import { mashApiRoutes } from './features/mash/mash.api.js';
import { referralsRoutes } from './features/referrals/referrals.routes.js';
import { referralsApiRoutes } from './features/referrals/referrals.api.js';
import { allocatedWorkersRoutes } from './features/allocated-workers/allocated-workers.routes.js';
import { earlyHelpRoutes } from './features/early-help/early-help.routes.js';
import { disagreementsRoutes } from './features/disagreements/disagreements.routes.js';
import { beforeYouCallRoutes } from './features/before-you-call/before-you-call.routes.js';
import { miRoutes } from './features/mi/mi.routes.js';
import { professionalsRoutes } from './features/professionals/professionals.routes.js';
import { retentionRoutes } from './features/retention/retention.routes.js'; // issue10-E
import { subjectAccessRoutes } from './features/subject-access/subject-access.routes.js'; // issue10-E
import { auditRoutes } from './features/audit/audit.routes.js'; // issue10-A
import { usersRoutes } from './features/admin/users.routes.js'; // issue10-D
import { restrictedRecordsRoutes } from './features/restricted-records/restricted-records.routes.js'; // issue10-F

/** Every feature of the web app, in one list: main.ts and the tests build the same app from it. */
export const FEATURES: Feature[] = [healthRoutes, authRoutes, conversationsRoutes, peopleRoutes, adminRoutes, apiRoutes, writtenRecordsRoutes, surveyRoutes, duplicatesRoutes, duplicatesApiRoutes, handoverRoutes, mashRoutes, phoneLineRoutes, twilioRoutes, ctiRoutes, phoneRoutes, mashApiRoutes, mashMiRoutes, mashPartnersRoutes];
FEATURES.push(referralsRoutes, referralsApiRoutes);
FEATURES.push(allocatedWorkersRoutes);
FEATURES.push(earlyHelpRoutes);
FEATURES.push(disagreementsRoutes);
FEATURES.push(beforeYouCallRoutes);
FEATURES.push(miRoutes);
FEATURES.push(professionalsRoutes);
FEATURES.push(retentionRoutes, subjectAccessRoutes); // issue10-E
FEATURES.push(auditRoutes); // issue10-A: the audit log's search, download and a child's trail
FEATURES.push(usersRoutes); // issue10-D: user administration (roles, agency, sessions)
FEATURES.push(restrictedRecordsRoutes); // issue10-F: restricted records, break glass, and the guard that withholds them everywhere

export function createServer(ctx: AppContext): Promise<FastifyInstance> {
  return buildApp(ctx, FEATURES);
}
