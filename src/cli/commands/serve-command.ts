import { pino } from 'pino';
import { createKbApiHandler } from '../../bedrock-kb-api/kb-api-handler.js';
import { createCatalog, DEFAULT_COLLECTION } from '../../collections/collection-catalog.js';
import { kbServiceOverOpenKb } from '../../collections/kb-service-over-open-kb.js';
import { keyStorePaths } from '../../keys/key-store-paths.js';
import { openKeyStore } from '../../keys/key-store.js';
import { serverKbApiKeys } from '../../keys/server-kb-api-keys.js';
import { createAnswerer } from '../../answer/create-answerer.js';
import { mergeApiKeys, parseApiKeys } from '../../server/api-keys.js';
import type { App } from '../../server/create-app.js';
import { createCloudWatchEmfSink } from '../../server/cloudwatch-emf-sink.js';
import { createKnowledgeBaseApp } from '../../server/knowledge-base-app.js';
import { createKeyGate, type KeyGate } from '../../server/key-gate.js';
import { createMetrics } from '../../server/metrics.js';
import { type RunningServer, startServer } from '../../server/start-server.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';
import { type KnowledgeBase, openKnowledgeBase } from '../../app/open-knowledge-base.js';
import { syncFolders } from '../../app/sync-folders.js';
import type { KbStore } from '../../store/kb-store.js';
import { openKbStore } from '../../store/open-kb-store.js';
import type { FolderSync } from '../../watch/create-folder-sync.js';
import { collectionConfig, type LoadedConfig } from '../../config.js';

/** `kb serve`: the HTTP API and web page until interrupted. Logs are JSON lines on stderr; stdout says where it listens. */
export const run: CommandRun = async (_args, options, ctx) => {
  const config = await configFor(ctx, options, { 'server.host': options.host, 'server.port': options.port });
  const apiKeys = mergeApiKeys(config.server.apiKeys, parseApiKeys(config.env.apiKeys));
  const logger = pino({ level: config.server.logLevel }, ctx.stderr as { write(text: string): void });
  const kb = await openKnowledgeBase(config);
  const collections: Record<string, { config: LoadedConfig; kb: KnowledgeBase }> = {};
  let app: App | undefined;
  let server: RunningServer | undefined;
  let gate: KeyGate | undefined;
  const syncs: Array<{ name: string; sync: FolderSync; store: KbStore }> = [];
  const stopSyncs = new AbortController();
  try {
    const answerer = await createAnswerer(config);
    for (const name of Object.keys(config.collections)) {
      const c = collectionConfig(config, name);
      collections[name] = { config: c, kb: await openKnowledgeBase(c) };
    }
    // Build the vector indexes now (if stale) rather than on the first query; an index built with another model fails here.
    for (const k of [kb, ...Object.values(collections).map((c) => c.kb)]) await k.retriever.warm();
    const emf = config.server.metrics === 'cloudwatch-emf' ? createCloudWatchEmfSink({ stream: ctx.stdout, namespace: config.server.emfNamespace }) : undefined;
    const metrics = createMetrics({ processMetrics: true, ...(emf ? { sink: emf } : {}) });
    const catalog = createCatalog([
      { name: DEFAULT_COLLECTION, service: kbServiceOverOpenKb({ kb, answerer, minCoverage: config.retrieval.minCoverage }) },
      ...Object.entries(collections).map(([name, c]) => ({
        name, service: kbServiceOverOpenKb({ kb: c.kb, answerer, minCoverage: c.config.retrieval.minCoverage }),
        ...(config.collections[name]!.description ? { description: config.collections[name]!.description! } : {}),
      })),
    ]);
    const keys = serverKbApiKeys(openKeyStore(keyStorePaths(config.kbDir)), apiKeys);
    gate = createKeyGate({ perMinute: config.server.rateLimitPerMinute });
    const kbApi = createKbApiHandler({
      catalog, keys, gate, maxBodyBytes: config.server.maxBodyBytes,
      onRequest: (entry) => logger.info({ audit: true, ...entry }, 'bedrock-kb-api'),
    });
    if (options.watch) {
      // A store connection of each watcher's own, as an index job has: its runs queue behind any other writer.
      for (const [name, c, k] of [[DEFAULT_COLLECTION, config, kb] as const, ...Object.entries(collections).map(([n, x]) => [n, x.config, x.kb] as const)]) {
        const store = await openKbStore(c);
        syncs.push({ name, store, sync: syncFolders({ config: c, store, embedder: k.embedder, signal: stopSyncs.signal,
          onRun: (r) => logger[r.ok ? 'info' : 'warn']({ collection: name, sync: r }, r.ok ? 'folders synced' : 'folder sync failed') }) });
      }
    }
    const sync = syncs.length ? () => Object.fromEntries(syncs.map((x) => [x.name, x.sync.status()])) : undefined;
    app = createKnowledgeBaseApp({ config, kb, answerer, apiKeys, logger, metrics, integrations: { catalog, keys, kbApi, gate }, collections, ...(sync ? { sync } : {}) });
    // Keys from KB_API_KEYS / server.apiKeys or from the key store (kb keys) make a non-loopback bind safe.
    server = await startServer({ app: app.app, host: config.server.host, port: config.server.port, authEnabled: app.authEnabled, insecureNoAuth: !!options.insecureNoAuth, kbApi });
    const { documents } = await kb.store.stats();
    if (options.json) ctx.stdout.write(`${JSON.stringify({ url: server.url, documents, apiKeys: apiKeys.length, answerModel: answerer.modelId })}\n`);
    else ctx.stdout.write(`Serving ${documents} documents on ${server.url} (${apiKeys.length ? `${apiKeys.length} API key${apiKeys.length === 1 ? '' : 's'}` : 'no auth'}; answers by ${answerer.modelId}). Ctrl+C stops.\n`);
    for (const c of catalog.list()) {
      logger.info({ collection: c.name, knowledgeBaseId: c.knowledgeBaseId }, `collection ${c.name}: knowledge base id ${c.knowledgeBaseId}`);
    }
    logger.info({ url: server.url, auth: app.authEnabled, integrationsAuth: keys.enabled, keys: apiKeys.map((k) => ({ id: k.id, role: k.role })) }, 'listening');
    // Serving starts at once; each watcher's catch-up run (changes made while it was down) runs meanwhile.
    for (const { name, sync: s } of syncs) s.start().catch((error: unknown) => logger.error({ err: error, collection: name }, 'folder watch failed to start'));
    await new Promise<void>((resolve) => {
      if (ctx.signal?.aborted) return resolve();
      ctx.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    if (!options.json) ctx.stdout.write('Stopping…\n');
    return 0;
  } finally {
    // In-flight answers are aborted first, so their streams end and the server can close.
    await app?.close();
    stopSyncs.abort(); // a run in progress stops at its next file; what it committed stays
    for (const { sync: s } of syncs) await s.close();
    for (const { store } of syncs) await store.close();
    await server?.close();
    gate?.close();
    for (const c of Object.values(collections)) await c.kb.close();
    await kb.close();
    // Only a server that listened has stopped; a refused bind or a port in use is reported as the error alone.
    if (server) logger.info('stopped');
  }
};
