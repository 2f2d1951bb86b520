import { setTimeout as timersSleep } from 'node:timers/promises';
import { isAbortError, ModelCallError } from '../errors.js';

/** How often and how patiently a model call is repeated. Every model call in the project goes through this. */
export interface RetryPolicy {
  /** Repeats after retryable failures other than throttles (5xx, timeouts, dropped connections). */
  maxRetries: number;
  /** Repeats after throttles: "slow down" is not "this failed", so it has its own, larger budget. */
  maxThrottleRetries: number;
  /** First backoff; doubles per attempt up to maxDelayMs, then jittered to between half and all of it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error goes to the caller instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, maxThrottleRetries: 10, baseDelayMs: 100, maxDelayMs: 2_000, maxRetryAfterMs: 20_000 };

export interface RetryContext {
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Values in [0, 1); injected so tests are deterministic. */
  random?: () => number;
  /** Waits `ms` or rejects when the signal aborts; injected so tests need no real time. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told about each failure that will be retried, before the wait (the embed scheduler adapts to throttles here). */
  onRetry?: (error: ModelCallError, info: { attempt: number; delayMs: number }) => void;
  /** A last say on whether this error may be retried (e.g. not once a stream has sent text to the user). */
  canRetry?: (error: ModelCallError) => boolean;
}

export interface RetryOutcome<T> {
  value: T;
  /** Calls made, the successful one included. */
  attempts: number;
}

/**
 * Calls `call` until it succeeds, an error is not retryable, a budget runs out, or the signal aborts.
 * Retryable means a ModelCallError with `isRetryable` (the adapter decides); anything else is thrown at once.
 * The delay is the service's Retry-After when it gave one, else exponential backoff with jitter.
 */
export async function retryModelCall<T>(call: (attempt: number) => Promise<T>, context: RetryContext = {}): Promise<RetryOutcome<T>> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...context.policy };
  const { signal, random = Math.random, sleep = defaultSleep } = context;
  let failures = 0;
  let throttles = 0;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return { value: await call(attempt), attempts: attempt };
    } catch (error) {
      if (isAbortError(error) || !(error instanceof ModelCallError) || !error.isRetryable) throw error;
      if (context.canRetry && !context.canRetry(error)) throw error;
      if (error.reason === 'throttled' ? ++throttles > policy.maxThrottleRetries : ++failures > policy.maxRetries) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2);
      const asked = error.retryAfterMs;
      if (asked !== undefined && asked > policy.maxRetryAfterMs) throw error;
      const delayMs = asked !== undefined && asked >= 0 ? asked : backoff;
      context.onRetry?.(error, { attempt, delayMs });
      await sleep(delayMs, signal);
    }
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return timersSleep(ms, undefined, signal ? { signal } : undefined);
}
