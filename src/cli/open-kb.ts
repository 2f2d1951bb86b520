import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedConfig, loadConfig, priceFor } from '../config.js';
import type { Embedder } from '../models/embedder.js';
import { createEmbedder } from '../models/create-embedder.js';
import { createRetriever, type Retriever } from '../retrieve/create-retriever.js';
import { defaultWeights } from '../retrieve/default-weights.js';
import { openStore, type SqliteStore } from '../store/sqlite-store.js';
import type { SearchFilters } from '../types.js';
import { UsageError } from '../errors.js';
import type { CliContext, GlobalOptions } from './cli-context.js';

export interface OpenKb {
  config: LoadedConfig;
  store: SqliteStore;
  embedder: Embedder;
  retriever: Retriever;
  close(): void;
}

/** Config from file, env and this command's flags. */
export function configFor(ctx: CliContext, options: GlobalOptions & Record<string, unknown>, flags: Record<string, unknown> = {}): LoadedConfig {
  return loadConfig({ cwd: ctx.cwd, env: ctx.env, flags: { kbDir: options.kbDir, ...flags } });
}

/**
 * Every command but `kb index` refuses a kb dir with no index rather than create an empty one: a typo'd
 * --kb-dir must not look like "not in the knowledge base" or verify as "ok".
 */
export function requireKb(kbDir: string): void {
  if (!existsSync(join(kbDir, 'kb.sqlite'))) {
    throw new UsageError(`No knowledge base at ${kbDir}. Create one with kb index ./docs, or pass --kb-dir (env KB_DIR) to point at one.`);
  }
}

/**
 * Store, embedder and retriever for a configuration; the store is opened once per command. `readonly` (search,
 * ask) never writes the database, so a knowledge base the user may only read can be queried.
 */
export async function openKb(config: LoadedConfig, { readonly = false }: { readonly?: boolean } = {}): Promise<OpenKb> {
  requireKb(config.kbDir);
  const embedder = await createEmbedder(config);
  const store = openStore(config.kbDir, { readonly });
  let retriever: Retriever;
  try {
    const weights = defaultWeights(embedder);
    const price = embedder.capabilities.costsTokens ? priceFor(config, embedder.modelId) : undefined;
    retriever = createRetriever({
      store,
      kbDir: config.kbDir,
      embedder,
      settings: {
        topK: config.retrieval.topK,
        candidates: config.retrieval.candidates,
        vectorWeight: config.retrieval.vectorWeight ?? weights.vectorWeight,
        keywordWeight: config.retrieval.keywordWeight ?? weights.keywordWeight,
        ...(price ? { embeddingPricePer1k: price.inputPer1k } : {}),
      },
    });
  } catch (error) {
    store.close();
    throw error;
  }
  return { config, store, embedder, retriever, close: () => store.close() };
}

const FORMATS = ['markdown', 'text', 'html', 'pdf', 'docx'];

export function filtersFrom(options: Record<string, unknown>): SearchFilters | undefined {
  const bad = Array.isArray(options.type) ? (options.type as string[]).filter((t) => !FORMATS.includes(t)) : [];
  if (bad.length) throw new UsageError(`--type: unknown format ${bad.join(', ')}; use ${FORMATS.join(', ')}`);
  const f: SearchFilters = {
    ...(options.path ? { pathPrefix: String(options.path) } : {}),
    ...(options.glob ? { pathGlob: String(options.glob) } : {}),
    ...(Array.isArray(options.type) ? { formats: options.type as SearchFilters['formats'] } : {}),
    ...(Array.isArray(options.tag) ? { tags: options.tag as string[] } : {}),
  };
  return Object.keys(f).length ? f : undefined;
}
