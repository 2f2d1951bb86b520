import { describe, expect, it } from 'vitest';
import { ModelCallError, type ModelFailureReason } from '../src/errors.js';
import { retryModelCall } from '../src/models/retry-model-call.js';
import { mulberry32 } from '../src/seeded-random.js';

const failure = (reason: ModelFailureReason, extra: { retryAfterMs?: number; isRetryable?: boolean } = {}) =>
  new ModelCallError(reason, { modelId: 'm', reason, isRetryable: extra.isRetryable ?? true, isFatal: false, ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}) });

/** A call that fails with the scripted errors in turn, then succeeds; and a sleep that records instead of waiting. */
function scripted(errors: ModelCallError[]) {
  let calls = 0;
  const waits: number[] = [];
  return {
    call: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return 'ok';
    },
    get calls() {
      return calls;
    },
    waits,
    sleep: async (ms: number) => void waits.push(ms),
  };
}

describe('retryModelCall', () => {
  it('retries throttles with exponential backoff and jitter from the injected random source', async () => {
    const s = scripted([failure('throttled'), failure('throttled'), failure('throttled')]);
    const result = await retryModelCall(s.call, { random: () => 0, sleep: s.sleep, policy: { baseDelayMs: 100, maxDelayMs: 1_000 } });
    expect(result).toEqual({ value: 'ok', attempts: 4 });
    expect(s.waits).toEqual([50, 100, 200]);
    const top = scripted([failure('throttled'), failure('throttled'), failure('throttled'), failure('throttled'), failure('throttled')]);
    await retryModelCall(top.call, { random: () => 0.999999, sleep: top.sleep, policy: { baseDelayMs: 100, maxDelayMs: 1_000 } });
    expect(top.waits.map(Math.round)).toEqual([100, 200, 400, 800, 1000]);
  });

  it('waits what Retry-After says, and gives up when the service asks for longer than the policy allows', async () => {
    const s = scripted([failure('throttled', { retryAfterMs: 3_000 })]);
    await retryModelCall(s.call, { random: mulberry32(1), sleep: s.sleep });
    expect(s.waits).toEqual([3_000]);
    const tooLong = scripted([failure('throttled', { retryAfterMs: 60_000 })]);
    await expect(retryModelCall(tooLong.call, { sleep: tooLong.sleep, policy: { maxRetryAfterMs: 20_000 } })).rejects.toMatchObject({ reason: 'throttled' });
    expect(tooLong.calls).toBe(1);
  });

  it('keeps separate budgets for throttles and failures', async () => {
    const mixed = scripted([failure('throttled'), failure('unavailable'), failure('throttled'), failure('throttled')]);
    const policy = { maxRetries: 1, maxThrottleRetries: 3 };
    await expect(retryModelCall(mixed.call, { sleep: mixed.sleep, policy })).resolves.toMatchObject({ attempts: 5 });
    const failures = scripted([failure('unavailable'), failure('timeout')]);
    await expect(retryModelCall(failures.call, { sleep: failures.sleep, policy })).rejects.toMatchObject({ reason: 'timeout' });
    expect(failures.calls).toBe(2);
    const throttles = scripted(Array.from({ length: 5 }, () => failure('throttled')));
    await expect(retryModelCall(throttles.call, { sleep: throttles.sleep, policy })).rejects.toMatchObject({ reason: 'throttled' });
    expect(throttles.calls).toBe(4);
  });

  it('throws non-retryable and foreign errors at once', async () => {
    const denied = scripted([failure('access-denied', { isRetryable: false })]);
    await expect(retryModelCall(denied.call, { sleep: denied.sleep })).rejects.toMatchObject({ reason: 'access-denied' });
    expect(denied.calls).toBe(1);
    let calls = 0;
    await expect(retryModelCall(async () => { calls++; throw new TypeError('bug'); })).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
  });

  it('stops when the signal aborts, during a wait or before the next attempt', async () => {
    const abortError = () => Object.assign(new Error('stop'), { name: 'AbortError' });
    const during = new AbortController();
    const s = scripted([failure('throttled'), failure('throttled')]);
    const pending = retryModelCall(s.call, {
      signal: during.signal,
      // The wait is where the abort lands: it rejects as a real timers/promises sleep does.
      sleep: (_ms, signal) => new Promise((_resolve, reject) => {
        signal!.addEventListener('abort', () => reject(signal!.reason), { once: true });
        during.abort(abortError());
      }),
    });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(s.calls).toBe(1);

    const between = new AbortController();
    const t = scripted([failure('throttled'), failure('throttled')]);
    const stopped = retryModelCall(t.call, { signal: between.signal, sleep: async () => between.abort(abortError()) });
    await expect(stopped).rejects.toMatchObject({ name: 'AbortError' });
    expect(t.calls).toBe(1);
  });

  it('asks canRetry before each retry (a stream that has sent text must not be repeated)', async () => {
    const s = scripted([failure('unavailable')]);
    await expect(retryModelCall(s.call, { sleep: s.sleep, canRetry: () => false })).rejects.toMatchObject({ reason: 'unavailable' });
    expect(s.calls).toBe(1);
  });
});
