import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Answerer } from '../answer/answerer.js';
import { createCachedAsk } from '../answer/create-cached-ask.js';
import type { KnowledgeBase } from '../app/open-knowledge-base.js';
import type { LoadedConfig } from '../config.js';
import type { KbStore } from '../store/kb-store.js';
import { type ApiKey, mergeApiKeys, parseApiKeys } from './api-keys.js';
import { type App, type CreateAppOptions, createApp, type ServedKnowledgeBase } from './create-app.js';
import { DEFAULT_COLLECTION } from '../collections/collection-catalog.js';
import { createIndexJobs, type IndexJobsOptions } from './index-jobs.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { createReadiness } from './readiness.js';
import type { SyncStatus } from '../watch/create-folder-sync.js';
import { documentRemover } from './remove-document.js';
import { knowledgeBaseName } from './routes/web-page.js';

export interface KnowledgeBaseAppOptions {
  config: LoadedConfig;
  kb: Pick<KnowledgeBase, 'store' | 'retriever' | 'embedder'>;
  answerer: Answerer;
  /** By default server.apiKeys plus KB_API_KEYS. */
  apiKeys?: ApiKey[];
  logger?: Logger;
  metrics?: ServerMetrics;
  /** Seams for the background index job (tests); the defaults are the real run, embedder and store. */
  indexJobs?: Pick<IndexJobsOptions, 'runIndex' | 'createEmbedder' | 'openStore'>;
  failedLogins?: CreateAppOptions['failedLogins'];
  integrations?: CreateAppOptions['integrations'];
  /** Folder syncs by collection (kb serve --watch), shown in /readyz and on the web page. */
  sync?: () => Record<string, SyncStatus>;
  /** More open knowledge bases by collection name, each with its configuration (collectionConfig). */
  collections?: Record<string, { config: LoadedConfig; kb: Pick<KnowledgeBase, 'store' | 'retriever' | 'embedder'> }>;
}

/**
 * The HTTP app over one open knowledge base: its documents, retriever and answerer, a background index job
 * with a store connection of its own, readiness checks, and metrics they all report into.
 */
export function createKnowledgeBaseApp({ config, kb, answerer, apiKeys, logger, metrics, indexJobs, failedLogins, integrations, collections = {}, sync }: KnowledgeBaseAppOptions): App {
  const log = logger ?? pino({ level: config.server.logLevel });
  const m = metrics ?? createMetrics();
  const closers: Array<() => void> = [];
  /** Each knowledge base's routes: its index job (a store connection of its own), answer cache, documents. */
  const served = (c: LoadedConfig, k: KnowledgeBaseAppOptions['kb'], collection: string): ServedKnowledgeBase => {
    const jobs = createIndexJobs({ config: c, logger: log.child({ collection }), onFinish: (job) => m.observeJob(job.status), recordedRoots: () => recordedRoots(k.store), ...indexJobs });
    // The answer cache is keyed by the store's generation, so any index change is a miss.
    const cached = createCachedAsk({ config: c, generation: async () => (await k.store.indexInfo()).generation });
    closers.push(() => cached.close());
    return { retriever: k.retriever, answerer, ask: cached.ask, minCoverage: c.retrieval.minCoverage, documents: k.store, removeDocument: documentRemover(k.store), jobs };
  };
  const readiness = createReadiness({
    store: kb.store, retriever: kb.retriever, embedder: kb.embedder, remoteProvider: config.provider === 'bedrock',
    onProviderCall: () => m.observeEmbeddingCall(kb.embedder.modelId),
    ...(sync ? { sync } : {}),
  });
  const app = createApp({
    ...served(config, kb, DEFAULT_COLLECTION),
    collections: Object.fromEntries(Object.entries(collections).map(([name, c]) => [name, served(c.config, c.kb, name)])),
    server: config.server,
    apiKeys: apiKeys ?? mergeApiKeys(config.server.apiKeys, parseApiKeys(config.env.apiKeys)),
    redactPii: config.answer.redactPii,
    readiness,
    name: displayName(config),
    logger: log,
    metrics: m,
    ...(failedLogins ? { failedLogins } : {}),
    ...(integrations ? { integrations } : {}),
  });
  return {
    ...app,
    async close() {
      await app.close();
      for (const close of closers) close();
    },
  };
}

/** The page's title: the project folder of the kb dir, or the database's name. */
function displayName(config: Pick<LoadedConfig, 'kbDir' | 'store'>): string {
  if (!config.store.url) return knowledgeBaseName(config.kbDir);
  try {
    return decodeURIComponent(new URL(config.store.url).pathname.slice(1)) || 'postgres';
  } catch {
    return 'postgres';
  }
}

/**
 * For POST /v1/index when no roots are configured: the folders of the last run, or, when that run failed
 * before recording them, the folders the stored documents came from.
 */
async function recordedRoots(store: KbStore): Promise<string[]> {
  const summary = (await store.lastRun())?.summary as { roots?: unknown } | undefined;
  if (Array.isArray(summary?.roots)) return summary.roots.filter((r): r is string => typeof r === 'string');
  const { documents } = await store.listDocuments({ limit: 100_000 });
  return [...new Set(documents.map((d) => d.root))];
}
