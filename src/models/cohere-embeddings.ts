import { InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { parseJsonBody } from './parse-json-body.js';
import { z } from 'zod';
import { ModelCallError, UsageError } from '../errors.js';
import { type BedrockCallContext, toModelCallError } from './bedrock-errors.js';
import type { EmbedderCapabilities, EmbedOptions, EmbedResult } from './embedder.js';
import { EmbedderEmbeddings } from './embedder-embeddings.js';
import type { RetryPolicy } from './retry-model-call.js';
import { SEMANTIC_FUSION_WEIGHTS } from './fusion-weights.js';

export const COHERE_MODEL_IDS = ['cohere.embed-english-v3', 'cohere.embed-multilingual-v3'] as const;
export type CohereModelId = (typeof COHERE_MODEL_IDS)[number];

// https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed-v3.html
const MAX_TEXTS = 96;
const MAX_CHARS = 2048;
const DIMENSIONS = 1024;

const responseSchema = z.object({
  embeddings: z.array(z.array(z.number())),
  response_type: z.literal('embeddings_floats').optional(),
});

type InputType = 'search_document' | 'search_query';

export interface CohereEmbeddingsOptions {
  client: BedrockRuntimeClient;
  modelId: CohereModelId;
  /** Named in error messages. */
  region?: string;
  endpoint?: string;
  retryPolicy?: Partial<RetryPolicy>;
}

/**
 * Cohere Embed v3 (English, multilingual) over InvokeModel: up to 96 texts per call, 1024 dimensions. Documents
 * and queries are embedded with different `input_type`s, as Cohere requires for retrieval. The input token
 * count comes in the X-Amzn-Bedrock-Input-Token-Count response header, not in the body.
 *
 * Not LangChain's BedrockEmbeddings: it fires every request at once with no concurrency limit, wraps service
 * errors into plain Errors (losing throttling vs. access denied), and drops the token counts Bedrock returns.
 * Retries and concurrency are core's, so neither is done here.
 */
export class CohereEmbeddings extends EmbedderEmbeddings {
  readonly modelId: CohereModelId;
  readonly dimensions = DIMENSIONS;
  readonly capabilities: EmbedderCapabilities = { maxBatchSize: MAX_TEXTS, costsTokens: true, parallelCalls: true, fusionWeights: SEMANTIC_FUSION_WEIGHTS };
  private readonly client: BedrockRuntimeClient;
  private readonly context: BedrockCallContext;

  constructor({ client, modelId, region, endpoint, retryPolicy }: CohereEmbeddingsOptions) {
    super(retryPolicy ? { retryPolicy } : {});
    this.client = client;
    this.modelId = modelId;
    this.context = { modelId, kind: 'embedding', ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
  }

  async embed(texts: string[], { purpose, signal }: EmbedOptions): Promise<EmbedResult> {
    if (texts.length === 0) return { vectors: [], usage: { inputTokens: 0 } };
    const inputType: InputType = purpose === 'query' ? 'search_query' : 'search_document';
    this.checkLimits(texts);
    // truncate NONE: an over-long text is an error, never silently cut.
    const body = { texts, input_type: inputType, truncate: 'NONE' };
    const command = new InvokeModelCommand({
      modelId: this.modelId,
      contentType: 'application/json',
      accept: 'application/json',
      body: JSON.stringify(body),
    });
    let tokenCount: string | undefined;
    // The SDK's InvokeModel output has no field for this header, so read it off the raw response.
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        tokenCount = (result.response as { headers?: Record<string, string> }).headers?.['x-amzn-bedrock-input-token-count'];
        return result;
      },
      { step: 'deserialize', name: 'kbInputTokenCount' },
    );
    let bytes: Uint8Array;
    try {
      bytes = (await this.client.send(command, signal ? { abortSignal: signal } : {})).body;
    } catch (error) {
      throw toModelCallError(error, this.context);
    }
    const parsed = responseSchema.safeParse(parseJsonBody(bytes));
    if (!parsed.success || parsed.data.embeddings.length !== texts.length || parsed.data.embeddings.some((v) => v.length !== DIMENSIONS)) {
      throw new ModelCallError(
        `${this.modelId} returned an unexpected response (expected ${texts.length} embeddings of ${DIMENSIONS} floats).`,
        { modelId: this.modelId, reason: 'validation', isRetryable: false, isFatal: true, code: 'MODEL_BAD_RESPONSE', ...(parsed.success ? {} : { cause: parsed.error }) },
      );
    }
    const tokens = Number(tokenCount);
    return { vectors: parsed.data.embeddings, usage: { inputTokens: Number.isFinite(tokens) ? tokens : 0 } };
  }

  /** A guard, never a truncation: core batches by maxBatchSize and its chunker keeps chunks small. */
  private checkLimits(texts: string[]): void {
    if (texts.length > MAX_TEXTS) {
      throw new UsageError(`${this.modelId} takes at most ${MAX_TEXTS} texts per call; got ${texts.length}. Batch by maxBatchSize.`, {
        code: 'EMBEDDING_BATCH_TOO_LARGE',
      });
    }
    const index = texts.findIndex((t) => t.length > MAX_CHARS);
    if (index >= 0) {
      throw new UsageError(
        `Text ${index} has ${texts[index]!.length.toLocaleString('en-US')} characters, over ${this.modelId}'s limit of ${MAX_CHARS.toLocaleString('en-US')} characters per text; split it into smaller chunks.`,
        { code: 'EMBEDDING_INPUT_TOO_LONG' },
      );
    }
  }
}
