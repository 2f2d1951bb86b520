import { InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { parseJsonBody } from './parse-json-body.js';
import { z } from 'zod';
import { ModelCallError, UsageError } from '../errors.js';
import { type BedrockCallContext, toModelCallError } from './bedrock-errors.js';
import type { EmbedderCapabilities, EmbedOptions, EmbedResult } from './embedder.js';
import { EmbedderEmbeddings } from './embedder-embeddings.js';
import type { RetryPolicy } from './retry-model-call.js';
import { SEMANTIC_FUSION_WEIGHTS } from './fusion-weights.js';

export const TITAN_V2_MODEL_ID = 'amazon.titan-embed-text-v2:0';
export const TITAN_V1_MODEL_ID = 'amazon.titan-embed-text-v1';
export type TitanModelId = typeof TITAN_V2_MODEL_ID | typeof TITAN_V1_MODEL_ID;

// https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
const MAX_TOKENS = 8192;
const V2_MAX_CHARS = 50_000;

const responseSchema = z.object({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().int().nonnegative(),
});

export interface TitanEmbeddingsOptions {
  client: BedrockRuntimeClient;
  modelId: TitanModelId;
  /** V2: 256, 512 or 1024; V1: 1536. */
  dimensions: number;
  /** Named in error messages. */
  region?: string;
  endpoint?: string;
  retryPolicy?: Partial<RetryPolicy>;
}

/**
 * Amazon Titan Text Embeddings (V1 and V2) over InvokeModel. Titan takes one `inputText` per call, so
 * maxBatchSize is 1; core owns concurrency and retries. V2 asks for L2-normalised vectors (`normalize: true`), which cosine search assumes.
 *
 * Not LangChain's BedrockEmbeddings: it fires every request at once with no concurrency limit, wraps service
 * errors into plain Errors (losing throttling vs. access denied), and drops the token counts Bedrock returns.
 */
export class TitanEmbeddings extends EmbedderEmbeddings {
  readonly modelId: TitanModelId;
  readonly dimensions: number;
  readonly capabilities: EmbedderCapabilities = { maxBatchSize: 1, costsTokens: true, parallelCalls: true, fusionWeights: SEMANTIC_FUSION_WEIGHTS };
  private readonly client: BedrockRuntimeClient;
  private readonly context: BedrockCallContext;

  constructor({ client, modelId, dimensions, region, endpoint, retryPolicy }: TitanEmbeddingsOptions) {
    super(retryPolicy ? { retryPolicy } : {});
    this.client = client;
    this.modelId = modelId;
    this.dimensions = dimensions;
    this.context = { modelId, kind: 'embedding', ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
  }

  async embed(texts: string[], { signal }: EmbedOptions): Promise<EmbedResult> {
    if (texts.length !== 1) throw new UsageError(`${this.modelId} embeds one text per call; got ${texts.length}. Batch by capabilities.maxBatchSize.`, { code: 'EMBEDDING_BATCH_TOO_LARGE' });
    const text = texts[0]!;
    this.checkLimits(text);
    const v2 = this.modelId === TITAN_V2_MODEL_ID;
    // V2 `embeddingTypes: ["float"]` is the default; binary vectors would not fit our cosine index.
    const body = v2 ? { inputText: text, dimensions: this.dimensions, normalize: true } : { inputText: text };
    let bytes: Uint8Array;
    try {
      const command = new InvokeModelCommand({ modelId: this.modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) });
      bytes = (await this.client.send(command, signal ? { abortSignal: signal } : {})).body;
    } catch (error) {
      throw toModelCallError(error, this.context);
    }
    const parsed = responseSchema.safeParse(parseJsonBody(bytes));
    if (!parsed.success || parsed.data.embedding.length !== this.dimensions) {
      throw new ModelCallError(`${this.modelId} returned an unexpected response (expected { embedding: number[${this.dimensions}], inputTextTokenCount }).`, {
        modelId: this.modelId, reason: 'validation', isRetryable: false, isFatal: true, code: 'MODEL_BAD_RESPONSE', ...(parsed.success ? {} : { cause: parsed.error }),
      });
    }
    return { vectors: [parsed.data.embedding], usage: { inputTokens: parsed.data.inputTextTokenCount } };
  }

  /** A guard, never a truncation: core's chunker keeps chunks far below these limits. */
  private checkLimits(text: string): void {
    if (text.length === 0) throw new UsageError(`${this.modelId} cannot embed an empty text.`, { code: 'EMBEDDING_INPUT_EMPTY' });
    if (this.modelId === TITAN_V2_MODEL_ID && text.length > V2_MAX_CHARS) {
      throw new UsageError(
        `A text of ${text.length.toLocaleString('en-US')} characters is over ${this.modelId}'s limit of ${V2_MAX_CHARS.toLocaleString('en-US')} characters per call; split it into smaller chunks.`,
        { code: 'EMBEDDING_INPUT_TOO_LONG' },
      );
    }
    // Estimated at ~1.3 tokens per word; the service counts exactly and rejects what this lets through.
    const tokens = Math.ceil((text.match(/\S+/g)?.length ?? 0) * 1.3);
    if (tokens > MAX_TOKENS) {
      throw new UsageError(
        `A text of about ${tokens.toLocaleString('en-US')} tokens is over ${this.modelId}'s limit of ${MAX_TOKENS.toLocaleString('en-US')} tokens per call; split it into smaller chunks.`,
        { code: 'EMBEDDING_INPUT_TOO_LONG' },
      );
    }
  }
}
