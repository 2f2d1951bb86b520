import { ModelCallError } from '../errors.js';
import { fanOutSignal } from '../fan-out-signal.js';
import type { Embedder } from '../models/embedder.js';
import { retryModelCall, type RetryContext } from '../models/retry-model-call.js';

export interface EmbedStats {
  calls: number;
  /** Calls repeated after a retryable failure (throttles included). */
  retries: number;
  throttles: number;
  /** Highest concurrency reached. */
  peakConcurrency: number;
  /** Input tokens the service reported for the successful calls (what is billed). */
  inputTokens: number;
}

export interface EmbedSchedulerOptions {
  maxConcurrency?: number;
  /** Throttle retries per batch; larger than a query's, since concurrency backs off meanwhile. */
  maxThrottleRetries?: number;
  baseDelayMs?: number;
  /** Failures in a row across all calls after which the service is declared down. */
  maxConsecutiveFailures?: number;
  /** Random source and sleep of the retry policy; injected by tests. */
  random?: RetryContext['random'];
  sleep?: RetryContext['sleep'];
}

/**
 * Batching and adaptive concurrency of ingest embedding calls on top of core's retryModelCall. Concurrency is
 * AIMD: it climbs by one after a window of successes and drops by 30% on a throttle, so ingestion keeps as many
 * requests in flight as the account's quota allows. Each attempt holds a slot; backoff waits do not.
 */
export function createEmbedScheduler(
  embedder: Embedder,
  { maxConcurrency = 16, maxThrottleRetries = 60, baseDelayMs, maxConsecutiveFailures = 24, random, sleep }: EmbedSchedulerOptions = {},
) {
  const policy = { ...embedder.retryPolicy, maxThrottleRetries, ...(baseDelayMs !== undefined ? { baseDelayMs } : {}) };
  let limit = Math.min(4, maxConcurrency);
  let inFlight = 0;
  let successes = 0;
  // Failures in a row across all calls: past the limit the service is down, and retrying each batch for
  // minutes would only delay the error the user needs to see.
  let consecutiveFailures = 0;
  let down: ModelCallError | undefined;
  const waiters: Array<() => void> = [];
  const stats: EmbedStats = { calls: 0, retries: 0, throttles: 0, peakConcurrency: 0, inputTokens: 0 };

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

  const noteFailure = (error: ModelCallError, sentIn: number) => {
    if (error.isFatal) down ??= error;
    if (!error.isRetryable) return;
    if (error.reason === 'throttled') {
      if (sentIn === epoch) {
        limit = Math.max(1, Math.floor(limit * 0.7));
        successes = 0;
        epoch++;
      }
      return;
    }
    if (++consecutiveFailures >= maxConsecutiveFailures) {
      down ??= new ModelCallError(
        `${embedder.modelId} failed ${consecutiveFailures} calls in a row (last: ${error.message}); the service looks unavailable. Run kb index again later: what was committed is kept.`,
        { modelId: embedder.modelId, reason: error.reason, isRetryable: true, isFatal: true, code: 'SERVICE_DOWN', cause: error, ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}) },
      );
    }
  };

  const attempt = async (texts: string[], signal: AbortSignal | undefined): Promise<number[][]> => {
    if (down) throw down;
    const sentIn = await acquire(signal);
    try {
      stats.calls++;
      const { vectors, usage } = await embedder.embed(texts, { purpose: 'document', ...(signal ? { signal } : {}) });
      stats.inputTokens += usage.inputTokens;
      consecutiveFailures = 0;
      if (++successes >= limit && limit < maxConcurrency) {
        limit++;
        successes = 0;
        waiters.shift()?.(); // the new slot
      }
      return vectors;
    } catch (error) {
      if (error instanceof ModelCallError) noteFailure(error, sentIn);
      throw down && error instanceof ModelCallError ? down : error;
    } finally {
      release();
    }
  };

  // All files of a run share one listener on the run's signal (see fanOutSignal), held while any embed() runs.
  const shared = sharedSignal();

  const call = async (texts: string[], signal: AbortSignal | undefined): Promise<number[][]> => {
    const { value } = await retryModelCall(() => attempt(texts, signal), {
      policy,
      ...(signal ? { signal } : {}),
      ...(random ? { random } : {}),
      ...(sleep ? { sleep } : {}),
      onRetry: (error) => {
        stats.retries++;
        if (error.reason === 'throttled') stats.throttles++;
      },
    });
    return value;
  };

  return {
    stats,
    /** Vectors for `texts` in input order, batched by the embedder's maxBatchSize. */
    async embed(texts: string[], runSignal?: AbortSignal, onBatch?: (start: number, vectors: number[][]) => void): Promise<number[][]> {
      const { maxBatchSize } = embedder.capabilities;
      const out: number[][] = new Array(texts.length);
      const batches: number[] = [];
      for (let i = 0; i < texts.length; i += maxBatchSize) batches.push(i);
      const signal = shared.use(runSignal);
      try {
        await Promise.all(
          batches.map(async (start) => {
            const vectors = await call(texts.slice(start, start + maxBatchSize), signal);
            vectors.forEach((v, j) => (out[start + j] = v));
            onBatch?.(start, vectors);
          }),
        );
      } finally {
        shared.release();
      }
      return out;
    },
  };
}

function sharedSignal() {
  let current: { parent: AbortSignal; signal: AbortSignal | undefined; dispose: () => void } | undefined;
  let users = 0;
  return {
    use(parent: AbortSignal | undefined): AbortSignal | undefined {
      if (!parent) return undefined;
      if (current?.parent !== parent) {
        current?.dispose();
        current = { parent, ...fanOutSignal(parent) };
      }
      users++;
      return current.signal;
    },
    release(): void {
      if (!current || --users > 0) return;
      current.dispose();
      current = undefined;
      users = 0;
    },
  };
}
