import type { AnswerCache } from './answer-cache.js';
import { answerCacheKey } from './answer-cache-key.js';
import type { AnsweredQuestion, AnswerQuestionInput } from './answer-question.js';

export type AnswerQuestionFn = (input: AnswerQuestionInput) => Promise<AnsweredQuestion>;

export interface WithAnswerCacheOptions {
  cache: AnswerCache;
  /** The knowledge base generation now (KbStore indexInfo().generation); read before every lookup. */
  generation: () => Promise<number>;
  /** Configuration the answers depend on (answer and retrieval settings); part of the key. */
  settings?: unknown;
  /** Called with each lookup's outcome, for metrics. */
  onLookup?: (hit: boolean) => void;
}

/**
 * answerQuestion with a cache in front: a repeated question (same normalised text, history, filters, topK,
 * parameters, answer model, settings and knowledge base generation) is answered from the cache with no model
 * call at all (no rewrite, no query embedding, no chat), `cached: true`, zero usage and zero cost. Streaming
 * callers get the sources and the whole answer text as one token. Failures and aborted answers are not stored.
 */
export function withAnswerCache(answer: AnswerQuestionFn, { cache, generation, settings, onLookup }: WithAnswerCacheOptions): AnswerQuestionFn {
  return async (input) => {
    const started = performance.now();
    const key = answerCacheKey({
      question: input.question,
      ...(input.history ? { history: input.history } : {}),
      ...(input.filters ? { filters: input.filters } : {}),
      ...(input.topK !== undefined ? { topK: input.topK } : {}),
      ...(input.params ? { params: input.params } : {}),
      ...(input.rerank !== undefined ? { rerank: input.rerank } : {}),
      ...(input.rerankTopN !== undefined ? { rerankTopN: input.rerankTopN } : {}),
      model: input.answerer.modelId,
      generation: await generation(),
      settings: { settings, minCoverage: input.minCoverage },
    });
    const hit = cache.get(key);
    onLookup?.(hit !== undefined);
    if (hit) {
      input.onSources?.(hit.sources);
      input.onToken?.(hit.answer);
      const totalMs = performance.now() - started;
      return { ...hit, cached: true, usage: { inputTokens: 0, outputTokens: 0, embeddingTokens: 0 }, cost: { usd: 0, byModel: {} }, timings: { retrieveMs: 0, answerMs: 0, totalMs } };
    }
    const result = await answer(input);
    if (!input.signal?.aborted) cache.put(key, result);
    return { ...result, cached: false };
  };
}
