/**
 * Fusion weights calibrated per kind of embedder on SciFact train (nDCG@10, `npm run eval:scifact`). The offline
 * hashed embedder ranks far below BM25 and every fused weight tried ranked below BM25 alone, so offline retrieval
 * is keyword-first; semantic embeddings (Titan, Cohere) earn an equal vote. Rule: never ship a default that
 * ranks worse than its best component.
 */
export const LEXICAL_FUSION_WEIGHTS = { vectorWeight: 0, keywordWeight: 1 } as const;
export const SEMANTIC_FUSION_WEIGHTS = { vectorWeight: 1, keywordWeight: 1 } as const;
