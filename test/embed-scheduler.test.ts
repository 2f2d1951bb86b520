import { describe, expect, test } from 'vitest';
import { ModelCallError } from '../src/errors.js';
import { createEmbedScheduler } from '../src/ingest/embed-texts.js';
import type { Embedder } from '../src/models/embedder.js';
import { mulberry32 } from '../src/seeded-random.js';

const throttle = () => new ModelCallError('throttled', { modelId: 'flaky', reason: 'throttled', isRetryable: true, isFatal: false, statusCode: 429 });
const unavailable = () => new ModelCallError('unavailable', { modelId: 'flaky', reason: 'unavailable', isRetryable: true, isFatal: false, statusCode: 503 });

/** An embedder double that fails calls as scripted and records what it embedded; each call settles on the next tick. */
function flakyEmbedder(fail: (call: number) => 'throttle' | 'error' | undefined): Embedder & { embedded: string[]; calls: number; peak: number } {
  let inFlight = 0;
  const e = {
    modelId: 'flaky', dimensions: 2, embedded: [] as string[], calls: 0, peak: 0,
    capabilities: { maxBatchSize: 2, costsTokens: true, parallelCalls: true, fusionWeights: { vectorWeight: 1, keywordWeight: 1 } },
    async embed(texts: string[], { purpose }: { purpose: string }) {
      if (purpose !== 'document') throw new Error(`unexpected ${purpose} embedding`);
      const n = ++e.calls;
      inFlight++;
      e.peak = Math.max(e.peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      const f = fail(n);
      if (f === 'throttle') throw throttle();
      if (f === 'error') throw unavailable();
      e.embedded.push(...texts);
      return { vectors: texts.map((t) => [t.length, 1]), usage: { inputTokens: texts.length * 3 } };
    },
  };
  return e;
}

/** Backoff waits recorded instead of slept: the tests run in milliseconds and are the same every run. */
function recordedSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('embed scheduler', () => {
  test('under heavy throttling every text is embedded exactly once, in input order, and concurrency backs off', async () => {
    const embedder = flakyEmbedder((n) => (n % 5 !== 0 ? 'throttle' : undefined)); // 80% throttled
    const { waits, sleep } = recordedSleep();
    const scheduler = createEmbedScheduler(embedder, { maxConcurrency: 8, random: mulberry32(7), sleep });
    const texts = Array.from({ length: 40 }, (_, i) => `text ${i}`);
    const vectors = await scheduler.embed(texts);
    expect(vectors.map((v) => v[0])).toEqual(texts.map((t) => t.length));
    expect([...embedder.embedded].sort()).toEqual([...texts].sort());
    expect(scheduler.stats.throttles).toBeGreaterThan(20);
    expect(scheduler.stats.throttles).toBe(waits.length);
    expect(embedder.peak).toBeLessThanOrEqual(8);
    // Usage is what the (double) service reported for the successful calls only.
    expect(scheduler.stats.inputTokens).toBe(40 * 3);
  });

  test('the same seed gives the same backoff waits (jitter comes from the injected random source)', async () => {
    const run = async () => {
      const { waits, sleep } = recordedSleep();
      const scheduler = createEmbedScheduler(flakyEmbedder((n) => (n <= 3 ? 'throttle' : undefined)), { maxConcurrency: 1, random: mulberry32(42), sleep });
      await scheduler.embed(['a', 'b']);
      return waits;
    };
    const first = await run();
    expect(first).toHaveLength(3);
    expect(await run()).toEqual(first);
    // Exponential with jitter in [half, all] of 100, 200, 400 ms.
    first.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(50 * 2 ** i);
      expect(w).toBeLessThanOrEqual(100 * 2 ** i);
    });
  });

  test('a service that fails every call is declared down promptly instead of retrying for minutes', async () => {
    const embedder = flakyEmbedder(() => 'error');
    const { sleep } = recordedSleep();
    const scheduler = createEmbedScheduler(embedder, { maxConsecutiveFailures: 10, random: () => 0.5, sleep });
    const error = await scheduler.embed(Array.from({ length: 20 }, (_, i) => `t${i}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ code: 'SERVICE_DOWN', isFatal: true });
    expect(embedder.calls).toBeLessThan(20);
  });

  test('climbs again after throttles stop', async () => {
    const embedder = flakyEmbedder((n) => (n <= 6 ? 'throttle' : undefined));
    const { sleep } = recordedSleep();
    const scheduler = createEmbedScheduler(embedder, { maxConcurrency: 16, random: () => 0.5, sleep });
    await scheduler.embed(Array.from({ length: 400 }, (_, i) => `x${i}`));
    expect(scheduler.stats.peakConcurrency).toBeGreaterThan(4);
  });

  test('many batches in flight on one run signal add one abort listener to it, not one per request', async () => {
    const controller = new AbortController();
    let added = 0;
    const original = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      added++;
      return original(...args);
    }) as AbortSignal['addEventListener'];
    const { sleep } = recordedSleep();
    const scheduler = createEmbedScheduler(flakyEmbedder((n) => (n % 3 === 0 ? 'throttle' : undefined)), { maxConcurrency: 16, random: () => 0.5, sleep });
    await Promise.all(Array.from({ length: 20 }, (_, f) => scheduler.embed(Array.from({ length: 30 }, (_, i) => `f${f} t${i}`), controller.signal)));
    expect(added).toBe(1);
  });
});
