import type { LoadedConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { LOCAL_MODEL_ID, LocalHashEmbeddings } from './local-hash-embeddings.js';

/** The embedder the configuration asks for. Bedrock adapters are imported lazily so offline runs never load the SDK. */
export async function createEmbedder(config: LoadedConfig): Promise<Embedder> {
  const model = config.embedding.model ?? (config.provider === 'bedrock' ? 'amazon.titan-embed-text-v2:0' : LOCAL_MODEL_ID);
  if (model === LOCAL_MODEL_ID) return new LocalHashEmbeddings({ dimensions: config.embedding.dimensions ?? 1024 });
  if (config.provider !== 'bedrock') {
    throw new ConfigError(`Embedding model ${model} needs provider "bedrock" (set KB_PROVIDER=bedrock or "provider": "bedrock").`);
  }
  throw new ConfigError(`Unknown embedding model ${model}. Supported: ${LOCAL_MODEL_ID}.`);
}
