/** What one rerank call cost: billed queries, the service's price for them, attempts made. */
export interface RerankUsage {
  model: string;
  /** Sources scored. */
  documents: number;
  /** Billed queries: one per RERANK_DOCUMENTS_PER_QUERY sources, rounded up. */
  queries: number;
  /** USD, when the catalogue or kb.config.json `prices` knows the model's price per 1,000 queries. */
  costUsd?: number;
  attempts: number;
}

export interface RerankOutcome {
  /** Best first; `index` is the position in the texts given, `score` the model's relevance (higher is better). */
  results: Array<{ index: number; score: number }>;
  usage: RerankUsage;
}

export interface RerankOptions {
  /** How many results to return (default: all). */
  topN?: number;
  signal?: AbortSignal;
}

/** A model that orders texts by relevance to a query: Bedrock Rerank today, a recording double in tests. */
export interface Reranker {
  readonly modelId: string;
  rerank(query: string, texts: string[], options?: RerankOptions): Promise<RerankOutcome>;
}
