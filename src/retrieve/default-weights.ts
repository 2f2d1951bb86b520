import type { Embedder } from '../models/embedder.js';

/** The fusion weights the embedder declares (src/models/fusion-weights.ts has how they were calibrated). */
export function defaultWeights(embedder: Pick<Embedder, 'capabilities'>): { vectorWeight: number; keywordWeight: number } {
  return { ...embedder.capabilities.fusionWeights };
}

/**
 * BM25 weight of the title + heading path field against the body (1), calibrated on SciFact train with
 * `npm run eval:scifact`: a query term in a chunk's title says more about it than one in its text. Keyword
 * nDCG@10 at weights 1, 2, 3, 5: 0.704, 0.705, 0.704, 0.701 (title as plain body text: 0.703).
 */
export const CONTEXT_FIELD_WEIGHT = 2;
