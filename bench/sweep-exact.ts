import { DIM } from './sweep-vectors.js';

/** Cosine (dot product of unit vectors) of `q` with every row. */
export function scanFloat32(data: Float32Array, q: Float32Array): Float32Array {
  const n = data.length / DIM;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * DIM;
    for (let j = 0; j < DIM; j++) s += data[off + j]! * q[j]!;
    scores[i] = s;
  }
  return scores;
}

/** Ids of the `k` best scores (best first), over all rows or over `candidates` only. */
export function topK(scores: ArrayLike<number>, k: number, candidates?: Iterable<number>): number[] {
  const ids: number[] = [];
  const vals: number[] = [];
  const offer = (i: number): void => {
    const s = scores[i]!;
    if (ids.length === k && s <= vals[k - 1]!) return;
    let p = ids.length === k ? k - 1 : ids.length;
    while (p > 0 && vals[p - 1]! < s) {
      vals[p] = vals[p - 1]!;
      ids[p] = ids[p - 1]!;
      p--;
    }
    vals[p] = s;
    ids[p] = i;
  };
  if (candidates) for (const i of candidates) offer(i);
  else for (let i = 0; i < scores.length; i++) offer(i);
  return ids;
}

/** The exact ground truth of one query: every score and the k-th best (ties at the cut-off count as hits). */
export interface Truth {
  scores: Float32Array;
  cutoff: number;
}

export function truthOf(data: Float32Array, q: Float32Array, k: number): Truth {
  const scores = scanFloat32(data, q);
  const best = topK(scores, k);
  return { scores, cutoff: scores[best[best.length - 1]!]! - 1e-5 };
}

export function recallAt(truth: Truth, returned: number[], k: number): number {
  let hits = 0;
  for (const id of returned.slice(0, k)) if (truth.scores[id]! >= truth.cutoff) hits++;
  return hits / k;
}

/** Cosine of `q` with the given rows only, written into `out` at their ids. */
export function rescore(data: Float32Array, q: Float32Array, ids: Iterable<number>, out: Float32Array): void {
  for (const i of ids) {
    let s = 0;
    const off = i * DIM;
    for (let j = 0; j < DIM; j++) s += data[off + j]! * q[j]!;
    out[i] = s;
  }
}

/** Int8 rows with one scale per row (max |x| -> 127): a quarter of float32's bytes. */
export function quantizeInt8(data: Float32Array): { codes: Int8Array; scales: Float32Array } {
  const n = data.length / DIM;
  const codes = new Int8Array(data.length);
  const scales = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let max = 0;
    for (let j = 0; j < DIM; j++) max = Math.max(max, Math.abs(data[i * DIM + j]!));
    const s = max / 127 || 1;
    scales[i] = s;
    for (let j = 0; j < DIM; j++) codes[i * DIM + j] = Math.round(data[i * DIM + j]! / s);
  }
  return { codes, scales };
}

/** Approximate scores from int8 rows against an int8 query (the query's scale is dropped: it ranks nothing). */
export function scanInt8(codes: Int8Array, scales: Float32Array, q: Float32Array): Float32Array {
  let max = 0;
  for (const x of q) max = Math.max(max, Math.abs(x));
  const qc = new Int32Array(DIM);
  for (let j = 0; j < DIM; j++) qc[j] = Math.round((q[j]! / (max || 1)) * 127);
  const n = scales.length;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * DIM;
    for (let j = 0; j < DIM; j++) s += codes[off + j]! * qc[j]!;
    scores[i] = s * scales[i]!;
  }
  return scores;
}

/**
 * Column postings of sparse rows (the offline embedder fills about a tenth of its buckets): for each dimension,
 * the rows where it is non-zero and their values. An exact search then touches only the query's non-zero columns.
 */
export function columnPostings(data: Float32Array): { ids: Int32Array[]; vals: Float32Array[] } {
  const n = data.length / DIM;
  const counts = new Int32Array(DIM);
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) counts[i % DIM]!++;
  const ids = Array.from(counts, (c) => new Int32Array(c));
  const vals = Array.from(counts, (c) => new Float32Array(c));
  const fill = new Int32Array(DIM);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < DIM; j++) {
      const x = data[i * DIM + j]!;
      if (x === 0) continue;
      const p = fill[j]!++;
      ids[j]![p] = i;
      vals[j]![p] = x;
    }
  }
  return { ids, vals };
}

/** Scratch for `sparseExact`: scores of n rows (kept zeroed between queries) and the rows a query touched. */
export function sparseScratch(n: number): { acc: Float32Array; seen: Uint8Array; touched: Int32Array } {
  return { acc: new Float32Array(n), seen: new Uint8Array(n), touched: new Int32Array(n) };
}

/** Exact top-k through the column postings: only the query's non-zero columns are read. */
export function sparseExact(post: { ids: Int32Array[]; vals: Float32Array[] }, q: Float32Array, k: number, scratch: ReturnType<typeof sparseScratch>): number[] {
  const { acc, seen, touched } = scratch;
  let count = 0;
  for (let j = 0; j < DIM; j++) {
    const w = q[j]!;
    if (w === 0) continue;
    const ids = post.ids[j]!;
    const vals = post.vals[j]!;
    for (let p = 0; p < ids.length; p++) {
      const i = ids[p]!;
      acc[i]! += w * vals[p]!;
      if (!seen[i]) {
        seen[i] = 1;
        touched[count++] = i;
      }
    }
  }
  const rows = touched.subarray(0, count);
  const best = topK(acc, k, rows);
  for (const i of rows) {
    acc[i] = 0;
    seen[i] = 0;
  }
  return best;
}

/** Column postings with every column sorted by value, descending: the input of `thresholdExact`. */
export function sortedPostings(post: { ids: Int32Array[]; vals: Float32Array[] }): { ids: Int32Array[]; vals: Float32Array[] } {
  const ids: Int32Array[] = [];
  const vals: Float32Array[] = [];
  post.ids.forEach((col, j) => {
    const v = post.vals[j]!;
    const order = Array.from(col.keys()).sort((a, b) => v[b]! - v[a]!);
    ids.push(Int32Array.from(order, (p) => col[p]!));
    vals.push(Float32Array.from(order, (p) => v[p]!));
  });
  return { ids, vals };
}

/**
 * Exact top-k by the threshold algorithm over value-sorted columns: walk the query's columns from their best
 * contribution down, score each row met exactly (only the query's non-zero dimensions), and stop once the sum
 * of the columns' next contributions cannot beat the k-th best. Exact; reads a prefix of each column.
 */
export function thresholdExact(sorted: { ids: Int32Array[]; vals: Float32Array[] }, data: Float32Array, q: Float32Array, k: number, seen: Uint8Array, touched: Int32Array): number[] {
  const dims: number[] = [];
  for (let j = 0; j < DIM; j++) if (q[j] !== 0) dims.push(j);
  const pos = dims.map((j) => (q[j]! > 0 ? 0 : sorted.ids[j]!.length - 1));
  const best: number[] = [];
  const bestScore: number[] = [];
  let count = 0;
  for (;;) {
    let bound = 0;
    let moved = false;
    dims.forEach((j, c) => {
      const ids = sorted.ids[j]!;
      const p = pos[c]!;
      if (p < 0 || p >= ids.length) return;
      const w = q[j]!;
      const contribution = w * sorted.vals[j]![p]!;
      if (contribution <= 0) return;
      bound += contribution;
      moved = true;
      pos[c] = w > 0 ? p + 1 : p - 1;
      const i = ids[p]!;
      if (seen[i]) return;
      seen[i] = 1;
      touched[count++] = i;
      let s = 0;
      for (const d of dims) s += data[i * DIM + d]! * q[d]!;
      if (best.length === k && s <= bestScore[k - 1]!) return;
      let at = best.length === k ? k - 1 : best.length;
      while (at > 0 && bestScore[at - 1]! < s) {
        best[at] = best[at - 1]!;
        bestScore[at] = bestScore[at - 1]!;
        at--;
      }
      best[at] = i;
      bestScore[at] = s;
    });
    if (!moved || (best.length === k && bound <= bestScore[k - 1]!)) break;
  }
  for (let t = 0; t < count; t++) seen[touched[t]!] = 0;
  return best;
}
