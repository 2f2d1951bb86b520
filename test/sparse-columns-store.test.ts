import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/seeded-random.js';
import { hashFile } from '../src/store/hash-file.js';
import type { DocumentWrite, KbStore } from '../src/store/kb-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import { blobToVector } from '../src/store/vector-blob.js';
import { compactionThreshold, type Sidecar } from '../src/store/vector-base-file.js';
import { verifyStore } from '../src/store/verify-store.js';
import { tempDir } from './temp-dir.js';

// The SQLite store keeps sparse vectors (the offline embedder's) as column postings instead of a graph, saved as
// vectors.cols for the base: queries are answered exactly from them, by every process that opens the kb.
const DIMS = 128;

function sparse(random: () => number, nonZero: number): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (let i = 0; i < nonZero; i++) v[Math.floor(random() * DIMS)] = random() < 0.5 ? -(1 + random()) : 1 + random();
  return v;
}

function dense(random: () => number): number[] {
  return Array.from({ length: DIMS }, () => random() - 0.5);
}

function doc(name: string, vectors: number[][], version = 0): DocumentWrite {
  const drafts = vectors.map((_, i) => ({ ordinal: i, text: `${name} ${i}`, indexText: `${name} ${i}`, context: '', textHash: `${name}-${version}-${i}`, headingPath: [], charStart: 0, charEnd: 5, tokenEstimate: 2 }));
  return {
    doc: { absPath: `/cols/${name}.md`, root: '/cols', path: `${name}.md`, format: 'markdown', tags: [], metadata: {}, warnings: [], contentHash: `${name}-${version}`, size: 1, mtimeMs: 1, chunkerKey: 'k', embedKey: `cols-model@${DIMS}` },
    chunks: drafts,
    vectors: new Map(drafts.map((c, i) => [c.textHash, vectors[i]!])),
  };
}

async function run(kb: KbStore, writes: DocumentWrite[]) {
  const id = await kb.startRun();
  await kb.writeDocuments(writes);
  await kb.finishRun(id, 'ok', {});
}

async function kbOf(docs: number, make: () => number[]) {
  const kbDir = tempDir('kb-cols-store-');
  const kb = openSqliteKbStore(kbDir);
  await kb.setIndexInfo({ embedding: { model: 'cols-model', dimensions: DIMS } });
  await run(kb, Array.from({ length: docs }, (_, d) => doc(`d${d}`, Array.from({ length: 10 }, make))));
  return { kbDir, kb };
}

const sidecarOf = (kbDir: string) => JSON.parse(readFileSync(join(kbDir, 'vectors.json'), 'utf8')) as Sidecar;

function inspect(kbDir: string) {
  const store = openStore(kbDir);
  try {
    const rows = store.db.prepare('SELECT c.id AS id, v.vector AS vector FROM chunks c JOIN vectors v ON v.text_hash = c.text_hash').all() as Array<{ id: number; vector: Buffer }>;
    return { vectors: new Map(rows.map((r) => [r.id, Array.from(blobToVector(r.vector))])), problems: verifyStore(store, kbDir).problems };
  } finally {
    store.close();
  }
}

function repair(kbDir: string) {
  const store = openStore(kbDir);
  try {
    return verifyStore(store, kbDir, { repair: true });
  } finally {
    store.close();
  }
}

/** Brute-force cosine ranking of the stored vectors that share something with the query (similarity not 0). */
function exact(vectors: Map<number, number[]>, query: number[], k: number): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return [...vectors]
    .map(([id, v]) => ({ id, s: v.reduce((s, x, j) => s + x * query[j]!, 0) / (norm(v) * norm(query)) }))
    .filter((h) => Math.abs(h.s) > 1e-9)
    .sort((a, b) => b.s - a.s || a.id - b.id)
    .slice(0, k)
    .map((h) => h.id);
}

describe('sparse vectors: column postings saved with the vector base', () => {
  it('are saved with the base and answer short queries exactly in a fresh process, deletions included', async () => {
    const random = mulberry32(21);
    const { kbDir, kb } = await kbOf(120, () => sparse(random, 12));
    const sidecar = sidecarOf(kbDir);
    expect(sidecar, 'the base is the column file alone').toMatchObject({ graph: false, columns: { bytes: readFileSync(join(kbDir, 'vectors.cols')).length } });
    expect(existsSync(join(kbDir, 'vectors.hnsw'))).toBe(false);
    await kb.removeDocuments([(await kb.findDocument('d5.md'))!.id]); // tombstones, no new base
    expect(sidecarOf(kbDir)).toEqual(sidecar);

    const { vectors, problems } = inspect(kbDir);
    expect(problems).toEqual([]);
    const fresh = openSqliteKbStore(kbDir, { readonly: true });
    expect(await fresh.prepareSearch()).toEqual({ vectors: 1190, rebuilt: false });
    const queryRandom = mulberry32(22);
    for (let i = 0; i < 30; i++) {
      const query = sparse(queryRandom, 2);
      const hits = (await fresh.searchVectors(query, { k: 50 })).map((h) => h.chunkId);
      // Exactly the brute-force ranking: only chunks that share a dimension, fewer than k when few do.
      expect(hits).toEqual(exact(vectors, query, 50));
    }
    await Promise.all([fresh.close(), kb.close()]);
  });

  it('a damaged vectors.cols is not trusted: the columns are rebuilt from the database, verify names it, repair rewrites it', async () => {
    const random = mulberry32(31);
    const { kbDir, kb } = await kbOf(40, () => sparse(random, 12));
    await kb.close();
    const file = join(kbDir, 'vectors.cols');
    const bytes = readFileSync(file);
    bytes[bytes.length - 3]! ^= 0x55;
    writeFileSync(file, bytes);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));

    const query = sparse(mulberry32(32), 1);
    const { vectors, problems } = inspect(kbDir);
    expect(problems.map((p) => p.detail)).toEqual(['vectors.cols does not match its recorded size and checksum (damaged or torn write)']);
    const fresh = openSqliteKbStore(kbDir, { readonly: true });
    expect(await fresh.prepareSearch()).toEqual({ vectors: 400, rebuilt: true });
    expect((await fresh.searchVectors(query, { k: 50 })).map((h) => h.chunkId)).toEqual(exact(vectors, query, 50));
    await fresh.close();

    expect(repair(kbDir).repaired).toContain('rebuilt the vector index');
    expect(inspect(kbDir).problems).toEqual([]);
    const repaired = openSqliteKbStore(kbDir, { readonly: true });
    expect(await repaired.prepareSearch()).toEqual({ vectors: 400, rebuilt: false });
    expect((await repaired.searchVectors(query, { k: 50 })).map((h) => h.chunkId)).toEqual(exact(vectors, query, 50));
    await repaired.close();
  });

  it('dense vectors are kept in the graph, with no column file', async () => {
    const random = mulberry32(41);
    const { kbDir, kb } = await kbOf(40, () => dense(random));
    expect(sidecarOf(kbDir).columns).toBe(false);
    expect(sidecarOf(kbDir).graph).toBeUndefined();
    expect(existsSync(join(kbDir, 'vectors.hnsw'))).toBe(true);
    expect(existsSync(join(kbDir, 'vectors.cols'))).toBe(false);
    expect(inspect(kbDir).problems).toEqual([]);
    await kb.close();
  });

  it('a graph base saved before column files existed is searched as a graph, and the next new base is columns', async () => {
    const random = mulberry32(51);
    const { kbDir, kb } = await kbOf(30, () => sparse(random, 12));
    // Rewrite the base as an older version saved it: vectors.hnsw and a sidecar without columns.
    const current = sidecarOf(kbDir);
    const graph = new hnswlib.HierarchicalNSW('cosine', DIMS);
    graph.initIndex({ maxElements: 400, m: 16, efConstruction: 100, randomSeed: 1 });
    for (const [id, v] of inspect(kbDir).vectors) graph.addPoint(v, id);
    const hnswFile = join(kbDir, 'vectors.hnsw');
    graph.writeIndexSync(hnswFile);
    const { bytes, sha256 } = hashFile(hnswFile);
    const { columns: _c, graph: _g, ...rest } = current;
    writeFileSync(join(kbDir, 'vectors.json'), JSON.stringify({ ...rest, bytes, sha256, mtimeMs: statSync(hnswFile).mtimeMs }));
    rmSync(join(kbDir, 'vectors.cols'));
    expect(inspect(kbDir).problems).toEqual([]);

    const query = sparse(mulberry32(52), 1);
    const reader = openSqliteKbStore(kbDir, { readonly: true });
    expect(await reader.prepareSearch()).toEqual({ vectors: 300, rebuilt: false });
    expect(await reader.searchVectors(query, { k: 50 }), 'no columns: the graph answers, k neighbours whatever they share').toHaveLength(50);
    await reader.close();

    const docs = Math.ceil(compactionThreshold(300) / 10) + 1;
    await run(kb, Array.from({ length: docs }, (_, d) => doc(`n${d}`, Array.from({ length: 10 }, () => sparse(random, 12)))));
    expect(sidecarOf(kbDir)).toMatchObject({ graph: false, columns: { bytes: readFileSync(join(kbDir, 'vectors.cols')).length } });
    expect(existsSync(hnswFile)).toBe(false);
    const { vectors, problems } = inspect(kbDir);
    expect(problems).toEqual([]);
    const fresh = openSqliteKbStore(kbDir, { readonly: true });
    expect((await fresh.searchVectors(query, { k: 50 })).map((h) => h.chunkId)).toEqual(exact(vectors, query, 50));
    await Promise.all([fresh.close(), kb.close()]);
  });
});
