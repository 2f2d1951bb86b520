import { setTimeout as sleep } from 'node:timers/promises';
import { isAbortError, ModelCallError } from '../errors.js';
import type { Embedder } from '../models/embedder.js';

export interface EmbedStats {
  calls: number;
  /** Calls repeated after a retryable failure (throttles included). */
  retries: number;
  throttles: number;
  /** Highest concurrency reached. */
  peakConcurrency: number;
}

/**
 * The one policy for batching, concurrency and retries of embedding calls, shared by every provider.
 * Concurrency is adaptive (AIMD): it climbs by one after a window of successes and drops by 30% on a throttle,
 * so ingestion keeps as many requests in flight as the account's quota allows. Retryable errors are retried
 * with backoff (honouring Retry-After); the last error is thrown to the caller, which reports the file.
 */
export function createEmbedScheduler(
  embedder: Embedder,
  { maxConcurrency = 16, maxRetries = 10, maxThrottleRetries = 60, baseDelayMs = 100, maxConsecutiveFailures = 24 }: { maxConcurrency?: number; maxRetries?: number; maxThrottleRetries?: number; baseDelayMs?: number; maxConsecutiveFailures?: number } = {},
) {
  let limit = Math.min(4, maxConcurrency);
  let inFlight = 0;
  let successes = 0;
  // Failures in a row across all calls: past the limit the service is down, and retrying each batch for
  // minutes would only delay the error the user needs to see.
  let consecutiveFailures = 0;
  let down: ModelCallError | undefined;
  const waiters: Array<() => void> = [];
  const stats: EmbedStats = { calls: 0, retries: 0, throttles: 0, peakConcurrency: 0 };

  // A throttle cuts the limit once per epoch: the calls already in flight when it came were sent at the old
  // limit, and their throttles say nothing new (TCP's once-per-window decrease).
  let epoch = 0;
  const acquire = async (signal?: AbortSignal): Promise<number> => {
    while (inFlight >= limit) {
      await new Promise<void>((resolve) => waiters.push(resolve));
      signal?.throwIfAborted();
    }
    inFlight++;
    stats.peakConcurrency = Math.max(stats.peakConcurrency, inFlight);
    return epoch;
  };
  const release = () => {
    inFlight--;
    waiters.shift()?.();
  };

  const call = async (texts: string[], signal?: AbortSignal): Promise<number[][]> => {
    // Throttles say "slow down", not "this failed": under a tight quota a batch may be throttled many times
    // while the run as a whole progresses, so they have their own, larger budget.
    let errors = 0;
    let throttled = 0;
    for (let attempt = 0; ; attempt++) {
      if (down) throw down;
      const sentIn = await acquire(signal);
      let vectors: number[][];
      try {
        stats.calls++;
        vectors = await embedder.embedDocuments(texts, signal ? { signal } : undefined);
      } catch (error) {
        release();
        if (isAbortError(error) || !(error instanceof ModelCallError) || !error.isRetryable) throw error;
        if (!error.isThrottle && ++consecutiveFailures >= maxConsecutiveFailures) {
          down ??= new ModelCallError(`${embedder.modelId} failed ${consecutiveFailures} calls in a row (last: ${error.message}); the service looks unavailable. Run kb index again later: what was committed is kept.`, {
            modelId: embedder.modelId, isRetryable: true, code: 'SERVICE_DOWN', cause: error, ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
          });
          throw down;
        }
        if (error.isThrottle ? ++throttled > maxThrottleRetries : ++errors > maxRetries) throw error;
        stats.retries++;
        if (error.isThrottle) {
          stats.throttles++;
          if (sentIn === epoch) {
            limit = Math.max(1, Math.floor(limit * 0.7));
            successes = 0;
            epoch++;
          }
        }
        const backoff = error.retryAfterMs ?? Math.min(2_000, baseDelayMs * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
        await sleep(backoff, undefined, signal ? { signal } : undefined);
        continue;
      }
      release();
      consecutiveFailures = 0;
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
