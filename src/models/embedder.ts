import type { RetryPolicy } from './retry-model-call.js';

/** What an embedder can do, declared by the adapter so callers never guess from a model id. */
export interface EmbedderCapabilities {
  /** Most texts one call may carry (Titan: 1, Cohere: 96, local: any). */
  maxBatchSize: number;
  /** Whether calls are billed per token (remote models); local embedding is free. */
  costsTokens: boolean;
  /** Whether many calls in flight help: true for a remote service, false for CPU-bound local work. */
  parallelCalls: boolean;
  /** Fusion weights calibrated for this embedder (see src/retrieve/default-weights.ts). */
  fusionWeights: { vectorWeight: number; keywordWeight: number };
}

/** Tokens one call consumed, as the service reported them (or as the local embedder counted them). */
export interface EmbeddingUsage {
  inputTokens: number;
}

export interface EmbedResult {
  /** In input order. */
  vectors: number[][];
  usage: EmbeddingUsage;
}

export interface EmbedOptions {
  /** Documents and queries are embedded differently by some models (Cohere's input_type). */
  purpose: 'document' | 'query';
  signal?: AbortSignal;
}

/**
 * The seam between core and embedding providers: one call, one attempt (core's retryModelCall retries), usage
 * with every result. Core never imports a vendor type: it sees `number[][]`.
 */
export interface Embedder {
  /** Stable id recorded in the index, e.g. "local-hash-v1" or "amazon.titan-embed-text-v2:0". */
  readonly modelId: string;
  readonly dimensions: number;
  readonly capabilities: EmbedderCapabilities;
  /** Budgets for retrying this embedder's calls, from configuration (bedrock.maxAttempts); defaults when absent. */
  readonly retryPolicy?: Partial<RetryPolicy>;
  /** At most capabilities.maxBatchSize texts. Throws ModelCallError (or UsageError for input over the model's limits). */
  embed(texts: string[], options: EmbedOptions): Promise<EmbedResult>;
}

/** The id stored in the index: model plus dimension, so a dimension change is a model change. */
export function embedderKey(e: Pick<Embedder, 'modelId' | 'dimensions'>): string {
  return `${e.modelId}@${e.dimensions}`;
}
