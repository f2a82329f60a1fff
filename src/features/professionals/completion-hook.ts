import type { AppContext } from '../../platform/context.js';
import type { CompletionHook } from '../conversations/completion.js';
import { ProfessionalsService } from './professionals.service.js';

/** On completion, the professional who called is linked to (or added to, or updates) the directory. */
export function professionalDirectoryHook(ctx: AppContext): CompletionHook {
  const directory = new ProfessionalsService(ctx);
  return async (tx, conversation, version, requestedBy) => {
    await directory.learn(tx, conversation, version, requestedBy);
  };
}
