import { watch as chokidarWatch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import { basename } from 'node:path';

export interface SyncRun {
  startedAt: string;
  finishedAt: string;
  /** File events this run answered (0 for the run at start, which looks for changes made while down). */
  changes: number;
  ok: boolean;
  error?: string;
}

/** For /readyz and the web page: when the index last matched the folders, and what went wrong since. */
export interface SyncStatus {
  state: 'starting' | 'idle' | 'pending' | 'running' | 'stopped';
  /** When the last successful run finished. */
  lastSyncAt?: string;
  lastRun?: SyncRun;
  runs: number;
  /** The latest failures, newest last (at most 10). */
  errors: Array<{ at: string; message: string }>;
}

export interface FolderSyncOptions {
  roots: string[];
  /** One incremental index run over the roots (same lock as `kb index`); it finds what changed itself. */
  runIndex: () => Promise<unknown>;
  /** Quiet time after the last change before a run starts. */
  debounceMs?: number;
  /** Longest a change waits under a steady stream of changes. */
  maxWaitMs?: number;
  /** Paths never watched (the kb dir when inside a root); dot-folders and node_modules are never watched. */
  ignore?: (path: string) => boolean;
  onRun?: (run: SyncRun, status: SyncStatus) => void;
  /** Chokidar options beyond the defaults (tests may set usePolling). */
  watchOptions?: Partial<ChokidarOptions>;
}

const MAX_ERRORS = 10;

/**
 * Keeps an index in sync with its folders: file events are debounced into batches, each batch is one
 * incremental index run, and runs never overlap (changes during a run make one more run after it). The run
 * at start finds changes made while nothing watched.
 */
export function createFolderSync({ roots, runIndex, debounceMs = 300, maxWaitMs = 5_000, ignore, onRun, watchOptions = {} }: FolderSyncOptions) {
  const status: SyncStatus = { state: 'starting', runs: 0, errors: [] };
  let watcher: FSWatcher | undefined;
  let pendingChanges = 0;
  let firstPendingAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const runOnce = async (changes: number): Promise<void> => {
    status.state = 'running';
    const startedAt = new Date().toISOString();
    let run: SyncRun;
    try {
      await runIndex();
      run = { startedAt, finishedAt: new Date().toISOString(), changes, ok: true };
      status.lastSyncAt = run.finishedAt;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      run = { startedAt, finishedAt: new Date().toISOString(), changes, ok: false, error: message };
      status.errors.push({ at: run.finishedAt, message });
      status.errors.splice(0, Math.max(0, status.errors.length - MAX_ERRORS));
    }
    status.runs++;
    status.lastRun = run;
    status.state = stopped ? 'stopped' : pendingChanges ? 'pending' : 'idle';
    onRun?.(run, snapshot());
  };

  const flush = () => {
    timer = undefined;
    if (stopped || running || !pendingChanges) return;
    const changes = pendingChanges;
    pendingChanges = 0;
    running = runOnce(changes).finally(() => {
      running = undefined;
      if (pendingChanges && !stopped) schedule();
    });
  };

  const schedule = () => {
    if (stopped) return;
    status.state = running ? status.state : 'pending';
    if (running) return; // the run's end schedules the next one
    if (timer) clearTimeout(timer);
    const waited = Date.now() - firstPendingAt;
    timer = setTimeout(flush, Math.max(0, Math.min(debounceMs, maxWaitMs - waited)));
  };

  const changed = () => {
    if (!pendingChanges) firstPendingAt = Date.now();
    pendingChanges++;
    schedule();
  };

  const snapshot = (): SyncStatus => ({ ...status, errors: [...status.errors], ...(status.lastRun ? { lastRun: { ...status.lastRun } } : {}) });

  return {
    /** Runs the catch-up index, then watches; resolves once the watcher has scanned the roots. */
    async start(): Promise<void> {
      watcher = chokidarWatch(roots, {
        ignoreInitial: true,
        // A folder renamed away reports unlink for each file inside; nothing needs file contents here.
        ignored: (path: string) => /^(\.|node_modules$)/.test(basename(path)) && !roots.includes(path) || !!ignore?.(path),
        ...watchOptions,
      });
      watcher.on('all', changed);
      watcher.on('error', (error) => {
        status.errors.push({ at: new Date().toISOString(), message: `watcher: ${(error as Error)?.message ?? String(error)}` });
        status.errors.splice(0, Math.max(0, status.errors.length - MAX_ERRORS));
      });
      const ready = new Promise<void>((resolve) => watcher!.once('ready', () => resolve()));
      running = runOnce(0).finally(() => {
        running = undefined;
        if (pendingChanges && !stopped) schedule();
      });
      await Promise.all([running, ready]);
    },
    status: snapshot,
    /** Stops watching; a run in progress finishes first. */
    async close(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await watcher?.close();
      await running;
      status.state = 'stopped';
    },
  };
}

export type FolderSync = ReturnType<typeof createFolderSync>;
