import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedConfig, priceFor } from '../config-input.js';
import { UsageError } from '../errors.js';
import { createEmbedder } from '../models/create-embedder.js';
import type { Embedder } from '../models/embedder.js';
import type { Retriever } from '../retrieve/create-retriever.js';
import type { KbStore } from '../store/kb-store.js';
import { openKbStore } from '../store/open-kb-store.js';
import { storeLocation } from './store-location.js';

/** An open knowledge base: what the CLI, the server and MCP read and write through. */
export interface KnowledgeBase {
  config: LoadedConfig;
  store: KbStore;
  embedder: Embedder;
  retriever: Retriever;
  /** Its folder or database, for messages. */
  location: string;
  close(): Promise<void>;
}

export interface OpenKnowledgeBaseOptions {
  /** Creates it when it does not exist yet (kb index); otherwise a missing one is a UsageError. */
  create?: boolean;
  /** Never writes (search, ask): a knowledge base the user may only read can be queried. Embedded store only. */
  readonly?: boolean;
  /** The embedder, when the caller made one already. */
  embedder?: Embedder;
}

/**
 * Opens the configured store (embedded SQLite in kbDir, or PostgreSQL at store.url) with the embedder and the
 * retriever the configuration describes. Refuses a knowledge base that does not exist unless `create`: a typo'd
 * --kb-dir or database URL must not look like "not in the knowledge base" or verify as "ok".
 */
export async function openKnowledgeBase(config: LoadedConfig, { create = false, readonly = false, embedder: given }: OpenKnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
  const embedder = given ?? (await createEmbedder(config));
  const { store, location } = await openKnowledgeBaseStore(config, { create, readonly });
  try {
    // Retrieval is imported here, not by this module: `kb index` opens only the store and the embedder.
    const [{ createRetriever }, { defaultWeights }, { withReranker }] = await Promise.all([
      import('../retrieve/create-retriever.js'),
      import('../retrieve/default-weights.js'),
      import('../retrieve/with-reranker.js'),
    ]);
    const weights = defaultWeights(embedder);
    const price = embedder.capabilities.costsTokens ? priceFor(config, embedder.modelId) : undefined;
    const fused = createRetriever({
      store,
      embedder,
      settings: {
        topK: config.retrieval.topK,
        candidates: config.retrieval.candidates,
        vectorWeight: config.retrieval.vectorWeight ?? weights.vectorWeight,
        keywordWeight: config.retrieval.keywordWeight ?? weights.keywordWeight,
        ...(price ? { embeddingPricePer1k: price.inputPer1k } : {}),
      },
    });
    // retrieval.rerank: the fused top N reranked by Bedrock Rerank (checked by loadConfig already); the
    // agent-runtime SDK is loaded only then.
    const reranker = config.retrieval.rerank.enabled ? await (await import('../models/create-reranker.js')).createReranker(config) : undefined;
    const retriever = reranker ? withReranker(fused, reranker, { topK: config.retrieval.topK, topN: config.retrieval.rerank.topN }) : fused;
    return { config, store, embedder, retriever, location, close: () => store.close() };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Only the store, for commands that neither embed nor search (status, verify, remove); refuses a missing one the same way. */
export async function openKnowledgeBaseStore(config: LoadedConfig, { create = false, readonly = false }: Pick<OpenKnowledgeBaseOptions, 'create' | 'readonly'> = {}): Promise<{ store: KbStore; location: string }> {
  const location = storeLocation(config);
  if (!create && !config.store.url && !existsSync(join(config.kbDir, 'kb.sqlite'))) throw missing(location);
  const store = await openKbStore(config, { readonly });
  if (!create && config.store.url && !(await store.indexInfo()).embedding && !(await store.lastRun())) {
    await store.close();
    throw missing(location);
  }
  return { store, location };
}

function missing(location: string): UsageError {
  return new UsageError(`No knowledge base at ${location}. Create one with kb index ./docs, or pass --kb-dir (env KB_DIR) or store.url (env KB_DATABASE_URL) to point at one.`);
}
