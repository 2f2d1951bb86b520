import type { Reranker, RerankUsage } from '../models/reranker.js';
import { RERANK_LIMITS } from '../models/rerank-input-error.js';
import type { RetrievalResult, RetrieveOptions } from './create-retriever.js';

export interface RerankSettings {
  /** Results returned when a request does not say (retrieval.topK). */
  topK: number;
  /** Fused candidates sent to the reranker; the best `topK` of them are returned. */
  topN: number;
  /** Rerank unless a request says otherwise (default true). */
  enabled?: boolean;
}

/** Per request: `rerank: false` skips the reranker, `rerankTopN` overrides settings.topN. */
export interface RerankRetrieveOptions extends RetrieveOptions {
  rerank?: boolean;
  rerankTopN?: number;
}

export interface RerankedRetrievalResult extends RetrievalResult {
  /** The rerank call, when one ran: its usage and cost, and how long it took. */
  rerank?: RerankUsage & { ms: number };
}

interface RetrieveFn {
  retrieve(query: string, options?: RetrieveOptions): Promise<RetrievalResult>;
}

/**
 * Wraps a retriever so the fused top N are reordered by a reranker and the best topK returned, each chunk's
 * `score` then being the reranker's relevance. Everything else of the retriever (warm, currentIndex) is kept.
 */
export function withReranker<R extends RetrieveFn>(retriever: R, reranker: Reranker, settings: RerankSettings): Omit<R, 'retrieve'> & { retrieve(query: string, options?: RerankRetrieveOptions): Promise<RerankedRetrievalResult> } {
  async function retrieve(query: string, { rerank = settings.enabled ?? true, rerankTopN = settings.topN, ...options }: RerankRetrieveOptions = {}): Promise<RerankedRetrievalResult> {
    const topK = options.topK ?? settings.topK;
    if (!rerank) return retriever.retrieve(query, { ...options, topK });
    const fused = await retriever.retrieve(query, { ...options, topK: Math.max(rerankTopN, topK) });
    const candidates = fused.chunks.slice(0, rerankTopN);
    if (candidates.length === 0) return fused;
    const t0 = performance.now();
    // A source over the service's limit is scored on its beginning rather than failing the question.
    const texts = candidates.map((c) => `${c.heading ? `${c.heading}\n` : ''}${c.text}`.slice(0, RERANK_LIMITS.maxTextChars));
    const keep = Math.min(topK, candidates.length);
    const { results, usage } = await reranker.rerank(query, texts, { topN: keep, ...(options.signal ? { signal: options.signal } : {}) });
    const ms = performance.now() - t0;
    const chunks = results.slice(0, keep).map((r) => ({ ...candidates[r.index]!, score: r.score }));
    return { ...fused, chunks, rerank: { ...usage, ms }, timings: { ...fused.timings, totalMs: fused.timings.totalMs + ms } };
  }
  // A proxy rather than a copy: the retriever may be a class instance whose other methods need it as `this`.
  return new Proxy(retriever, {
    get(target, prop) {
      if (prop === 'retrieve') return retrieve;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as Omit<R, 'retrieve'> & { retrieve: typeof retrieve };
}
