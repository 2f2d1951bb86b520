import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';

/**
 * The offline embedder with a small constant added to every dimension: dense vectors that rank almost as the
 * sparse ones do. Sparse vectors are kept as column postings (vectors.cols), dense ones (Titan, Cohere) in an HNSW
 * graph (vectors.hnsw); tests of the base files run once with each.
 */
export class DenseHashEmbeddings extends LocalHashEmbeddings {
  override readonly modelId: string = 'dense-hash-test';
  override async embed(texts: string[]) {
    const result = await super.embed(texts);
    return { ...result, vectors: result.vectors.map((v) => v.map((x) => x + 1e-3)) };
  }
}

export const BASE_KINDS = [
  { name: 'sparse vectors, vectors.cols', embedder: new LocalHashEmbeddings(), file: 'vectors.cols' },
  { name: 'dense vectors, vectors.hnsw', embedder: new DenseHashEmbeddings(), file: 'vectors.hnsw' },
];
