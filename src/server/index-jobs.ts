import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type LoadedConfig, priceFor } from '../config.js';
import { UsageError } from '../errors.js';
import { indexFolders } from '../ingest/index-folders.js';
import type { IndexSummary } from '../ingest/index-summary.js';
import { createEmbedder } from '../models/create-embedder.js';
import type { Embedder } from '../models/embedder.js';
import { acquireIndexLock } from '../store/index-lock.js';
import { effectiveChunking } from '../ingest/effective-chunking.js';
import { openStore } from '../store/sqlite-store.js';
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
  /** Seams for tests; the defaults are the real indexer and embedder. */
  indexFolders?: typeof indexFolders;
  createEmbedder?: (config: LoadedConfig) => Promise<Embedder>;
  /** Finished jobs remembered for GET /v1/jobs/:id. */
  keep?: number;
  /** Folders the knowledge base was last indexed from, used when `config.roots` is empty. */
  recordedRoots?: () => string[];
}

/**
 * Re-indexes `config.roots` (or the recorded ones) in the background, one job at a time, like `kb index` in another process would:
 * under the index lock, with a store connection and an embedder of its own (so its token count is its own).
 * Queries keep running meanwhile; the retriever follows the database generation as files commit.
 */
export function createIndexJobs({ config, logger, onFinish, indexFolders: index = indexFolders, createEmbedder: makeEmbedder = createEmbedder, keep = 50, recordedRoots = () => [] }: IndexJobsOptions) {
  const jobs = new Map<string, IndexJob>();
  let running: RunningJob | undefined;

  async function run(job: IndexJob, roots: string[], signal: AbortSignal): Promise<void> {
    const log = logger.child({ jobId: job.id });
    const store = openStore(config.kbDir);
    const runId = store.startRun();
    try {
      const embedder = await makeEmbedder(config);
      const price = config.provider === 'bedrock' ? priceFor(config, embedder.modelId) : undefined;
      const summary = await index({
        roots, store, kbDir: config.kbDir, embedder, chunking: effectiveChunking(config, store.getMeta('chunking')), ingest: config.ingest,
        maxConcurrency: config.embedding.maxConcurrency, signal,
        ...(price ? { pricePer1k: price.inputPer1k } : {}),
        onProgress: (p) => {
          if (p.phase !== 'scan') job.progress = { done: p.done, total: p.total };
        },
      });
      job.summary = summary;
      job.errors = [...summary.failures, ...(summary.stoppedEarly ? [{ path: '', reason: `stopped early: ${summary.stoppedEarly}` }] : [])];
      job.status = summary.stoppedEarly ? 'failed' : summary.failures.length ? 'partial' : 'succeeded';
      store.finishRun(runId, summary.stoppedEarly ? 'stopped' : summary.failures.length ? 'partial' : 'ok', summary);
    } catch (error) {
      job.status = 'failed';
      job.errors.push({ path: '', reason: (error as Error)?.message ?? String(error) });
      store.finishRun(runId, 'failed', { error: (error as Error)?.message });
      log.error({ err: error }, 'index job failed');
    } finally {
      store.close();
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
      const roots = config.roots.length ? config.roots : recordedRoots();
      if (!roots.length) throw new UsageError('There are no folders to index: none are configured and no earlier run recorded any. Set "roots" in kb.config.json or KB_ROOTS, or run kb index ./docs once.');
      if (running) throw new JobConflictError(running.job.id);
      const job: IndexJob = { id: randomUUID(), status: 'running', startedAt: new Date().toISOString(), progress: { done: 0, total: 0 }, errors: [] };
      const controller = new AbortController();
      // Claimed before the first await, so a second request in the meantime gets this job's id.
      const slot: RunningJob = { job, controller, done: Promise.resolve() };
      running = slot;
      let release: () => void;
      try {
        release = await acquireIndexLock(config.kbDir, { wait: false });
      } catch (error) {
        running = undefined;
        throw error;
      }
      jobs.set(job.id, job);
      for (const id of jobs.keys()) if (jobs.size > keep && jobs.get(id)!.status !== 'running') jobs.delete(id);
      slot.done = run(job, roots, controller.signal).finally(() => {
        release();
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
