import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { mulberry32 } from '../src/seeded-random.js';
import { openStore } from '../src/store/sqlite-store.js';
import { HNSW_BUILD, VectorIndex } from '../src/store/vector-index.js';
import { tempDir } from './temp-dir.js';

const K = 10;
const COUNT = 3000;
const QUERIES = 100;

function normalised(v: number[]): number[] {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** Standard normal samples from a seeded uniform source (Box–Muller). */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Mean recall@K of the index against brute-force cosine. A returned id counts as a hit when its exact similarity
 * reaches the K-th best (so ties at the cut-off do not count against the index).
 */
function recallAt(vectors: number[][], queries: number[][]) {
  const kbDir = tempDir('kb-recall-');
  const store = openStore(kbDir);
  try {
    const index = VectorIndex.open(store, kbDir, 'recall', vectors[0]!.length);
    const started = performance.now();
    vectors.forEach((v, i) => index.add(i + 1, v));
    const buildMs = performance.now() - started;
    let hits = 0;
    for (const q of queries) {
      const exact = vectors.map((v) => dot(v, q)).sort((a, b) => b - a);
      const cutoff = exact[K - 1]! - 1e-6;
      for (const { id } of index.search(q, K)) if (dot(vectors[id - 1]!, q) >= cutoff) hits++;
    }
    return { recall: hits / (queries.length * K), buildMs };
  } finally {
    store.close();
  }
}

/** Made-up words, so texts share vocabulary the way chunks of one corpus do, with a skewed (Zipf-like) frequency. */
function wordSource(random: () => number) {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = Array.from({ length: 3000 }, () => Array.from({ length: 4 + Math.floor(random() * 6) }, () => letters[Math.floor(random() * 26)]).join(''));
  return (count: number) => Array.from({ length: count }, () => words[Math.floor(words.length * random() ** 2)]).join(' ');
}

describe('vector recall at the shipped HNSW settings', () => {
  it(`finds at least 95% of the exact top ${K} for random unit vectors (M ${HNSW_BUILD.m}, efConstruction ${HNSW_BUILD.efConstruction})`, () => {
    const random = mulberry32(15);
    const normal = gaussian(random);
    const dimensions = 128;
    const vector = () => normalised(Array.from({ length: dimensions }, normal));
    const vectors = Array.from({ length: COUNT }, vector);
    const queries = Array.from({ length: QUERIES }, vector);
    const { recall, buildMs } = recallAt(vectors, queries);
    console.info(`random ${dimensions}-d: recall@${K} ${recall.toFixed(3)}, build ${COUNT} vectors ${buildMs.toFixed(0)} ms`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it(`finds at least 95% of the exact top ${K} for short queries on offline-embedder vectors`, async () => {
    const random = mulberry32(1515);
    const text = wordSource(random);
    const embedder = new LocalHashEmbeddings({ dimensions: 256 });
    const vectors = Array.from({ length: COUNT }, () => embedder.embedSync(text(20 + Math.floor(random() * 60))));
    const queries = Array.from({ length: QUERIES }, () => embedder.embedSync(text(2 + Math.floor(random() * 3))));
    const { recall, buildMs } = recallAt(vectors, queries);
    console.info(`offline 256-d: recall@${K} ${recall.toFixed(3)}, build ${COUNT} vectors ${buildMs.toFixed(0)} ms`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });
});

describe('build settings in the sidecar', () => {
  it('records M and efConstruction, and still loads an index saved before they were recorded', () => {
    const kbDir = tempDir('kb-recall-');
    const store = openStore(kbDir);
    try {
      VectorIndex.open(store, kbDir, 'recall', 8).save(store);
      const sidecar = join(kbDir, 'vectors.json');
      const meta = JSON.parse(readFileSync(sidecar, 'utf8'));
      expect(meta).toMatchObject({ m: HNSW_BUILD.m, efConstruction: HNSW_BUILD.efConstruction });
      delete meta.m;
      delete meta.efConstruction;
      writeFileSync(sidecar, JSON.stringify(meta));
      const reopened = VectorIndex.open(store, kbDir, 'recall', 8);
      expect(reopened.rebuilt).toBe(false);
      expect(reopened.build).toEqual({ m: 12, efConstruction: 40 });
    } finally {
      store.close();
    }
  });
});
