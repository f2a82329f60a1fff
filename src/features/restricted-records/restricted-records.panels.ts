/**
 * Where restricted records show on pages other features own (see src/features/panels.ts): at the
 * top of a child's record (that it is restricted, who may open it, until when you may), and on the
 * home page of an owner or manager told that someone opened one.
 */
import type { HomePanelProvider, PersonPanelProvider } from '../../platform/http/panels.js';
import { GRANT_HOURS, MANAGE_RESTRICTIONS, RestrictedRecordsService } from './restricted-records.service.js';

/** At the top of a child's record: restricted or not, and (for managers) how to change that. */
export const restrictedRecordPersonPanel: PersonPanelProvider = async (ctx, principal, personIds) => {
  const status = await new RestrictedRecordsService(ctx).statusFor(principal, personIds);
  const canManage = principal.kind === 'user' && MANAGE_RESTRICTIONS.includes(principal.role);
  if (!status && !canManage) return null;
  return {
    place: 'top',
    template: 'restricted-records/views/_person-panel.njk',
    data: { restrictions: status?.restrictions ?? [], canManage, personId: personIds[0], hours: GRANT_HOURS },
  };
};

/** On the home page of a record's owner or a manager: each opening of a restricted record, until they mark it checked. */
export const restrictedRecordHomePanel: HomePanelProvider = async (ctx, principal) => {
  const tasks = await new RestrictedRecordsService(ctx).openTasks(principal);
  if (!tasks.length) return null;
  return { template: 'restricted-records/views/_home-panel.njk', data: { tasks } };
};
