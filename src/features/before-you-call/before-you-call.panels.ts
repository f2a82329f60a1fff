import type { HomePanelProvider } from '../../platform/http/panels.js';
import { BeforeYouCallService, QUESTION_ROLES } from './before-you-call.service.js';

/**
 * On the home page of the head of service (the team manager stands in) and administrators: how
 * many partners' questions are new, and, for administrators, which pages are due for review.
 */
export const beforeYouCallHomePanel: HomePanelProvider = async (ctx, principal) => {
  if (principal.kind !== 'user' || !QUESTION_ROLES.includes(principal.role)) return null;
  const service = new BeforeYouCallService(ctx);
  const newQuestions = await service.countNewQuestions(principal.authorityId);
  const due = principal.role === 'administrator' ? (await service.sectionStates(principal.authorityId)).filter((s) => s.reviewDue).map((s) => ({ section: s.section, label: s.label })) : [];
  return { template: 'before-you-call/views/_home-panel.njk', data: { newQuestions, due } };
};
