import { resolve, sep } from 'node:path';
import type { LoadedConfig } from '../config.js';
import { UsageError } from '../errors.js';
import type { Embedder } from '../models/embedder.js';
import type { KbStore } from '../store/kb-store.js';
import { createFolderSync, type FolderSync, type FolderSyncOptions } from '../watch/create-folder-sync.js';
import { runIndex } from './run-index.js';

/**
 * Keeps a knowledge base in sync with its folders (`kb watch`, `kb serve --watch`): each debounced batch of
 * changes is one incremental runIndex under the writer lock, queued behind any other writer (`--wait`), so the
 * watcher adds no second way of writing. Files that fail keep their previous version (kb status lists them);
 * a run that stops early is a failed sync.
 */
export function syncFolders({ config, store, embedder, roots = config.roots, signal, onRun, watchOptions }: {
  config: LoadedConfig;
  store: KbStore;
  embedder: Embedder;
  roots?: string[];
  signal?: AbortSignal;
  onRun?: FolderSyncOptions['onRun'];
  watchOptions?: FolderSyncOptions['watchOptions'];
}): FolderSync {
  if (!roots.length) throw new UsageError('No folders to watch. Pass them (kb watch ./docs) or set "roots" in kb.config.json (and each collection\'s "roots").');
  const kbDir = resolve(config.kbDir);
  return createFolderSync({
    roots,
    runIndex: async () => {
      const summary = await runIndex({ config, store, embedder }, { roots, wait: true, ...(signal ? { signal } : {}) });
      if (summary.stoppedEarly && summary.stoppedEarly !== 'interrupted') throw new Error(summary.stoppedEarly);
    },
    ignore: (path) => path === kbDir || path.startsWith(kbDir + sep),
    ...(onRun ? { onRun } : {}),
    ...(watchOptions ? { watchOptions } : {}),
  });
}
