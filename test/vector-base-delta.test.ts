import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/seeded-random.js';
import type { DocumentWrite, KbStore } from '../src/store/kb-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import { BASE_STAMP_KEY, compactionThreshold, type Sidecar } from '../src/store/vector-base-file.js';
import { verifyStore } from '../src/store/verify-store.js';
import { tempDir } from './temp-dir.js';

// The saved HNSW file is a base; a small change lives in the database (newer chunks searched exactly, deletions
// as tombstones) until it outgrows the compaction threshold. These tests hold the file's bytes against that.
const DIMS = 16;
const KEY = `delta-model@${DIMS}`;
const random = mulberry32(11);
const vector = () => Array.from({ length: DIMS }, () => random() - 0.5);

function doc(name: string, chunks: number, version = 0): DocumentWrite {
  const drafts = Array.from({ length: chunks }, (_, i) => ({ ordinal: i, text: `${name} ${version} ${i}`, indexText: `${name} ${version} ${i}`, context: '', textHash: `${name}-${version}-${i}`, headingPath: [], charStart: 0, charEnd: 5, tokenEstimate: 2 }));
  return {
    doc: { absPath: `/delta/${name}.md`, root: '/delta', path: `${name}.md`, format: 'markdown', tags: [], metadata: {}, warnings: [], contentHash: `${name}-${version}`, size: 1, mtimeMs: 1, chunkerKey: 'k', embedKey: KEY },
    chunks: drafts,
    vectors: new Map(drafts.map((c) => [c.textHash, vector()])),
  };
}

async function run(kb: KbStore, writes: DocumentWrite[]) {
  const id = await kb.startRun();
  const results = await kb.writeDocuments(writes);
  await kb.finishRun(id, 'ok', {});
  return results;
}

function fileState(kbDir: string) {
  const file = join(kbDir, 'vectors.hnsw');
  return { bytes: readFileSync(file), mtimeMs: statSync(file).mtimeMs, sidecar: JSON.parse(readFileSync(join(kbDir, 'vectors.json'), 'utf8')) as Sidecar };
}

function dbState(kbDir: string) {
  const store = openStore(kbDir); // verify's FTS integrity check needs a writable connection
  try {
    return { tombstones: store.db.prepare('SELECT id FROM vector_tombstones ORDER BY id').pluck().all() as number[], stamp: store.getMeta(BASE_STAMP_KEY), verify: verifyStore(store, kbDir) };
  } finally {
    store.close();
  }
}

async function baseOf(docs: number) {
  const kbDir = tempDir('kb-delta-');
  const kb = openSqliteKbStore(kbDir);
  await kb.setIndexInfo({ embedding: { model: 'delta-model', dimensions: DIMS } });
  await run(kb, Array.from({ length: docs }, (_, d) => doc(`d${d}`, 10)));
  return { kbDir, kb };
}

describe('the vector index file as a base with the change beside it', () => {
  it('a changed document leaves vectors.hnsw untouched, is searchable at once, and its old chunks are gone', async () => {
    const { kbDir, kb } = await baseOf(50);
    const before = fileState(kbDir);
    expect(before.sidecar.count).toBe(500);
    const reader = openSqliteKbStore(kbDir, { readonly: true });
    expect((await reader.prepareSearch()).vectors).toBe(500);

    const edited = doc('d7', 10, 1);
    const { removed, added } = (await run(kb, [edited]))[0]!;
    const after = fileState(kbDir);
    expect(after.bytes.equals(before.bytes), 'one document is far below the threshold: no rewrite').toBe(true);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.sidecar).toEqual(before.sidecar);
    expect(dbState(kbDir).tombstones).toEqual(removed);

    // The reader opened before the change follows it without a rebuild; a new chunk is found by its own vector.
    const prepared = await reader.prepareSearch();
    expect(prepared).toEqual({ vectors: 500, rebuilt: false });
    for (const [i, { id }] of added.entries()) {
      const hits = await reader.searchVectors(edited.vectors.get(edited.chunks[i]!.textHash)!, { k: 20 });
      expect(hits[0]).toMatchObject({ chunkId: id });
      expect(hits[0]!.score).toBeCloseTo(1, 5);
      expect(hits.some((h) => removed.includes(h.chunkId)), 'a deleted chunk is never returned').toBe(false);
    }
    // A process opening now sees the same, and verify finds the file consistent with the database.
    const fresh = openSqliteKbStore(kbDir, { readonly: true });
    const all = await fresh.searchVectors(vector(), { k: 600 });
    expect(all).toHaveLength(500);
    expect(all.filter((h) => removed.includes(h.chunkId))).toEqual([]);
    expect(dbState(kbDir).verify.problems).toEqual([]);
    await Promise.all([fresh.close(), reader.close(), kb.close()]);
  });

  it('a removal outside a run writes no index file; the removed chunks are hidden by their tombstones', async () => {
    const { kbDir, kb } = await baseOf(30);
    const before = fileState(kbDir);
    const target = (await kb.findDocument('d3.md'))!;
    const removed = await kb.removeDocuments([target.id]);
    expect(removed).toHaveLength(10);
    expect(fileState(kbDir).bytes.equals(before.bytes)).toBe(true);
    const fresh = openSqliteKbStore(kbDir, { readonly: true });
    const hits = await fresh.searchVectors(vector(), { k: 300 });
    expect(hits).toHaveLength(290);
    expect(hits.filter((h) => removed.includes(h.chunkId))).toEqual([]);
    expect(await fresh.prepareSearch()).toEqual({ vectors: 290, rebuilt: false });
    await Promise.all([fresh.close(), kb.close()]);
  });

  it('past the threshold a run writes a new base holding everything, and the tombstones it covers are dropped', async () => {
    const { kbDir, kb } = await baseOf(20);
    const before = fileState(kbDir);
    await run(kb, [doc('d0', 10, 1)]); // 10 tombstones, 10 newer chunks: below the threshold
    expect(dbState(kbDir).tombstones).toHaveLength(10);

    const threshold = compactionThreshold(200);
    const many = Array.from({ length: Math.ceil(threshold / 10) + 1 }, (_, d) => doc(`n${d}`, 10));
    await run(kb, many);
    const after = fileState(kbDir);
    expect(after.bytes.equals(before.bytes)).toBe(false);
    expect(after.sidecar.stamp).not.toBe(before.sidecar.stamp);
    const total = 200 + many.length * 10;
    expect(after.sidecar.count).toBe(total);
    const state = dbState(kbDir);
    expect(state.tombstones, 'the new file holds the deletions itself').toEqual([]);
    expect(state.stamp).toBe(after.sidecar.stamp);
    expect(state.verify.problems).toEqual([]);

    const fresh = openSqliteKbStore(kbDir, { readonly: true });
    expect(await fresh.prepareSearch()).toEqual({ vectors: total, rebuilt: false });
    const probe = many[3]!;
    expect((await fresh.searchVectors(probe.vectors.get(probe.chunks[0]!.textHash)!, { k: 1 }))[0]!.score).toBeCloseTo(1, 5);
    await Promise.all([fresh.close(), kb.close()]);
  });

  it('an index file older than the base the database last saved is not trusted, and the search is rebuilt', async () => {
    const { kbDir, kb } = await baseOf(20);
    const old = fileState(kbDir);
    await run(kb, Array.from({ length: Math.ceil(compactionThreshold(200) / 10) + 1 }, (_, d) => doc(`n${d}`, 10)));
    await kb.removeDocuments([(await kb.findDocument('d1.md'))!.id]);
    await kb.close();
    // Put the older file back (a restore of the index without the database): its deletions since are unknown.
    writeFileSync(join(kbDir, 'vectors.hnsw'), old.bytes);
    writeFileSync(join(kbDir, 'vectors.json'), JSON.stringify({ ...old.sidecar, mtimeMs: statSync(join(kbDir, 'vectors.hnsw')).mtimeMs }));
    const fresh = openSqliteKbStore(kbDir, { readonly: true });
    const prepared = await fresh.prepareSearch();
    expect(prepared.rebuilt).toBe(true);
    const live = openStore(kbDir, { readonly: true });
    const chunks = live.counts().chunks;
    live.close();
    expect(prepared.vectors).toBe(chunks);
    expect(dbState(kbDir).verify.problems.map((p) => p.check)).toContain('vector index holds exactly the live chunks');
    await fresh.close();
  });

  it('a sidecar with a field of the wrong type is not trusted: the search is rebuilt, with every chunk', async () => {
    const { kbDir, kb } = await baseOf(20);
    await kb.close();
    const sidecar = join(kbDir, 'vectors.json');
    writeFileSync(sidecar, JSON.stringify({ ...(JSON.parse(readFileSync(sidecar, 'utf8')) as Sidecar), upTo: 'everything' }));
    const fresh = openSqliteKbStore(kbDir, { readonly: true });
    expect(await fresh.prepareSearch()).toEqual({ vectors: 200, rebuilt: true });
    await fresh.close();
  });
});
