import { resolve } from 'node:path';
import { NotFoundError } from '../../errors.js';
import { acquireIndexLock } from '../../store/index-lock.js';
import { openStore } from '../../store/sqlite-store.js';
import { VectorIndex } from '../../store/vector-index.js';
import type { CommandRun } from '../cli-context.js';
import { configFor, requireKb } from '../open-kb.js';
import { escapeTerminal } from '../escape-terminal.js';

export const run: CommandRun = async (paths, options, ctx) => {
  const config = configFor(ctx, options);
  requireKb(config.kbDir);
  const store = openStore(config.kbDir);
  const release = await acquireIndexLock(config.kbDir, { wait: true, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  try {
    const docs = paths.map((p) => {
      const abs = resolve(ctx.cwd, p);
      const doc = store.documentByAbsPath(abs) ?? store.allDocuments().find((d) => d.path === p);
      if (!doc) throw new NotFoundError(`${p} is not in the knowledge base (kb status shows what is; paths are files you indexed).`);
      return doc;
    });
    const key = store.getMeta('embed_key');
    // Open the vector index before the delete, while it still matches the database, so it is updated, not rebuilt.
    const index = key ? VectorIndex.open(store, config.kbDir, key, Number(key.slice(key.lastIndexOf('@') + 1))) : undefined;
    const removed = store.removeDocuments(docs.map((d) => d.id));
    if (index) {
      for (const id of removed) index.remove(id);
      index.save(store.generation());
    }
    if (options.json) ctx.stdout.write(`${JSON.stringify({ removed: docs.map((d) => ({ id: d.id, path: d.path })), chunks: removed.length })}\n`);
    else ctx.stdout.write(`Removed ${docs.map((d) => escapeTerminal(d.path)).join(', ')} (${removed.length} chunks).\nNote: a file still in an indexed folder comes back on the next kb index; delete it or list it in .kbignore.\n`);
    return 0;
  } finally {
    release();
    store.close();
  }
};
