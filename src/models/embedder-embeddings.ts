import { Embeddings } from '@langchain/core/embeddings';
import type { EmbedOptions, Embedder, EmbedderCapabilities, EmbedResult } from './embedder.js';
import { retryModelCall, type RetryPolicy } from './retry-model-call.js';

/**
 * An Embedder that is also a LangChain `Embeddings`, so our adapters plug into LangChain as they are. LangChain's
 * embedDocuments/embedQuery batch by maxBatchSize and retry through core's retryModelCall; our own code calls
 * `embed` (one attempt, usage in the result) and applies the retry and concurrency policy itself.
 */
export abstract class EmbedderEmbeddings extends Embeddings implements Embedder {
  abstract readonly modelId: string;
  abstract readonly dimensions: number;
  abstract readonly capabilities: EmbedderCapabilities;
  readonly retryPolicy: Partial<RetryPolicy> | undefined;

  constructor(options: { retryPolicy?: Partial<RetryPolicy> } = {}) {
    super({});
    this.retryPolicy = options.retryPolicy;
  }

  abstract embed(texts: string[], options: EmbedOptions): Promise<EmbedResult>;

  async embedDocuments(texts: string[], options: { signal?: AbortSignal } = {}): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let i = 0; i < texts.length; i += this.capabilities.maxBatchSize) {
      const part = texts.slice(i, i + this.capabilities.maxBatchSize);
      vectors.push(...(await this.retried(part, 'document', options.signal)).vectors);
    }
    return vectors;
  }

  async embedQuery(text: string, options: { signal?: AbortSignal } = {}): Promise<number[]> {
    return (await this.retried([text], 'query', options.signal)).vectors[0]!;
  }

  private async retried(texts: string[], purpose: EmbedOptions['purpose'], signal: AbortSignal | undefined): Promise<EmbedResult> {
    const options = { purpose, ...(signal ? { signal } : {}) };
    return (await retryModelCall(() => this.embed(texts, options), { ...(this.retryPolicy ? { policy: this.retryPolicy } : {}), ...(signal ? { signal } : {}) })).value;
  }
}
