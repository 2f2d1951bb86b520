import type { KbConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createBedrockReranker } from './bedrock-reranker.js';
import type { Reranker } from './reranker.js';

/**
 * The configured reranker, checked now (a region without Rerank is a ConfigError at start), or undefined when
 * retrieval.rerank.enabled is off. Wrap the retriever with it: `withReranker(retriever, reranker, { topK, topN })`.
 */
export function createReranker(config: Pick<KbConfig, 'provider' | 'retrieval' | 'bedrock' | 'prices'>): Reranker | undefined {
  if (!config.retrieval.rerank.enabled) return undefined;
  if (config.provider !== 'bedrock') {
    throw new ConfigError('retrieval.rerank.enabled (KB_RERANK) needs provider "bedrock" (KB_PROVIDER=bedrock): reranking calls Bedrock Rerank. Turn it off for offline use.');
  }
  return createBedrockReranker({ config });
}
