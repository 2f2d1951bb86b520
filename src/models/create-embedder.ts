import type { LoadedConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { CohereModelId } from './cohere-embeddings.js';
import type { Embedder } from './embedder.js';
import { LOCAL_MODEL_ID, LocalHashEmbeddings } from './local-hash-embeddings.js';
import { MODEL_CATALOG, resolveModelId } from './model-catalog.js';
import { retryPolicyFor } from './retry-policy-for.js';
import type { TitanModelId } from './titan-embeddings.js';

const DEFAULT_BEDROCK_MODEL = 'amazon.titan-embed-text-v2:0';

/**
 * The embedder the configuration asks for. Bedrock adapters are imported lazily so offline runs never load the SDK.
 * With answer.redactPii, a remote embedder is sent texts with their personal identifiers replaced by their type.
 */
export async function createEmbedder(config: LoadedConfig): Promise<Embedder> {
  const embedder = await configuredEmbedder(config);
  if (!config.answer.redactPii || !embedder.capabilities.costsTokens) return embedder;
  const { withEmbeddingRedaction } = await import('../pii/redacting-embedder.js');
  return withEmbeddingRedaction(embedder);
}

async function configuredEmbedder(config: LoadedConfig): Promise<Embedder> {
  const model = config.embedding.model ?? (config.provider === 'bedrock' ? DEFAULT_BEDROCK_MODEL : LOCAL_MODEL_ID);
  const spec = resolveModelId(model)?.model;
  if (!spec || spec.kind !== 'embedding' || spec.id !== model) {
    const known = MODEL_CATALOG.filter((m) => m.kind === 'embedding').map((m) => m.id);
    throw new ConfigError(`Unknown embedding model "${model}" (embedding.model / KB_EMBEDDING_MODEL). Supported: ${known.join(', ')}.`);
  }
  const dimensions = config.embedding.dimensions ?? spec.dimensions![0]!;
  // Feature hashing takes any dimension; a remote model only those it offers.
  if (spec.family === 'local') return new LocalHashEmbeddings({ dimensions });
  if (!spec.dimensions!.includes(dimensions)) {
    throw new ConfigError(`${model} supports embedding.dimensions (KB_EMBEDDING_DIMENSIONS) of ${[...spec.dimensions!].sort((a, b) => a - b).join(', ')}; got ${dimensions}.`);
  }
  if (config.provider !== 'bedrock') {
    throw new ConfigError(`Embedding model ${model} needs provider "bedrock" (set KB_PROVIDER=bedrock or "provider": "bedrock").`);
  }

  const { createBedrockClient } = await import('./bedrock-client.js');
  const client = createBedrockClient({ bedrock: config.bedrock, bearerToken: config.env.bearerToken });
  const common = {
    client,
    retryPolicy: retryPolicyFor(config.bedrock),
    ...(config.bedrock.region ? { region: config.bedrock.region } : {}),
    ...(config.bedrock.endpoint ? { endpoint: config.bedrock.endpoint } : {}),
  };
  if (spec.family === 'titan-v1' || spec.family === 'titan-v2') {
    const { TitanEmbeddings } = await import('./titan-embeddings.js');
    return new TitanEmbeddings({ ...common, modelId: model as TitanModelId, dimensions });
  }
  const { CohereEmbeddings } = await import('./cohere-embeddings.js');
  return new CohereEmbeddings({ ...common, modelId: model as CohereModelId });
}
