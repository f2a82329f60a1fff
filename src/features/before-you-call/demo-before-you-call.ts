import type { AppContext } from '../../platform/context.js';
import { BeforeYouCallService } from './before-you-call.service.js';

const DEMO_QUESTIONS = [
  { name: 'Alex Morgan', email: 'alex.morgan@riverside-primary.example', organisation: 'Riverside Primary School', question: 'Can a designated safeguarding lead call on behalf of a teaching assistant who raised the concern, or should the person who saw it call?' },
  { name: 'Priya Shah', email: 'priya.shah@health.example', organisation: 'Health visiting team', question: 'Will I be told the outcome if the family has moved to another area since my call?' },
];

/**
 * Demo content for the "Before you call" pages: every authority's pages loaded, two partners'
 * questions each for Norfolk and Stoke-on-Trent, and Stoke-on-Trent's FAQ last reviewed six weeks
 * ago so that its administrator sees "Review due". Does nothing when demo questions already exist.
 */
export async function seedDemoBeforeYouCall(ctx: AppContext, now: Date): Promise<boolean> {
  const existing = await ctx.db.selectFrom('before_you_call_questions').select('id').limit(1).executeTakeFirst();
  if (existing) return false;
  const service = new BeforeYouCallService(ctx);
  for (const p of ctx.profiles.all()) await service.ensureSeeded(p.id);
  const system = { principal: null, ip: null, requestId: null };
  for (const authorityId of ['norfolk', 'stoke-on-trent'].filter((a) => ctx.profiles.has(a))) {
    for (const q of DEMO_QUESTIONS) await service.submitQuestion(authorityId, q, system);
  }
  if (ctx.profiles.has('stoke-on-trent')) {
    await ctx.db
      .updateTable('before_you_call_sections')
      .set({ last_reviewed_at: new Date(now.getTime() - 42 * 86_400_000) })
      .where('authority_id', '=', 'stoke-on-trent')
      .where('section', '=', 'faq')
      .execute();
  }
  return true;
}
