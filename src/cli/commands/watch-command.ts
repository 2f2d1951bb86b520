import { resolve, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import { createFolderSync } from '../../watch/create-folder-sync.js';
import type { CliContext, CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';

/**
 * `kb watch`: keeps the index in sync with its folders until interrupted. Each batch of changes is one
 * `kb index` run (same lock, same incremental logic), so the watcher adds no second way of writing.
 */
export const run: CommandRun = async (folders, options, ctx) => {
  const config = configFor(ctx, options);
  const roots = (folders.length ? folders : config.roots).map((r) => resolve(ctx.cwd, r));
  if (!roots.length) throw new UsageError('No folders to watch. Pass them (kb watch ./docs) or set "roots" in kb.config.json.');
  const kbDir = resolve(ctx.cwd, config.kbDir);
  const { run: index } = await import('./index-command.js');
  const quiet: CliContext = { ...ctx, stdout: { write: () => true } };
  const sync = createFolderSync({
    roots,
    // Until the app layer's runIndex lands, a batch is exactly what `kb index --wait` does.
    runIndex: async () => {
      const code = await index(roots, { ...options, json: true, wait: true, progress: false }, quiet);
      if (code !== 0 && code !== 2) throw new Error(`kb index exited ${code}`);
    },
    ignore: (path) => path === kbDir || path.startsWith(kbDir + sep),
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
};
