import { type LoadedConfig, priceFor } from '../config-input.js';
import { effectiveChunking } from '../ingest/effective-chunking.js';
import { type IndexProgress, indexFolders } from '../ingest/index-folders.js';
import type { IndexSummary } from '../ingest/index-summary.js';
import type { Embedder } from '../models/embedder.js';
import type { KbStore } from '../store/kb-store.js';

export interface RunIndexOptions {
  /** Absolute folders to index. */
  roots: string[];
  dryRun?: boolean;
  rebuild?: boolean;
  retryFailed?: boolean;
  /** Queue behind another writer instead of refusing with LockedError. */
  wait?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
}

/**
 * One index run, as `kb index`, the server's index job and `kb watch` all do it: under the writer lock (a
 * dry run takes none and records nothing). See runIndexUnderLock.
 */
export async function runIndex(kb: IndexTarget, options: RunIndexOptions): Promise<IndexSummary> {
  const release = options.dryRun ? async () => {} : await kb.store.acquireWriter({ wait: !!options.wait, ...(options.signal ? { signal: options.signal } : {}) });
  try {
    return await runIndexUnderLock(kb, options);
  } finally {
    await release();
  }
}

/**
 * The run itself, for a caller that already holds the writer lock (the server takes it before answering
 * "started"): the chunk settings the knowledge base was built with unless configuration chose others, and
 * the run recorded with its summary whatever the outcome.
 */
export async function runIndexUnderLock({ config, store, embedder }: IndexTarget, options: Omit<RunIndexOptions, 'wait'>): Promise<IndexSummary> {
  const { dryRun = false, signal } = options;
  const runId = dryRun ? 0 : await store.startRun();
  try {
    const price = config.provider === 'bedrock' ? priceFor(config, embedder.modelId) : undefined;
    const summary = await indexFolders({
      roots: options.roots,
      store,
      embedder,
      chunking: effectiveChunking(config, (await store.indexInfo()).chunking),
      ingest: config.ingest,
      maxConcurrency: config.embedding.maxConcurrency,
      dryRun,
      rebuild: !!options.rebuild,
      retryFailed: !!options.retryFailed,
      ...(price ? { pricePer1k: price.inputPer1k } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(signal ? { signal } : {}),
    });
    if (!dryRun) await store.finishRun(runId, summary.stoppedEarly ? 'stopped' : summary.failures.length ? 'partial' : 'ok', summary);
    return summary;
  } catch (error) {
    if (!dryRun) await store.finishRun(runId, 'failed', { error: (error as Error)?.message ?? String(error) });
    throw error;
  }
}

/** What a run writes to and embeds with. */
export interface IndexTarget {
  config: LoadedConfig;
  store: KbStore;
  embedder: Embedder;
}
