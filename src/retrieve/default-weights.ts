/**
 * Fusion weights calibrated per embedding provider on SciFact train (nDCG@10, `npm run eval:scifact`).
 * The offline hashed embedder ranks far below BM25 and every fused weight tried ranked below BM25 alone,
 * so offline retrieval is keyword-first; semantic embeddings (Titan, Cohere) earn an equal vote.
 * Rule: never ship a default that ranks worse than its best component.
 */
export function defaultWeights(embeddingModelId: string): { vectorWeight: number; keywordWeight: number } {
  if (embeddingModelId.startsWith('local')) return { vectorWeight: 0, keywordWeight: 1 };
  return { vectorWeight: 1, keywordWeight: 1 };
}

/**
 * BM25 weight of the title + heading path field against the body (1), calibrated on SciFact train with
 * `npm run eval:scifact`: a query term in a chunk's title says more about it than one in its text. Keyword
 * nDCG@10 at weights 1, 2, 3, 5: 0.704, 0.705, 0.704, 0.701 (title as plain body text: 0.703).
 */
export const CONTEXT_FIELD_WEIGHT = 2;
