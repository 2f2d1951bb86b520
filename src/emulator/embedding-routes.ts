import { randomUUID } from 'node:crypto';
import { LocalHashEmbeddings } from '../models/local-hash-embeddings.js';
import { resolveModelId } from '../models/model-catalog.js';
import { checkJsonBody } from './check-json-body.js';
import { estimateTokens } from './estimate-tokens.js';

import { validationError } from './service-error.js';

/** What an embedding InvokeModel call answers: the JSON body plus what the emulator counts. */
export interface EmbeddingResult {
  json: unknown;
  inputTokens: number;
  textCount: number;
}

// Limits from the Bedrock model parameter pages (Titan Embeddings, Cohere Embed v3) and the catalogue.
const TITAN_MAX_TOKENS = resolveModelId('amazon.titan-embed-text-v2:0')!.model.inputTokens;
const TITAN_V2_MAX_CHARS = 50_000;
const COHERE_MAX_TEXTS = 96;
const COHERE_MAX_CHARS = 2048;
/** Arbitrary: makes `normalize: false` observable as a vector whose length is not 1. */
const UNNORMALIZED_SCALE = 4;

const embedders = new Map<number, LocalHashEmbeddings>();

/** Vectors come from the offline feature-hashing embedder, so equal texts get equal vectors across runs. */
function embed(text: string, dimensions: number): number[] {
  let embedder = embedders.get(dimensions);
  if (!embedder) embedders.set(dimensions, (embedder = new LocalHashEmbeddings({ dimensions })));
  return embedder.embedSync(text);
}

/** InvokeModel for Titan Text Embeddings V1/V2 and Cohere Embed v3 bodies. Throws ServiceError on invalid input. */
export function invokeEmbeddingModel(family: 'titan-v1' | 'titan-v2' | 'cohere', body: unknown): EmbeddingResult {
  return family === 'cohere' ? embedCohere(body) : embedTitan(family, body);
}

function embedTitan(family: 'titan-v1' | 'titan-v2', body: unknown): EmbeddingResult {
  const v2 = family === 'titan-v2';
  const input = checkJsonBody(
    body,
    v2
      ? {
          inputText: { type: 'string', required: true, minLength: 1, maxLength: TITAN_V2_MAX_CHARS },
          dimensions: { type: 'integer', enum: [256, 512, 1024] },
          normalize: { type: 'boolean' },
          embeddingTypes: { type: 'array', items: { type: 'string', enum: ['float', 'binary'] } },
        }
      : { inputText: { type: 'string', required: true, minLength: 1 } },
  );
  const text = input.inputText as string;
  const tokens = estimateTokens(text);
  if (tokens > TITAN_MAX_TOKENS) {
    throw validationError(`400 Bad Request: Too many input tokens. Max input tokens: ${TITAN_MAX_TOKENS}, request input token count: ${tokens}`);
  }
  if (!v2) return { json: { embedding: embed(text, 1536), inputTextTokenCount: tokens }, inputTokens: tokens, textCount: 1 };

  const unit = embed(text, (input.dimensions as number | undefined) ?? 1024);
  const embedding = input.normalize === false ? unit.map((x) => x * UNNORMALIZED_SCALE) : unit;
  const types = (input.embeddingTypes as string[] | undefined) ?? ['float'];
  const embeddingsByType: Record<string, number[]> = {};
  if (types.includes('float')) embeddingsByType.float = embedding;
  if (types.includes('binary')) embeddingsByType.binary = embedding.map((x) => (x > 0 ? 1 : 0));
  return { json: { embedding, inputTextTokenCount: tokens, embeddingsByType }, inputTokens: tokens, textCount: 1 };
}

function embedCohere(body: unknown): EmbeddingResult {
  const input = checkJsonBody(body, {
    texts: { type: 'array', required: true, maxItems: COHERE_MAX_TEXTS, items: { type: 'string', maxLength: COHERE_MAX_CHARS } },
    images: { type: 'array' },
    input_type: { type: 'string', required: true, enum: ['search_document', 'search_query', 'classification', 'clustering', 'image'] },
    truncate: { type: 'string', enum: ['NONE', 'START', 'END'] },
    embedding_types: { type: 'array', items: { type: 'string', enum: ['float', 'int8', 'uint8', 'binary', 'ubinary'] } },
  });
  if (input.images !== undefined) throw validationError('The emulator embeds texts only; leave out "images".');
  const types = input.embedding_types as string[] | undefined;
  if (types?.some((t) => t !== 'float')) throw validationError('The emulator returns float embeddings only; set embedding_types to ["float"] or leave it out.');

  const texts = input.texts as string[];
  // Query and document vectors come from the same hash embedder so that they stay comparable; only the
  // recorded input_type tells them apart.
  const vectors = texts.map((t) => embed(t, 1024));
  const inputTokens = texts.reduce((sum, t) => sum + estimateTokens(t), 0);
  const json = types
    ? { id: randomUUID(), texts, embeddings: { float: vectors }, response_type: 'embeddings_by_type' }
    : { id: randomUUID(), texts, embeddings: vectors, response_type: 'embeddings_floats' };
  return { json, inputTokens, textCount: texts.length };
}
