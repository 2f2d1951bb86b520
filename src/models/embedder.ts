/**
 * The seam between core and embedding providers. LangChain `Embeddings` subclasses satisfy it structurally,
 * so core never imports a vendor type: it sees `number[][]`.
 */
export interface Embedder {
  /** Stable id recorded in the index, e.g. "local-hash-v1" or "amazon.titan-embed-text-v2:0". */
  readonly modelId: string;
  readonly dimensions: number;
  /** Most texts one call may carry (Titan: 1, Cohere: 96, local: any). */
  readonly maxBatchSize: number;
  /** Vectors are in input order. */
  embedDocuments(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
  embedQuery(text: string, options?: { signal?: AbortSignal }): Promise<number[]>;
  /** Input tokens the service reported (or we estimated) since creation. */
  readonly tokensUsed?: number;
}

/** The id stored in the index: model plus dimension, so a dimension change is a model change. */
export function embedderKey(e: Pick<Embedder, 'modelId' | 'dimensions'>): string {
  return `${e.modelId}@${e.dimensions}`;
}
