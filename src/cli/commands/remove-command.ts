import { openKnowledgeBaseStore } from '../../app/open-knowledge-base.js';
import { removeDocuments } from '../../app/remove-documents.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { escapeTerminal } from '../escape-terminal.js';

export const run: CommandRun = async (paths, options, ctx) => {
  const { store } = await openKnowledgeBaseStore(await configFor(ctx, options));
  try {
    const { removed, chunks } = await removeDocuments(store, paths.map((path) => ({ path, cwd: ctx.cwd })), { wait: true, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (options.json) ctx.stdout.write(`${JSON.stringify({ removed, chunks })}\n`);
    else ctx.stdout.write(`Removed ${removed.map((d) => escapeTerminal(d.path)).join(', ')} (${chunks} chunks).\nNote: a file still in an indexed folder comes back on the next kb index; delete it or list it in .kbignore.\n`);
    return 0;
  } finally {
    await store.close();
  }
};
