import { openStore } from '../src/store/sqlite-store.js';
import { blobToVector } from '../src/store/vector-blob.js';

/** Every live chunk vector of a knowledge base, unit length, in one buffer: the ground truth for recall. */
export function loadUnitVectors(kbDir: string, embedKey: string, dimensions: number): { ids: Int32Array; data: Float32Array } {
  const store = openStore(kbDir, { readonly: true });
  try {
    const n = store.counts().chunks;
    const ids = new Int32Array(n);
    const data = new Float32Array(n * dimensions);
    let i = 0;
    for (const row of store.db.prepare('SELECT c.id AS id, v.vector AS vector FROM chunks c JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash').iterate(embedKey) as Iterable<{ id: number; vector: Buffer }>) {
      const v = blobToVector(row.vector);
      data.set(unit(v), i * dimensions);
      ids[i++] = row.id;
    }
    return { ids: ids.subarray(0, i), data: data.subarray(0, i * dimensions) };
  } finally {
    store.close();
  }
}

export function unit(v: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(v);
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

/** Cosine of the query with every vector; the k-th best similarity (the recall cut-off, so ties count as hits). */
export function exactScores(all: { data: Float32Array }, query: Float32Array): Float32Array {
  const d = query.length;
  const n = all.data.length / d;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * d;
    for (let j = 0; j < d; j++) s += all.data[off + j]! * query[j]!;
    scores[i] = s;
  }
  return scores;
}

/**
 * Recall@k of returned ids against exact search: a returned id is a hit when its exact similarity reaches the
 * k-th best exact similarity.
 */
export function recallOf(all: { ids: Int32Array; data: Float32Array }, query: Float32Array, returned: number[], k: number): number {
  const scores = exactScores(all, query);
  const cutoff = [...scores].sort((a, b) => b - a)[Math.min(k, scores.length) - 1]! - 1e-5;
  const position = new Map<number, number>();
  all.ids.forEach((id, i) => position.set(id, i));
  let hits = 0;
  for (const id of returned.slice(0, k)) if (scores[position.get(id) ?? -1]! >= cutoff) hits++;
  return hits / Math.min(k, scores.length);
}
