import type { KbConfig } from '../config.js';
import { createBedrockReranker } from './bedrock-reranker.js';
import type { Reranker } from './reranker.js';
import { checkRerankConfig } from './resolve-rerank-model.js';

/**
 * The configured reranker, checked now (a region without Rerank is a ConfigError at start), or undefined when
 * retrieval.rerank.enabled is off. Wrap the retriever with it: `withReranker(retriever, reranker, { topK, topN })`.
 */
export function createReranker(config: Pick<KbConfig, 'provider' | 'retrieval' | 'bedrock' | 'prices'>): Reranker | undefined {
  if (!config.retrieval.rerank.enabled) return undefined;
  checkRerankConfig(config);
  return createBedrockReranker({ config });
}
