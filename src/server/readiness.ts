import type { Embedder } from '../models/embedder.js';
import type { SyncStatus } from '../watch/create-folder-sync.js';
import type { Retriever } from '../retrieve/create-retriever.js';
import type { KbStore } from '../store/kb-store.js';

export interface ReadinessReport {
  ready: boolean;
  checks: { store: string; index: string; provider: string };
  /** With kb serve --watch: each knowledge base's folder sync (last sync, state, recent errors). It does not decide readiness. */
  sync?: Record<string, SyncStatus>;
}

export interface ReadinessOptions {
  store: Pick<KbStore, 'stats'>;
  retriever: Pick<Retriever, 'warm'>;
  embedder: Pick<Embedder, 'embed' | 'modelId'>;
  /** Offline providers need no network, so their check is free and always passes. */
  remoteProvider: boolean;
  /** How long a provider check is reused: a probe every few seconds must not become a stream of paid calls. */
  cacheMs?: number;
  timeoutMs?: number;
  /** Called for each real provider call (metrics). */
  onProviderCall?: () => void;
  /** Folder syncs by collection, when the server watches its folders. */
  sync?: () => Record<string, SyncStatus>;
}

/** GET /readyz: the store answers, the vector index opens (and matches the model), the provider is reachable. */
export function createReadiness({ store, retriever, embedder, remoteProvider, cacheMs = 30_000, timeoutMs = 3_000, onProviderCall, sync }: ReadinessOptions) {
  let provider: { result: string; at: number } | undefined;
  let pending: Promise<string> | undefined;

  const probeProvider = async (): Promise<string> => {
    if (!remoteProvider) return 'ok (offline)';
    if (provider && Date.now() - provider.at < cacheMs) return provider.result;
    // Concurrent probes share one call.
    pending ??= (async () => {
      onProviderCall?.();
      // One attempt, no retries: a readiness probe reports the provider as it is now.
      const result = await embedder.embed(['ping'], { purpose: 'query', signal: AbortSignal.timeout(timeoutMs) }).then(
        () => 'ok',
        (error: unknown) => `unreachable: ${(error as Error)?.message ?? String(error)}`,
      );
      provider = { result, at: Date.now() };
      pending = undefined;
      return result;
    })();
    return pending;
  };

  return {
    async check(): Promise<ReadinessReport> {
      const [storeCheck, indexCheck, providerCheck] = await Promise.all([
        attempt(async () => {
          const c = await store.stats();
          return `ok (${c.documents} documents, ${c.chunks} chunks)`;
        }),
        attempt(async () => `ok (${(await retriever.warm()).size} vectors)`),
        probeProvider(),
      ]);
      const checks = { store: storeCheck, index: indexCheck, provider: providerCheck };
      return { ready: Object.values(checks).every((c) => c.startsWith('ok')), checks, ...(sync ? { sync: sync() } : {}) };
    },
  };
}

async function attempt(check: () => Promise<string>): Promise<string> {
  try {
    return await check();
  } catch (error) {
    return `failed: ${(error as Error)?.message ?? String(error)}`;
  }
}

export type Readiness = ReturnType<typeof createReadiness>;
