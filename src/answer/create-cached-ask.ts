import { join } from 'node:path';
import type { KbConfig } from '../config.js';
import { openAnswerCache } from './answer-cache.js';
import { answerQuestion } from './answer-question.js';
import { withAnswerCache, type AnswerQuestionFn } from './with-answer-cache.js';

export interface CachedAskOptions {
  config: Pick<KbConfig, 'kbDir' | 'answer' | 'retrieval' | 'embedding'>;
  /** The knowledge base generation now, e.g. `async () => (await store.indexInfo()).generation`. */
  generation: () => Promise<number>;
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
  /** Each lookup's outcome, for metrics. */
  onLookup?: (hit: boolean) => void;
}

/** The file the answer cache of a knowledge base lives in. */
export function answerCacheFile(kbDir: string): string {
  return join(kbDir, 'answer-cache.sqlite');
}

/**
 * answerQuestion for a configuration: behind the answer cache in <kbDir>/answer-cache.sqlite when
 * answer.cache.enabled, else answerQuestion itself. `close` releases the cache file.
 */
export function createCachedAsk({ config, generation, now, onLookup }: CachedAskOptions): { ask: AnswerQuestionFn; close(): void } {
  const { cache: options, ...answerSettings } = config.answer;
  if (!options.enabled) return { ask: answerQuestion, close: () => {} };
  const cache = openAnswerCache({ file: answerCacheFile(config.kbDir), ttlSeconds: options.ttlSeconds, maxEntries: options.maxEntries, ...(now ? { now } : {}) });
  const settings = { answer: answerSettings, retrieval: config.retrieval, embedding: config.embedding };
  return { ask: withAnswerCache(answerQuestion, { cache, generation, settings, ...(onLookup ? { onLookup } : {}) }), close: () => cache.close() };
}
