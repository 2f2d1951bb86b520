import { UsageError } from '../../errors.js';
import type { CommandRun } from '../cli-context.js';
import { formatLocation, oneLine } from '../format-source.js';
import { configFor, filtersFrom } from '../open-kb.js';
import { openKnowledgeBase } from '../../app/open-knowledge-base.js';

export const run: CommandRun = async (words, options, ctx) => {
  const query = words.join(' ').trim();
  if (!query) throw new UsageError('Give a query: kb search "notice period"');
  const kb = await openKnowledgeBase(await configFor(ctx, options), { readonly: true });
  try {
    const filters = filtersFrom(options);
    const result = await kb.retriever.retrieve(query, { ...(options.topK ? { topK: Number(options.topK) } : {}), ...(filters ? { filters } : {}) });
    if (options.json) {
      ctx.stdout.write(`${JSON.stringify({ query, results: result.chunks, timings: result.timings }, null, 2)}\n`);
      return 0;
    }
    if (!result.chunks.length) ctx.stdout.write('No matching chunks.\n');
    result.chunks.forEach((c, i) => {
      ctx.stdout.write(`${i + 1}. ${formatLocation(c)}  (score ${c.score.toFixed(4)}${c.bm25 !== undefined ? `, bm25 ${c.bm25.toFixed(2)}` : ''}${c.similarity !== undefined ? `, cosine ${c.similarity.toFixed(3)}` : ''})\n   ${oneLine(c.text, 240)}\n`);
    });
    return 0;
  } finally {
    await kb.close();
  }
};
