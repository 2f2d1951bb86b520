import { resolve } from 'node:path';
import { openKnowledgeBase } from '../../app/open-knowledge-base.js';
import { syncFolders } from '../../app/sync-folders.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';

/** `kb watch`: keeps the index in sync with its folders until interrupted (see syncFolders). */
export const run: CommandRun = async (folders, options, ctx) => {
  const config = await configFor(ctx, options);
  const roots = (folders.length ? folders : config.roots).map((r) => resolve(ctx.cwd, r));
  const kb = await openKnowledgeBase(config, { create: true });
  try {
    const sync = syncFolders({
      config, store: kb.store, embedder: kb.embedder, roots, ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRun: (r, status) => {
        const line = options.json ? JSON.stringify({ event: 'sync', ...r, runs: status.runs }) : `${r.finishedAt} ${r.ok ? 'synced' : `sync failed: ${r.error}`}${r.changes ? ` (${r.changes} change${r.changes === 1 ? '' : 's'})` : ' (catch-up at start)'}`;
        ctx.stdout.write(`${line}\n`);
      },
    });
    await sync.start();
    if (!options.json) ctx.stdout.write(`Watching ${roots.join(', ')}. Ctrl+C stops.\n`);
    await new Promise<void>((done) => {
      if (ctx.signal?.aborted) return done();
      ctx.signal?.addEventListener('abort', () => done(), { once: true });
    });
    await sync.close();
    return 0;
  } finally {
    await kb.close();
  }
};
