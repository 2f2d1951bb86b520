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
