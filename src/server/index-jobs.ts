import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config.js';
import { runIndexUnderLock } from '../app/run-index.js';
import { UsageError } from '../errors.js';
import type { IndexSummary } from '../ingest/index-summary.js';
import { createEmbedder } from '../models/create-embedder.js';
import type { Embedder } from '../models/embedder.js';
import type { KbStore } from '../store/kb-store.js';
import { openKbStore } from '../store/open-kb-store.js';
import { JobConflictError } from './http-errors.js';

export interface IndexJob {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | 'partial';
  startedAt: string;
  finishedAt?: string;
  /** Files processed of those that needed work (unchanged files are not counted). */
  progress: { done: number; total: number };
  summary?: IndexSummary;
  errors: Array<{ path: string; reason: string }>;
}

interface RunningJob {
  job: IndexJob;
  controller: AbortController;
  done: Promise<void>;
}

export interface IndexJobsOptions {
  config: LoadedConfig;
  logger: Logger;
  /** Called with the final status of each job (metrics). */
  onFinish?: (job: IndexJob) => void;
  /** Seams for tests; the defaults are the real run and embedder. */
  runIndex?: typeof runIndexUnderLock;
  createEmbedder?: (config: LoadedConfig) => Promise<Embedder>;
  /** A store connection of the job's own; by default the configured store. */
  openStore?: () => Promise<KbStore>;
  /** Finished jobs remembered for GET /v1/jobs/:id. */
  keep?: number;
  /** Folders the knowledge base was last indexed from, used when `config.roots` is empty. */
  recordedRoots?: () => Promise<string[]>;
}

/**
 * Re-indexes `config.roots` (or the recorded ones) in the background, one job at a time, like `kb index` in another process would:
 * under the writer lock, with a store connection and an embedder of its own (so its token count is its own).
 * Queries keep running meanwhile; the retriever follows the store's generation as files commit.
 */
export function createIndexJobs({
  config, logger, onFinish, runIndex = runIndexUnderLock, createEmbedder: makeEmbedder = createEmbedder, keep = 50, recordedRoots = async () => [],
  openStore = () => openKbStore(config),
}: IndexJobsOptions) {
  const jobs = new Map<string, IndexJob>();
  let running: RunningJob | undefined;

  async function run(job: IndexJob, store: KbStore, roots: string[], signal: AbortSignal): Promise<void> {
    const log = logger.child({ jobId: job.id });
    try {
      const embedder = await makeEmbedder(config);
      const summary = await runIndex({ config, store, embedder }, {
        roots, signal,
        onProgress: (p) => {
          if (p.phase !== 'scan') job.progress = { done: p.done, total: p.total };
        },
      });
      job.summary = summary;
      job.errors = [...summary.failures, ...(summary.stoppedEarly ? [{ path: '', reason: `stopped early: ${summary.stoppedEarly}` }] : [])];
      job.status = summary.stoppedEarly ? 'failed' : summary.failures.length ? 'partial' : 'succeeded';
    } catch (error) {
      job.status = 'failed';
      job.errors.push({ path: '', reason: (error as Error)?.message ?? String(error) });
      log.error({ err: error }, 'index job failed');
    } finally {
      job.finishedAt = new Date().toISOString();
      log.info({ status: job.status, progress: job.progress, failures: job.errors.length }, 'index job finished');
      onFinish?.(job);
    }
  }

  return {
    /**
     * Starts a job and returns it at once. 409 if one of ours is running (JobConflictError names it) or
     * another process holds the index lock (LockedError names its pid).
     */
    async start(): Promise<IndexJob> {
      if (running) throw new JobConflictError(running.job.id);
      const job: IndexJob = { id: randomUUID(), status: 'running', startedAt: new Date().toISOString(), progress: { done: 0, total: 0 }, errors: [] };
      const controller = new AbortController();
      // Claimed before the first await, so a second request in the meantime gets this job's id.
      const slot: RunningJob = { job, controller, done: Promise.resolve() };
      running = slot;
      let store: KbStore | undefined;
      let release: () => Promise<void>;
      let roots: string[];
      try {
        roots = config.roots.length ? config.roots : await recordedRoots();
        if (!roots.length) throw new UsageError('There are no folders to index: none are configured and no earlier run recorded any. Set "roots" in kb.config.json or KB_ROOTS, or run kb index ./docs once.');
        store = await openStore();
        release = await store.acquireWriter({ wait: false });
      } catch (error) {
        running = undefined;
        await store?.close();
        throw error;
      }
      jobs.set(job.id, job);
      for (const id of jobs.keys()) if (jobs.size > keep && jobs.get(id)!.status !== 'running') jobs.delete(id);
      const held = store;
      slot.done = run(job, held, roots, controller.signal).finally(async () => {
        await release().catch(() => undefined);
        await held.close().catch((error: unknown) => logger.error({ err: error, jobId: job.id }, 'closing the index job store failed'));
        running = undefined;
      });
      return job;
    },
    get: (id: string): IndexJob | undefined => jobs.get(id),
    /** Stops a running job (what it committed stays) and waits for it to let go of the lock. */
    async close(): Promise<void> {
      if (!running) return;
      running.controller.abort();
      await running.done;
    },
  };
}

export type IndexJobs = ReturnType<typeof createIndexJobs>;
