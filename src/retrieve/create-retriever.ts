import { embedQuery } from '../models/embed-query.js';
import type { Embedder } from '../models/embedder.js';
import type { KbStore } from '../store/kb-store.js';
import type { RankedChunk, SearchFilters } from '../types.js';
import { fuseRankings } from './fuse-rankings.js';
import { mergeNeighbours } from './merge-neighbours.js';
import { createTermCoverage } from './term-coverage.js';

export interface RetrieveOptions {
  topK?: number;
  filters?: SearchFilters;
  /** Vectors only (Bedrock's SEMANTIC search type), whatever the configured keyword weight. */
  semantic?: boolean;
  signal?: AbortSignal;
}

export interface RetrieverSettings {
  topK: number;
  candidates: number;
  vectorWeight: number;
  keywordWeight: number;
  /** USD per 1,000 embedding tokens, when the embedder is paid. */
  embeddingPricePer1k?: number;
}

export interface RetrievalResult {
  chunks: Array<RankedChunk & { coverage: number }>;
  timings: { embedMs: number; vectorMs: number; keywordMs: number; totalMs: number };
  /** The query's embedding call, when vector search ran: the service's token count, its price, attempts made. */
  embedding?: { model: string; inputTokens: number; costUsd?: number; attempts: number };
  /** Whether the vector index had to be rebuilt for this query. */
  rebuiltIndex: boolean;
}

export type Retriever = ReturnType<typeof createRetriever>;

/**
 * Hybrid retrieval: nearest neighbours and BM25 from the store, fused by weighted reciprocal rank, filtered
 * inside the store, neighbours merged, each result annotated with how much of the question it covers. Sees
 * writes of other processes: the store follows its generation.
 */
export function createRetriever({ store, embedder, settings }: { store: KbStore; embedder: Embedder; settings: RetrieverSettings }) {
  const coverageFor = createTermCoverage(store);
  const configured = { model: embedder.modelId, dimensions: embedder.dimensions };

  return {
    /** Checks the model and opens (and if needed rebuilds) the vector index now rather than on the first query. */
    async warm(): Promise<{ rebuilt: boolean; size: number }> {
      await store.checkEmbedding(configured);
      const { vectors, rebuilt } = await store.prepareSearch();
      return { rebuilt, size: vectors };
    },

    async retrieve(query: string, { topK = settings.topK, filters, semantic = false, signal }: RetrieveOptions = {}): Promise<RetrievalResult> {
      const weights = semantic ? { vectorWeight: 1, keywordWeight: 0 } : settings;
      const t0 = performance.now();
      await store.checkEmbedding(configured);
      const n = Math.max(settings.candidates, topK * 3);
      const search = { k: n, ...(filters ? { filters } : {}) };

      let vectorHits: Array<{ chunkId: number; score: number }> = [];
      let embedMs = 0;
      let vectorMs = 0;
      let rebuiltIndex = false;
      let embedding: RetrievalResult['embedding'];
      if (weights.vectorWeight > 0 || weights.keywordWeight === 0) {
        const { vector: q, usage, attempts } = await embedQuery(embedder, query, signal ? { signal } : {});
        embedMs = performance.now() - t0;
        const price = embedder.capabilities.costsTokens ? settings.embeddingPricePer1k : undefined;
        embedding = { model: embedder.modelId, inputTokens: usage.inputTokens, attempts, ...(price !== undefined ? { costUsd: (usage.inputTokens / 1000) * price } : {}) };
        const t1 = performance.now();
        rebuiltIndex = (await store.prepareSearch()).rebuilt;
        vectorHits = await store.searchVectors(q, search);
        vectorMs = performance.now() - t1;
      }
      const t2 = performance.now();
      const keywordHits = weights.keywordWeight > 0 ? await store.searchKeywords(query, search) : [];
      const keywordMs = performance.now() - t2;

      const fused = fuseRankings([
        { ids: vectorHits.map((h) => h.chunkId), weight: weights.vectorWeight },
        { ids: keywordHits.map((h) => h.chunkId), weight: weights.keywordWeight },
      ]);
      const similarity = new Map(vectorHits.map((h) => [h.chunkId, h.score]));
      const bm25 = new Map(keywordHits.map((h) => [h.chunkId, h.score]));
      const ordered = [...fused.entries()].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]).slice(0, topK * 2);
      const rows = await store.chunksByIds(ordered.map(([id]) => id));
      const ranked: RankedChunk[] = [];
      for (const [id, score] of ordered) {
        const chunk = rows.get(id);
        if (!chunk) continue; // deleted by a concurrent writer after the index was read
        ranked.push({ ...chunk, score, mergedIds: [id], ...(similarity.has(id) ? { similarity: similarity.get(id)! } : {}), ...(bm25.has(id) ? { bm25: bm25.get(id)! } : {}) });
      }
      const cover = await coverageFor(query);
      const chunks = mergeNeighbours(ranked)
        .slice(0, topK)
        .map((c) => ({ ...c, coverage: cover(`${c.heading ?? ""}\n${c.text}`) }));
      return { chunks, rebuiltIndex, ...(embedding ? { embedding } : {}), timings: { embedMs, vectorMs, keywordMs, totalMs: performance.now() - t0 } };
    },
  };
}
