import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexFolders } from '../src/ingest/index-folders.js';
import { embedderKey } from '../src/models/embedder.js';
import { hashFile } from '../src/store/hash-file.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import { VectorIndex } from '../src/store/vector-index.js';
import { verifyStore } from '../src/store/verify-store.js';
import { BASE_KINDS } from './dense-hash-embeddings.js';
import { DATA_DIR } from './temp-dir.js';

// The checksum reads the base file (vectors.cols or vectors.hnsw) in steps (a whole-file read fails past 2 GiB). A 4 KiB step stands in for the
// 8 MiB one so that the sample index spans many steps, including a short last one.
const STEP = 4096;

describe.each(BASE_KINDS)('vector index checksum read in steps ($name)', ({ embedder, file: baseFile }) => {
  const key = embedderKey(embedder);
  let kbDir: string;

  beforeAll(async () => {
    kbDir = mkdtempSync(join(tmpdir(), 'kb-vector-steps-'));
    const store = openSqliteKbStore(kbDir);
    const summary = await indexFolders({
      roots: [DATA_DIR], store, embedder, chunking: { targetTokens: 400, overlapTokens: 60 },
      ingest: { maxFileBytes: 50 * 1024 * 1024, followSymlinks: false, fileTimeoutMs: 60_000 },
    });
    expect(summary.failures).toEqual([]);
    await store.close(); // saves the base file
  });

  afterAll(() => {
    if (kbDir) rmSync(kbDir, { recursive: true, force: true });
  });

  function flipByte(file: string, at: number): void {
    const fd = openSync(file, 'r+');
    try {
      const one = Buffer.alloc(1);
      readSync(fd, one, 0, 1, at);
      one[0] = one[0]! ^ 0xff;
      writeSync(fd, one, 0, 1, at);
    } finally {
      closeSync(fd);
    }
  }

    it('hashFile gives the whole-file size and SHA-256 for any step size', () => {
      const file = join(kbDir, baseFile);
      const whole = readFileSync(file);
      const expected = { bytes: whole.length, sha256: createHash('sha256').update(whole).digest('hex') };
      expect(whole.length, 'the index spans several steps').toBeGreaterThan(5 * STEP);
      for (const step of [7, STEP, STEP + 1, whole.length, whole.length + 10]) expect(hashFile(file, step)).toEqual(expected);
    });

    it('an index saved and reloaded with a small step loads without a rebuild; a flipped byte past the first step is detected and rebuilt', () => {
      const store = openStore(kbDir);
      try {
        const file = join(kbDir, baseFile);
        const first = VectorIndex.open(store, kbDir, key, embedder.dimensions, { hashStepBytes: STEP });
        expect(first.rebuilt, 'the index the run saved (default step) matches the stepped checksum').toBe(false);
        first.save(store);
        const reopened = VectorIndex.open(store, kbDir, key, embedder.dimensions, { hashStepBytes: STEP });
        expect(reopened.rebuilt).toBe(false);
        expect(reopened.size).toBe(first.size);

        const size = statSync(file).size;
        flipByte(file, 3 * STEP + 17);
        expect(statSync(file).size).toBe(size);
        const damaged = VectorIndex.open(store, kbDir, key, embedder.dimensions, { hashStepBytes: STEP });
        expect(damaged.rebuilt, 'damage in the fourth step must not load as sound').toBe(true);
        expect(damaged.size).toBe(first.size);
      } finally {
        store.close();
      }
    });

    it("kb verify detects a flipped byte through the same hashFile checksum", () => {
      const store = openStore(kbDir);
      try {
        VectorIndex.open(store, kbDir, key, embedder.dimensions).save(store);
        expect(verifyStore(store, kbDir).ok).toBe(true);
        flipByte(join(kbDir, baseFile), 2 * STEP + 5);
        const report = verifyStore(store, kbDir);
        expect(report.ok).toBe(false);
        expect(report.problems.map((p) => p.detail).join('\n')).toMatch(/checksum/);
      } finally {
        store.close();
      }
    });
});
