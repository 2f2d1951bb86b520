import { IndexMismatchError } from '../errors.js';
import { embedQuery } from '../models/embed-query.js';
import { type Embedder, embedderKey } from '../models/embedder.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { VectorIndex } from '../store/vector-index.js';
import { hasFilters } from '../store/filter-sql.js';
import type { RankedChunk, SearchFilters } from '../types.js';
import { buildFtsQuery } from './build-fts-query.js';
import { CONTEXT_FIELD_WEIGHT } from './default-weights.js';
import { fuseRankings } from './fuse-rankings.js';
import { mergeNeighbours } from './merge-neighbours.js';
import { createTermCoverage } from './term-coverage.js';

export interface RetrieveOptions {
  topK?: number;
  filters?: SearchFilters;
  signal?: AbortSignal;
}

export interface RetrieverSettings {
  topK: number;
  candidates: number;
  vectorWeight: number;
  keywordWeight: number;
  /** USD per 1,000 embedding tokens, when the embedder is paid. */
  embeddingPricePer1k?: number;
  /** BM25 weight of a match in the title and heading path, the body's being 1 (default CONTEXT_FIELD_WEIGHT). */
  contextWeight?: number;
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
 * Hybrid retrieval: HNSW nearest neighbours and FTS5 BM25, fused by weighted reciprocal rank, filtered,
 * neighbours merged, each result annotated with how much of the question it covers. Sees writes of other
 * processes: the vector index follows the database generation.
 */
export function createRetriever({ store, kbDir, embedder, settings }: { store: SqliteStore; kbDir: string; embedder: Embedder; settings: RetrieverSettings }) {
  let vectors: VectorIndex | undefined;
  const coverageFor = createTermCoverage(store.db);

  const checkModel = () => {
    const builtWith = store.getMeta('embed_key');
    if (builtWith && builtWith !== embedderKey(embedder)) {
      const at = builtWith.lastIndexOf('@');
      throw new IndexMismatchError(
        { model: builtWith.slice(0, at), dimensions: Number(builtWith.slice(at + 1)) },
        { model: embedder.modelId, dimensions: embedder.dimensions },
      );
    }
  };

  const vectorIndex = (): { index: VectorIndex; rebuilt: boolean } => {
    if (!vectors) {
      vectors = VectorIndex.open(store, kbDir, embedderKey(embedder), embedder.dimensions);
      return { index: vectors, rebuilt: vectors.rebuilt };
    }
    const before = vectors.generation;
    vectors.refresh(store);
    return { index: vectors, rebuilt: before !== vectors.generation && vectors.rebuilt };
  };

  return {
    /** Opens (and if needed rebuilds) the vector index now rather than on the first query. */
    warm(): { rebuilt: boolean; size: number } {
      checkModel();
      const { index, rebuilt } = vectorIndex();
      return { rebuilt, size: index.size };
    },
    /** The vector index, for saving after a rebuild by a process that holds the lock. */
    currentIndex: () => vectors,

    async retrieve(query: string, { topK = settings.topK, filters, signal }: RetrieveOptions = {}): Promise<RetrievalResult> {
      const t0 = performance.now();
      checkModel();
      const allow = hasFilters(filters) ? store.chunkIdsMatching(filters!) : undefined;
      const n = Math.max(settings.candidates, topK * 3);

      let vectorHits: Array<{ id: number; similarity: number }> = [];
      let embedMs = 0;
      let vectorMs = 0;
      let rebuiltIndex = false;
      let embedding: RetrievalResult['embedding'];
      if (settings.vectorWeight > 0 || settings.keywordWeight === 0) {
        const { vector: q, usage, attempts } = await embedQuery(embedder, query, signal ? { signal } : {});
        embedMs = performance.now() - t0;
        const price = embedder.capabilities.costsTokens ? settings.embeddingPricePer1k : undefined;
        embedding = { model: embedder.modelId, inputTokens: usage.inputTokens, attempts, ...(price !== undefined ? { costUsd: (usage.inputTokens / 1000) * price } : {}) };
        const t1 = performance.now();
        const { index, rebuilt } = vectorIndex();
        rebuiltIndex = rebuilt;
        vectorHits = index.search(q, n, allow);
        vectorMs = performance.now() - t1;
      }
      const t2 = performance.now();
      const match = buildFtsQuery(query);
      const keywordHits = match && settings.keywordWeight > 0 ? store.keywordSearch(match, n, filters, settings.contextWeight ?? CONTEXT_FIELD_WEIGHT) : [];
      const keywordMs = performance.now() - t2;

      const fused = fuseRankings([
        { ids: vectorHits.map((h) => h.id), weight: settings.vectorWeight },
        { ids: keywordHits.map((h) => h.id), weight: settings.keywordWeight },
      ]);
      const similarity = new Map(vectorHits.map((h) => [h.id, h.similarity]));
      const bm25 = new Map(keywordHits.map((h) => [h.id, h.bm25]));
      const ordered = [...fused.entries()].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]).slice(0, topK * 2);
      const rows = store.chunksByIds(ordered.map(([id]) => id));
      const ranked: RankedChunk[] = [];
      for (const [id, score] of ordered) {
        const chunk = rows.get(id);
        if (!chunk) continue; // deleted by a concurrent writer after the index was read
        ranked.push({ ...chunk, score, mergedIds: [id], ...(similarity.has(id) ? { similarity: similarity.get(id)! } : {}), ...(bm25.has(id) ? { bm25: bm25.get(id)! } : {}) });
      }
      const cover = coverageFor(query);
      const chunks = mergeNeighbours(ranked)
        .slice(0, topK)
        .map((c) => ({ ...c, coverage: cover(`${c.heading ?? ""}\n${c.text}`) }));
      return { chunks, rebuiltIndex, ...(embedding ? { embedding } : {}), timings: { embedMs, vectorMs, keywordMs, totalMs: performance.now() - t0 } };
    },
  };
}
