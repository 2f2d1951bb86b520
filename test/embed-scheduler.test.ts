import { describe, expect, test } from 'vitest';
import { ModelCallError } from '../src/errors.js';
import { createEmbedScheduler } from '../src/ingest/embed-texts.js';
import type { Embedder } from '../src/models/embedder.js';

/** An embedder double that fails calls as scripted and records what it embedded. */
function flakyEmbedder(fail: (call: number) => 'throttle' | 'error' | undefined): Embedder & { embedded: string[]; calls: number; peak: number } {
  let inFlight = 0;
  const e = {
    modelId: 'flaky', dimensions: 2, maxBatchSize: 2, embedded: [] as string[], calls: 0, peak: 0,
    async embedDocuments(texts: string[]) {
      const n = ++e.calls;
      inFlight++;
      e.peak = Math.max(e.peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      const f = fail(n);
      if (f === 'throttle') throw new ModelCallError('throttled', { modelId: 'flaky', isRetryable: true, isThrottle: true, statusCode: 429 });
      if (f === 'error') throw new ModelCallError('unavailable', { modelId: 'flaky', isRetryable: true, statusCode: 503 });
      e.embedded.push(...texts);
      return texts.map((t) => [t.length, 1]);
    },
    async embedQuery(): Promise<number[]> {
      throw new Error('not expected');
    },
  };
  return e;
}

describe('embed scheduler', () => {
  test('under heavy throttling every text is embedded exactly once, in input order, and concurrency backs off', async () => {
    const embedder = flakyEmbedder((n) => (n % 5 !== 0 ? 'throttle' : undefined)); // 80% throttled
    const scheduler = createEmbedScheduler(embedder, { maxConcurrency: 8, baseDelayMs: 1 });
    const texts = Array.from({ length: 40 }, (_, i) => `text ${i}`);
    const vectors = await scheduler.embed(texts);
    expect(vectors.map((v) => v[0])).toEqual(texts.map((t) => t.length));
    expect([...embedder.embedded].sort()).toEqual([...texts].sort());
    expect(scheduler.stats.throttles).toBeGreaterThan(20);
    expect(embedder.peak).toBeLessThanOrEqual(8);
  });

  test('a service that fails every call is declared down promptly instead of retrying for minutes', async () => {
    const embedder = flakyEmbedder(() => 'error');
    const scheduler = createEmbedScheduler(embedder, { baseDelayMs: 1, maxConsecutiveFailures: 10 });
    const t0 = Date.now();
    const error = await scheduler.embed(Array.from({ length: 20 }, (_, i) => `t${i}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).code).toBe('SERVICE_DOWN');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  test('climbs again after throttles stop', async () => {
    const embedder = flakyEmbedder((n) => (n <= 6 ? 'throttle' : undefined));
    const scheduler = createEmbedScheduler(embedder, { maxConcurrency: 16, baseDelayMs: 1 });
    await scheduler.embed(Array.from({ length: 400 }, (_, i) => `x${i}`));
    expect(scheduler.stats.peakConcurrency).toBeGreaterThan(4);
  });
});
