import { createInterface } from 'node:readline';
import { createAnswerer } from '../../answer/create-answerer.js';
import { createCachedAsk } from '../../answer/create-cached-ask.js';
import { isAbortError, UsageError } from '../../errors.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { openKnowledgeBase } from '../../app/open-knowledge-base.js';
import { reportError } from '../run-cli.js';
import { historyPath, withTurn, writeHistory } from './ask-history.js';
import { askTurn } from './ask-turn.js';

const PROMPT = '? ';

/**
 * A conversation: each line of stdin is a question, answered with the turns before it as history, until
 * end of input (Ctrl+D on a terminal). Works on a pipe; a prompt is shown only on a terminal. A failed
 * question is reported and the chat goes on; the exit code is that of the last failure, else 0.
 */
export const run: CommandRun = async (_args, options, ctx) => {
  if (!ctx.stdin) throw new UsageError('kb chat reads questions from standard input, and there is none here.');
  const historyFile = historyPath(ctx.cwd, options.history);
  let history = historyFile ? (await import('./read-history.js')).readHistory(historyFile) : [];
  const kb = await openKnowledgeBase(await configFor(ctx, options), { readonly: true });
  const lines = createInterface({ input: ctx.stdin, terminal: false, crlfDelay: Infinity });
  const onAbort = () => lines.close();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const prompt = () => {
    if (ctx.stdin?.isTTY && !options.json) ctx.stdout.write(PROMPT);
  };
  let code = 0;
  let cached: ReturnType<typeof createCachedAsk> | undefined;
  try {
    const answerer = await createAnswerer(kb.config);
    cached = createCachedAsk({ config: kb.config, generation: async () => (await kb.store.indexInfo()).generation });
    prompt();
    for await (const line of lines) {
      const question = line.trim();
      if (question) {
        try {
          const result = await askTurn({ kb, answerer, question, history, options, ctx, ask: cached.ask }, { compact: true });
          history = withTurn(history, question, result.answer);
          if (historyFile) writeHistory(historyFile, history);
          if (!options.json) ctx.stdout.write('\n');
        } catch (error) {
          if (isAbortError(error) && ctx.signal?.aborted) throw error;
          code = reportError(error, ctx, Boolean(options.json));
        }
      }
      prompt();
    }
    return code;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
    lines.close();
    cached?.close();
    await kb.close();
  }
};
