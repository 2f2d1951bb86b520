import { resolve, sep } from 'node:path';
import { openKnowledgeBase } from '../../app/open-knowledge-base.js';
import { runIndex } from '../../app/run-index.js';
import { UsageError } from '../../errors.js';
import { createFolderSync } from '../../watch/create-folder-sync.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';

/**
 * `kb watch`: keeps the index in sync with its folders until interrupted. Each batch of changes is one
 * incremental index run (runIndex, as `kb index --wait`: same lock, same logic), so the watcher adds no second
 * way of writing.
 */
export const run: CommandRun = async (folders, options, ctx) => {
  const config = configFor(ctx, options);
  const roots = (folders.length ? folders : config.roots).map((r) => resolve(ctx.cwd, r));
  if (!roots.length) throw new UsageError('No folders to watch. Pass them (kb watch ./docs) or set "roots" in kb.config.json.');
  const kbDir = resolve(ctx.cwd, config.kbDir);
  const kb = await openKnowledgeBase(config, { create: true });
  const sync = createFolderSync({
    roots,
    runIndex: async () => {
      const summary = await runIndex(kb, { roots, wait: true, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      // Files that failed keep their previous version and are reported by kb status; a stopped run is a failure.
      if (summary.stoppedEarly && summary.stoppedEarly !== 'interrupted') throw new Error(summary.stoppedEarly);
    },
    ignore: (path) => path === kbDir || path.startsWith(kbDir + sep),
    onRun: (r, status) => {
      const line = options.json ? JSON.stringify({ event: 'sync', ...r, runs: status.runs }) : `${r.finishedAt} ${r.ok ? 'synced' : `sync failed: ${r.error}`}${r.changes ? ` (${r.changes} change${r.changes === 1 ? '' : 's'})` : ' (catch-up at start)'}`;
      ctx.stdout.write(`${line}\n`);
    },
  });
  try {
    await sync.start();
  } catch (error) {
    await kb.close();
    throw error;
  }
  if (!options.json) ctx.stdout.write(`Watching ${roots.join(', ')}. Ctrl+C stops.\n`);
  await new Promise<void>((done) => {
    if (ctx.signal?.aborted) return done();
    ctx.signal?.addEventListener('abort', () => done(), { once: true });
  });
  await sync.close();
  await kb.close();
  return 0;
};
