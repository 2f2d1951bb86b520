import { createAnswerer } from '../../answer/create-answerer.js';
import { createCachedAsk } from '../../answer/create-cached-ask.js';
import { UsageError } from '../../errors.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { openKnowledgeBase } from '../../app/open-knowledge-base.js';
import { historyPath, withTurn, writeHistory } from './ask-history.js';
import { askTurn } from './ask-turn.js';

export const run: CommandRun = async (words, options, ctx) => {
  const question = words.join(' ').trim();
  if (!question) throw new UsageError('Give a question: kb ask "How long is the notice period?"');
  const historyFile = historyPath(ctx.cwd, options.history);
  // Read before opening the kb: a broken history file is the user's to fix, whatever the index holds.
  const history = historyFile ? (await import('./read-history.js')).readHistory(historyFile) : [];
  const kb = await openKnowledgeBase(await configFor(ctx, options), { readonly: true });
  let cached: ReturnType<typeof createCachedAsk> | undefined;
  try {
    const answerer = await createAnswerer(kb.config);
    cached = createCachedAsk({ config: kb.config, generation: async () => (await kb.store.indexInfo()).generation });
    const result = await askTurn({ kb, answerer, question, history, options, ctx, ask: cached.ask });
    if (historyFile) writeHistory(historyFile, withTurn(history, question, result.answer));
    return 0;
  } finally {
    cached?.close();
    await kb.close();
  }
};
