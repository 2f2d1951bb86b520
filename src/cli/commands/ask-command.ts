import { answerQuestion } from '../../answer/answer-question.js';
import { createAnswerer } from '../../answer/create-answerer.js';
import { UsageError } from '../../errors.js';
import type { CommandRun } from '../cli-context.js';
import { formatLocation, oneLine } from '../format-source.js';
import { configFor, filtersFrom, openKb } from '../open-kb.js';
import { escapeTerminal } from '../escape-terminal.js';

export const run: CommandRun = async (words, options, ctx) => {
  const question = words.join(' ').trim();
  if (!question) throw new UsageError('Give a question: kb ask "How long is the notice period?"');
  const kb = await openKb(configFor(ctx, options), { readonly: true });
  try {
    const answerer = await createAnswerer(kb.config);
    const filters = filtersFrom(options);
    let streamed = false;
    const result = await answerQuestion({
      question,
      retriever: kb.retriever,
      answerer,
      minCoverage: kb.config.retrieval.minCoverage,
      ...(options.topK ? { topK: Number(options.topK) } : {}),
      ...(filters ? { filters } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onToken: options.json ? undefined : (t) => {
        streamed = true;
        ctx.stdout.write(escapeTerminal(t));
      },
    });
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }
    if (!streamed) ctx.stdout.write(escapeTerminal(result.answer));
    ctx.stdout.write('\n');
    if (result.citations.length) {
      ctx.stdout.write('\nSources:\n');
      for (const c of result.citations) {
        const mark = c.supported === false ? '  (not backed by this source’s text)' : '';
        ctx.stdout.write(`[${c.n}] ${formatLocation(c)}${mark}\n    “${oneLine(c.snippet, 200)}”\n`);
      }
    }
    const u = result.usage;
    if (u.inputTokens || u.outputTokens) {
      ctx.stdout.write(`\n${result.model}: ${u.inputTokens} input + ${u.outputTokens} output tokens${result.cost ? `, about $${result.cost.usd.toFixed(5)}` : ''}\n`);
    }
    return 0;
  } finally {
    kb.close();
  }
};
