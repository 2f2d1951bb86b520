import { UsageError } from '../errors.js';
import { analyzeTerms } from '../text/analyze-terms.js';
import type { EmbedderCapabilities, EmbedResult } from './embedder.js';
import { EmbedderEmbeddings } from './embedder-embeddings.js';
import { LEXICAL_FUSION_WEIGHTS } from './fusion-weights.js';

export const LOCAL_MODEL_ID = 'local-hash-v1';

/**
 * Offline embedder that needs no download: feature hashing of stemmed content words and adjacent word pairs
 * into a fixed dimension, with sublinear term frequency and signed buckets, L2-normalised.
 *
 * What it can do: find passages that share (stemmed) vocabulary and short phrases with the question,
 * deterministically, in microseconds per chunk. What it cannot do: synonyms, paraphrase, other languages
 * than the one written, or any meaning beyond word overlap. On SciFact it ranks well below BM25
 * (see `npm run eval:scifact`), so the offline retriever weights it accordingly.
 */
export class LocalHashEmbeddings extends EmbedderEmbeddings {
  readonly modelId: string = LOCAL_MODEL_ID;
  readonly dimensions: number;
  readonly capabilities: EmbedderCapabilities = { maxBatchSize: 256, costsTokens: false, parallelCalls: false, fusionWeights: LEXICAL_FUSION_WEIGHTS };

  constructor(options: { dimensions?: number } = {}) {
    super();
    this.dimensions = options.dimensions ?? 1024;
  }

  /** Usage counts analysed terms, the local equivalent of tokens (free, but reported like any model's). */
  async embed(texts: string[]): Promise<EmbedResult> {
    if (texts.length > this.capabilities.maxBatchSize) {
      throw new UsageError(`${this.modelId} takes at most ${this.capabilities.maxBatchSize} texts per call; got ${texts.length}. Batch by capabilities.maxBatchSize.`, { code: 'EMBEDDING_BATCH_TOO_LARGE' });
    }
    let inputTokens = 0;
    const vectors = texts.map((t) => {
      const terms = analyzeTerms(t);
      inputTokens += terms.length;
      return this.vectorOf(terms);
    });
    return { vectors, usage: { inputTokens } };
  }

  embedSync(text: string): number[] {
    return this.vectorOf(analyzeTerms(text));
  }

  private vectorOf(terms: string[]): number[] {
    const counts = new Map<string, number>();
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i]!;
      counts.set(t, (counts.get(t) ?? 0) + 1);
      if (i + 1 < terms.length) {
        const pair = `${t} ${terms[i + 1]}`;
        counts.set(pair, (counts.get(pair) ?? 0) + 1);
      }
    }
    const v = new Float64Array(this.dimensions);
    for (const [feature, tf] of counts) {
      const h = fnv1a(feature);
      const sign = h & 0x80000000 ? -1 : 1;
      // Pairs weigh half a word: phrase evidence without drowning single-word matches.
      const weight = (1 + Math.log(tf)) * (feature.includes(' ') ? 0.5 : 1);
      v[h % this.dimensions]! += sign * weight;
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    return Array.from(v, (x) => x / norm);
  }
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs and platforms. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
