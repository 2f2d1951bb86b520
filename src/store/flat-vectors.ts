import { blobToVector } from './vector-blob.js';

/**
 * Unit vectors in one flat buffer, searched exactly: the chunks written since the saved HNSW file (a few
 * thousand at most between saves), so a small change is searchable without inserting it into the graph or
 * rewriting the file. A scan is one pass of multiply-adds over contiguous memory.
 */
export class FlatVectors {
  private ids = new Int32Array(0);
  private data = new Float32Array(0);
  private n = 0;

  constructor(readonly dimensions: number) {}

  get size(): number {
    return this.n;
  }

  /** Replaces the contents with `rows` (blobs as SQLite stores them, see vector-blob.ts), each scaled to unit length. */
  fill(rows: Array<{ id: number; vector: Uint8Array }>): void {
    const d = this.dimensions;
    this.ids = new Int32Array(rows.length);
    this.data = new Float32Array(rows.length * d);
    this.n = 0;
    for (const { id, vector } of rows) {
      const v = blobToVector(vector);
      if (v.length !== d) continue;
      const norm = Math.sqrt(dot(v, 0, v, d)) || 1;
      const off = this.n * d;
      for (let j = 0; j < d; j++) this.data[off + j] = v[j]! / norm;
      this.ids[this.n++] = id;
    }
  }

  clear(): void {
    this.fill([]);
  }

  idList(): number[] {
    return Array.from(this.ids.subarray(0, this.n));
  }

  /**
   * The k most cosine-similar (query need not be unit length), best first, ties by lower id; `allow` restricts
   * ids. Rows at similarity 0 (sharing no dimension with a sparse query) are not returned.
   */
  search(query: Float32Array, k: number, allow?: Set<number>): Array<{ id: number; similarity: number }> {
    if (k <= 0 || !this.n) return [];
    const d = this.dimensions;
    const qNorm = Math.sqrt(dot(query, 0, query, d));
    if (!qNorm) return [];
    const hits: Array<{ id: number; similarity: number }> = [];
    for (let i = 0; i < this.n; i++) {
      const id = this.ids[i]!;
      if (allow && !allow.has(id)) continue;
      const similarity = dot(this.data, i * d, query, d) / qNorm;
      if (similarity !== 0) hits.push({ id, similarity });
    }
    hits.sort((a, b) => b.similarity - a.similarity || a.id - b.id);
    return hits.slice(0, k);
  }
}

/** Dot product of `d` values of `a` from `offset` with `b` from 0, four lanes at a time. */
function dot(a: Float32Array, offset: number, b: Float32Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += a[offset + j]! * b[j]!;
    s1 += a[offset + j + 1]! * b[j + 1]!;
    s2 += a[offset + j + 2]! * b[j + 2]!;
    s3 += a[offset + j + 3]! * b[j + 3]!;
  }
  for (; j < d; j++) s0 += a[offset + j]! * b[j]!;
  return s0 + s1 + s2 + s3;
}
