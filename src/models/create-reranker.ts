import type { KbConfig } from '../config.js';
import { createBedrockReranker } from './bedrock-reranker.js';
import type { Reranker } from './reranker.js';
import { checkRerankConfig } from './resolve-rerank-model.js';

/**
 * The configured reranker, checked now (a region without Rerank is a ConfigError at start), PII redacted when
 * answer.redactPii is on, or undefined when retrieval.rerank.enabled is off. Wrap the retriever with it: `withReranker(retriever, reranker, { topK, topN })`.
 */
export async function createReranker(config: Pick<KbConfig, 'provider' | 'retrieval' | 'bedrock' | 'prices'> & { answer?: Pick<KbConfig['answer'], 'redactPii'> }): Promise<Reranker | undefined> {
  if (!config.retrieval.rerank.enabled) return undefined;
  checkRerankConfig(config);
  const reranker = createBedrockReranker({ config });
  if (!config.answer?.redactPii) return reranker;
  // answer.redactPii: what is reranked is sent to Bedrock too.
  const { withRerankRedaction } = await import('../pii/redacting-reranker.js');
  return withRerankRedaction(reranker);
}
