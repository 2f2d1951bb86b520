import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkHnswFile } from '../src/store/check-hnsw-file.js';
import { mulberry32 } from '../src/seeded-random.js';
import type { DocumentWrite } from '../src/store/kb-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import { VectorIndex } from '../src/store/vector-index.js';
import { verifyStore } from '../src/store/verify-store.js';
import { exitOf, waitForOutput } from './child-output.js';
import { tempDir } from './temp-dir.js';

const DIST = resolve(import.meta.dirname, '..', 'dist');

const DIMS = 16;
const KEY = `check-model@${DIMS}`;
const COUNT = 1500;
const HEADER = 96;
const STEP = 4096; // several elements per step and many steps, including a short last one

/** A knowledge base of COUNT chunks with random vectors, its index saved by the run that wrote them. */
async function savedIndex() {
  const kbDir = tempDir('kb-hnsw-check-');
  const kb = openSqliteKbStore(kbDir);
  await kb.setIndexInfo({ embedding: { model: 'check-model', dimensions: DIMS } });
  const random = mulberry32(5);
  const writes = Array.from({ length: COUNT / 10 }, (_, d): DocumentWrite => {
    const chunks = Array.from({ length: 10 }, (_, i) => ({ ordinal: i, text: `d${d} c${i}`, indexText: `d${d} c${i}`, context: '', textHash: `t${d}-${i}`, headingPath: [], charStart: 0, charEnd: 5, tokenEstimate: 2 }));
    return {
      doc: { absPath: `/check/d${d}.md`, root: '/check', path: `d${d}.md`, format: 'markdown', tags: [], metadata: {}, warnings: [], contentHash: `c${d}`, size: 1, mtimeMs: 1, chunkerKey: 'k', embedKey: KEY },
      chunks,
      vectors: new Map(chunks.map((c) => [c.textHash, Array.from({ length: DIMS }, () => random() - 0.5)])),
    };
  });
  const run = await kb.startRun();
  await kb.writeDocuments(writes);
  await kb.finishRun(run, 'ok', {});
  await kb.close();
  const sidecar = JSON.parse(readFileSync(join(kbDir, 'vectors.json'), 'utf8')) as { mtimeMs: number; count: number };
  return { kbDir, store: openStore(kbDir), file: join(kbDir, 'vectors.hnsw'), sidecar };
}

/** Overwrites bytes in place. */
function damageInPlace(file: string, at: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

/**
 * Damage the size-and-mtime check cannot see: bytes overwritten, and the sidecar made to record the new mtime
 * (as if the mtime had been put back, which utimes cannot do to the nanosecond).
 */
function damageUnseen(kbDir: string, at: number, bytes: Buffer): void {
  const file = join(kbDir, 'vectors.hnsw');
  damageInPlace(file, at, bytes);
  const sidecar = join(kbDir, 'vectors.json');
  writeFileSync(sidecar, JSON.stringify({ ...JSON.parse(readFileSync(sidecar, 'utf8')), mtimeMs: statSync(file).mtimeMs }));
}

function u64(file: string, at: number): number {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(8);
  readSync(fd, b, 0, 8, at);
  closeSync(fd);
  return Number(b.readBigUInt64LE(0));
}

describe('vectors.hnsw structural check (open without hashing the whole file)', () => {
  it('passes the file hnswlib wrote, and records its mtime in the sidecar', async () => {
    const { file, sidecar, store } = await savedIndex();
    expect(checkHnswFile(file, DIMS, STEP)).toBeUndefined();
    expect(checkHnswFile(file, DIMS, 1 << 20)).toBeUndefined();
    expect(sidecar.mtimeMs).toBe(statSync(file).mtimeMs);
    expect(checkHnswFile(file, DIMS + 1, STEP)).toBe('inconsistent header');
    store.close();
  });

  it('finds a neighbour id outside the index, a link count over M, a bad upper-level list size', async () => {
    const { file, store } = await savedIndex();
    const perElement = u64(file, 24);
    const original = readFileSync(file);
    const restore = () => damageInPlace(file, 0, original);

    damageInPlace(file, HEADER + 700 * perElement + 4, Buffer.from([0xff, 0xff, 0xff, 0x7f])); // element 700's first link
    expect(checkHnswFile(file, DIMS, STEP)).toMatch(/element 700: bad level-0 links/);
    restore();
    damageInPlace(file, HEADER + 3 * perElement, Buffer.from([0xff, 0x00])); // element 3's link count
    expect(checkHnswFile(file, DIMS, STEP)).toMatch(/element 3: bad level-0 links/);
    restore();
    damageInPlace(file, HEADER + COUNT * perElement, Buffer.from([0x05, 0x00, 0x00, 0x00])); // element 0's upper-level byte count
    expect(checkHnswFile(file, DIMS, STEP)).toMatch(/element 0: bad link list size/);
    restore();
    expect(checkHnswFile(file, DIMS, STEP)).toBeUndefined();
    store.close();
  });

  it('an open with size and mtime as saved skips the hash (vector bytes damaged in place load; kb verify finds them), but damaged links are rebuilt, never handed to hnswlib', async () => {
    const { kbDir, file, store } = await savedIndex();
    const perElement = u64(file, 24);
    const vectorStart = u64(file, 40);
    const open = () => VectorIndex.open(store, kbDir, KEY, DIMS, { hashStepBytes: STEP });
    expect(open().rebuilt).toBe(false);

    // A vector value changed under an unchanged size and mtime: no crash is possible, the open does not hash, kb verify does.
    damageUnseen(kbDir, HEADER + 42 * perElement + vectorStart, Buffer.from([0x12, 0x34, 0x56, 0x78]));
    const loaded = open();
    expect(loaded.rebuilt, 'size and mtime as saved: loaded after the structural check, without the full hash').toBe(false);
    expect(loaded.size).toBe(COUNT);
    expect(verifyStore(store, kbDir).problems.map((p) => p.detail).join('\n')).toMatch(/checksum/);

    // A neighbour id pointing past the index (what makes hnswlib read outside its memory): rebuilt instead.
    damageUnseen(kbDir, HEADER + 900 * perElement + 4, Buffer.from([0x00, 0x00, 0x10, 0x00]));
    const rebuilt = open();
    expect(rebuilt.rebuilt).toBe(true);
    expect(rebuilt.size).toBe(COUNT);
    store.close();
  });

  // As a real process: if hnswlib read the damaged file, it would crash (SIGSEGV) and take the test runner with it.
  it('a process searching a kb whose vectors.hnsw links are overwritten with A bytes, size and mtime as saved, rebuilds instead of crashing', async () => {
    const { kbDir, file, store } = await savedIndex();
    store.close();
    const bytes = readFileSync(file);
    const start = Math.floor(bytes.length / 2) - 2_000;
    damageUnseen(kbDir, start, Buffer.alloc(4_000, 0x41));
    const storeModule = pathToFileURL(join(DIST, 'src', 'store', 'sqlite-kb-store.js')).href;
    const script = `const { openSqliteKbStore } = await import(${JSON.stringify(storeModule)});
      const kb = openSqliteKbStore(${JSON.stringify(kbDir)}, { readonly: true });
      const prepared = await kb.prepareSearch();
      const hits = await kb.searchVectors(Array.from({ length: ${DIMS} }, (_, i) => i / ${DIMS} - 0.5), { k: 5 });
      console.log(JSON.stringify({ prepared, hits: hits.length }));
      await kb.close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [printed] = await Promise.all([waitForOutput(child.stdout, /\{.*\}/), exitOf(child)]);
    expect(child.signalCode, 'killed by a signal').toBeNull();
    expect(child.exitCode, stderr).toBe(0);
    expect(JSON.parse(printed[0])).toEqual({ prepared: { vectors: COUNT, rebuilt: true }, hits: 5 });
  });

  it('a reader loaded without reading the live ids follows another writer\'s unsaved removals and additions exactly, also over labels the file had deleted', async () => {
    const { kbDir, store } = await savedIndex();
    store.close();
    const writer = openSqliteKbStore(kbDir);
    const idOf = async (path: string) => (await writer.findDocument(path))!.id;
    let run = await writer.startRun();
    await writer.removeDocuments([await idOf('d0.md')]); // saved at finishRun: the file carries deleted labels
    await writer.finishRun(run, 'ok', {});
    const reader = openSqliteKbStore(kbDir, { readonly: true });
    expect((await reader.prepareSearch()).rebuilt).toBe(false);
    const vectorOf = async (hash: string) => [...(await writer.cachedVectors(KEY, [hash])).values()][0]!;
    const [q0, q1] = [await vectorOf('t0-0'), await vectorOf('t1-0')];
    const d1 = (await writer.chunksOf(await idOf('d1.md'))).map((c) => c.id);
    expect((await reader.searchVectors(q1, { k: 1 }))[0]!.chunkId).toBe(d1[0]);

    run = await writer.startRun(); // within a run nothing is saved until it finishes: the reader must apply the difference
    await writer.removeDocuments([await idOf('d1.md')]);
    const fresh = Array.from({ length: DIMS }, (_, i) => (i === 3 ? 1 : 0));
    const [added] = await writer.writeDocuments([{
      doc: { absPath: '/check/new.md', root: '/check', path: 'new.md', format: 'markdown', tags: [], metadata: {}, warnings: [], contentHash: 'new', size: 1, mtimeMs: 1, chunkerKey: 'k', embedKey: KEY },
      chunks: [{ ordinal: 0, text: 'new', indexText: 'new', context: '', textHash: 'new-0', headingPath: [], charStart: 0, charEnd: 3, tokenEstimate: 1 }],
      vectors: new Map([['new-0', fresh]]),
    }]);
    const top = await reader.searchVectors(fresh, { k: 1 });
    expect(top[0]!.chunkId).toBe(added!.added[0]!.id);
    expect(top[0]!.score).toBeCloseTo(1, 5);
    for (const q of [q0, q1]) {
      const hits = (await reader.searchVectors(q, { k: 20 })).map((h) => h.chunkId);
      expect(hits).toHaveLength(20);
      expect(hits.filter((id) => d1.includes(id) || id <= 10)).toEqual([]); // d0's chunks were ids 1-10
    }
    await writer.finishRun(run, 'ok', {});
    await writer.close();
    await reader.close();
  });
});
