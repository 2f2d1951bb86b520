import type { LoadedConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { CohereModelId } from './cohere-embeddings.js';
import type { Embedder } from './embedder.js';
import { LOCAL_MODEL_ID, LocalHashEmbeddings } from './local-hash-embeddings.js';
import type { TitanModelId } from './titan-embeddings.js';

/** Bedrock embedding models we support, with the dimensions each accepts (first = default). */
const BEDROCK_MODELS: Record<string, { family: 'titan' | 'cohere'; dimensions: number[] }> = {
  'amazon.titan-embed-text-v2:0': { family: 'titan', dimensions: [1024, 512, 256] },
  'amazon.titan-embed-text-v1': { family: 'titan', dimensions: [1536] },
  'cohere.embed-english-v3': { family: 'cohere', dimensions: [1024] },
  'cohere.embed-multilingual-v3': { family: 'cohere', dimensions: [1024] },
};

/** The embedder the configuration asks for. Bedrock adapters are imported lazily so offline runs never load the SDK. */
export async function createEmbedder(config: LoadedConfig): Promise<Embedder> {
  const model = config.embedding.model ?? (config.provider === 'bedrock' ? 'amazon.titan-embed-text-v2:0' : LOCAL_MODEL_ID);
  if (model === LOCAL_MODEL_ID) return new LocalHashEmbeddings({ dimensions: config.embedding.dimensions ?? 1024 });
  const spec = BEDROCK_MODELS[model];
  if (!spec) {
    throw new ConfigError(
      `Unknown embedding model "${model}" (embedding.model / KB_EMBEDDING_MODEL). Supported: ${[LOCAL_MODEL_ID, ...Object.keys(BEDROCK_MODELS)].join(', ')}.`,
    );
  }
  if (config.provider !== 'bedrock') {
    throw new ConfigError(`Embedding model ${model} needs provider "bedrock" (set KB_PROVIDER=bedrock or "provider": "bedrock").`);
  }
  const dimensions = config.embedding.dimensions ?? spec.dimensions[0]!;
  if (!spec.dimensions.includes(dimensions)) {
    throw new ConfigError(
      `${model} supports embedding.dimensions (KB_EMBEDDING_DIMENSIONS) of ${[...spec.dimensions].sort((a, b) => a - b).join(', ')}; got ${dimensions}.`,
    );
  }

  const { createBedrockClient } = await import('./bedrock-client.js');
  // Core's embed scheduler owns retries and adapts concurrency to throttles (one policy, in core); SDK retries
  // underneath would hide the throttles it must see, and their long backoffs stalled runs (measured: 2-3
  // requests/s under 30% throttles with the SDK's adaptive mode).
  const client = createBedrockClient({ bedrock: { ...config.bedrock, maxAttempts: 1 }, bearerToken: config.env.bearerToken, retryMode: 'standard' });
  const region = config.bedrock.region;
  if (spec.family === 'titan') {
    const { TitanEmbeddings } = await import('./titan-embeddings.js');
    return new TitanEmbeddings({ client, modelId: model as TitanModelId, dimensions, region });
  }
  const { CohereEmbeddings } = await import('./cohere-embeddings.js');
  return new CohereEmbeddings({ client, modelId: model as CohereModelId, region });
}
