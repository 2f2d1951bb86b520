import type { Embedder } from '../models/embedder.js';

/** The fusion weights the embedder declares (src/models/fusion-weights.ts has how they were calibrated). */
export function defaultWeights(embedder: Pick<Embedder, 'capabilities'>): { vectorWeight: number; keywordWeight: number } {
  return { ...embedder.capabilities.fusionWeights };
}
