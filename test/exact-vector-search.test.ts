import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DocumentWrite } from '../src/store/kb-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { mulberry32 } from '../src/seeded-random.js';
import { tempDir } from './temp-dir.js';

const DIMS = 32;
const KEY = `scan-model@${DIMS}`;

/** `docs` documents of 10 chunks each with seeded random vectors; documents under rare/ are every 100th (1% of chunks). */
function corpus(docs: number, random: () => number): { writes: DocumentWrite[]; vectors: Map<string, number[]> } {
  const vectors = new Map<string, number[]>();
  const writes = Array.from({ length: docs }, (_, d): DocumentWrite => {
    const path = d % 100 === 0 ? `rare/doc-${d}.md` : `common/doc-${d}.md`;
    const chunks = Array.from({ length: 10 }, (_, i) => {
      const text = `document ${d} chunk ${i}`;
      return { ordinal: i, text, indexText: text, context: '', textHash: `t-${d}-${i}`, headingPath: [], charStart: i * 30, charEnd: i * 30 + text.length, tokenEstimate: 5 };
    });
    for (const c of chunks) vectors.set(c.textHash, Array.from({ length: DIMS }, () => random() * 2 - 1));
    return {
      doc: { absPath: `/scan/${path}`, root: '/scan', path, format: 'markdown', tags: [], metadata: {}, warnings: [], contentHash: `c${d}`, size: 100, mtimeMs: 1, chunkerKey: 'k', embedKey: KEY },
      chunks,
      vectors: new Map(chunks.map((c) => [c.textHash, vectors.get(c.textHash)!])),
    };
  });
  return { writes, vectors };
}

const cosine = (a: number[], b: number[]) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) (dot += a[i]! * b[i]!), (na += a[i]! ** 2), (nb += b[i]! ** 2);
  return dot / Math.sqrt(na * nb);
};

describe('vector search under a sparse filter', () => {
  it('returns exactly the brute-force top k (ids and order) from SQLite, without loading or recreating the HNSW index', async () => {
    const kbDir = tempDir('kb-scan-');
    const random = mulberry32(11);
    const { writes, vectors } = corpus(500, random);
    const writer = openSqliteKbStore(kbDir);
    await writer.setIndexInfo({ embedding: { model: 'scan-model', dimensions: DIMS } });
    const ids = new Map<number, string>(); // chunk id -> text hash
    for (let i = 0; i < writes.length; i += 50) {
      const results = await writer.writeDocuments(writes.slice(i, i + 50));
      for (const r of results) for (const a of r.added) ids.set(a.id, a.textHash);
    }
    const run = await writer.startRun();
    await writer.finishRun(run, 'ok', {});
    await writer.close();
    expect(existsSync(join(kbDir, 'vectors.hnsw'))).toBe(true);

    // The HNSW file is gone; the sidecar stays as it was. A sparse-filter search must not need either.
    rmSync(join(kbDir, 'vectors.hnsw'));
    const sidecar = join(kbDir, 'vectors.json');
    const sidecarBefore = { text: readFileSync(sidecar, 'utf8'), mtimeMs: statSync(sidecar).mtimeMs };
    const reader = openSqliteKbStore(kbDir, { readonly: true });
    const rareIds = [...ids].filter(([, hash]) => Number(hash.split('-')[1]) % 100 === 0).map(([id]) => id);
    expect(rareIds).toHaveLength(50); // 5 of the 500 documents, 10 chunks each
    for (let q = 0; q < 30; q++) {
      const query = Array.from({ length: DIMS }, () => random() * 2 - 1);
      const expected = rareIds
        .map((id) => ({ id, score: cosine(query, vectors.get(ids.get(id)!)!) }))
        .sort((a, b) => b.score - a.score || a.id - b.id)
        .slice(0, 10);
      const hits = await reader.searchVectors(query, { k: 10, filters: { pathPrefix: 'rare/' } });
      expect(hits.map((h) => h.chunkId)).toEqual(expected.map((e) => e.id));
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 5));
    }
    expect(await reader.searchVectors(Array(DIMS).fill(1), { k: 5, filters: { pathPrefix: 'nowhere/' } })).toEqual([]);
    // Nothing loaded the index: the first unfiltered need of it still has to rebuild it (in memory, not on disk).
    expect((await reader.prepareSearch()).rebuilt).toBe(true);
    await reader.close();
    expect(existsSync(join(kbDir, 'vectors.hnsw'))).toBe(false);
    expect({ text: readFileSync(sidecar, 'utf8'), mtimeMs: statSync(sidecar).mtimeMs }).toEqual(sidecarBefore);
  });
});
