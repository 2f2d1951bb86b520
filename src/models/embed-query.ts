import type { Embedder, EmbeddingUsage } from './embedder.js';
import { retryModelCall, type RetryContext } from './retry-model-call.js';

export interface QueryEmbedding {
  vector: number[];
  usage: EmbeddingUsage;
  /** Calls made, retries included; the service bills only the successful one. */
  attempts: number;
}

/** A question's embedding, retried under the embedder's policy like every model call. */
export async function embedQuery(embedder: Embedder, text: string, context: Omit<RetryContext, 'policy'> = {}): Promise<QueryEmbedding> {
  const { signal } = context;
  const { value, attempts } = await retryModelCall(() => embedder.embed([text], { purpose: 'query', ...(signal ? { signal } : {}) }), {
    ...context,
    ...(embedder.retryPolicy ? { policy: embedder.retryPolicy } : {}),
  });
  return { vector: value.vectors[0]!, usage: value.usage, attempts };
}
