import { setTimeout as sleep } from 'node:timers/promises';
import { isAbortError, ModelCallError } from '../errors.js';
import type { Embedder } from '../models/embedder.js';

export interface EmbedStats {
  calls: number;
  retries: number;
  throttles: number;
  /** Highest concurrency reached. */
  peakConcurrency: number;
}

/**
 * The one policy for batching, concurrency and retries of embedding calls, shared by every provider.
 * Concurrency is adaptive (AIMD): it climbs by one after a window of successes and halves on a throttle,
 * so ingestion keeps as many requests in flight as the account's quota allows. Retryable errors are retried
 * with backoff (honouring Retry-After); the last error is thrown to the caller, which reports the file.
 */
export function createEmbedScheduler(embedder: Embedder, { maxConcurrency = 16, maxRetries = 8, baseDelayMs = 200 }: { maxConcurrency?: number; maxRetries?: number; baseDelayMs?: number } = {}) {
  let limit = Math.min(4, maxConcurrency);
  let inFlight = 0;
  let successes = 0;
  const waiters: Array<() => void> = [];
  const stats: EmbedStats = { calls: 0, retries: 0, throttles: 0, peakConcurrency: 0 };

  const acquire = async (signal?: AbortSignal) => {
    while (inFlight >= limit) {
      await new Promise<void>((resolve) => waiters.push(resolve));
      signal?.throwIfAborted();
    }
    inFlight++;
    stats.peakConcurrency = Math.max(stats.peakConcurrency, inFlight);
  };
  const release = () => {
    inFlight--;
    waiters.shift()?.();
  };

  const call = async (texts: string[], signal?: AbortSignal): Promise<number[][]> => {
    for (let attempt = 0; ; attempt++) {
      await acquire(signal);
      let vectors: number[][];
      try {
        stats.calls++;
        vectors = await embedder.embedDocuments(texts, signal ? { signal } : undefined);
      } catch (error) {
        release();
        if (isAbortError(error) || !(error instanceof ModelCallError) || !error.isRetryable || attempt >= maxRetries) throw error;
        stats.retries++;
        if (error.isThrottle) {
          stats.throttles++;
          limit = Math.max(1, Math.floor(limit / 2));
          successes = 0;
        }
        const backoff = error.retryAfterMs ?? Math.min(20_000, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        await sleep(backoff, undefined, signal ? { signal } : undefined);
        continue;
      }
      release();
      if (++successes >= limit && limit < maxConcurrency) {
        limit++;
        successes = 0;
        waiters.shift()?.(); // the new slot
      }
      return vectors;
    }
  };

  return {
    stats,
    /** Vectors for `texts` in input order, batched by the embedder's maxBatchSize. */
    async embed(texts: string[], signal?: AbortSignal, onBatch?: (start: number, vectors: number[][]) => void): Promise<number[][]> {
      const out: number[][] = new Array(texts.length);
      const batches: number[] = [];
      for (let i = 0; i < texts.length; i += embedder.maxBatchSize) batches.push(i);
      await Promise.all(
        batches.map(async (start) => {
          const part = texts.slice(start, start + embedder.maxBatchSize);
          const vectors = await call(part, signal);
          vectors.forEach((v, j) => (out[start + j] = v));
          onBatch?.(start, vectors);
        }),
      );
      return out;
    },
  };
}
