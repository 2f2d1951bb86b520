import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexFolders } from '../src/ingest/index-folders.js';
import { embedderKey } from '../src/models/embedder.js';
import { createRetriever, type RetrieverSettings } from '../src/retrieve/create-retriever.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import { VectorIndex } from '../src/store/vector-index.js';
import { BASE_KINDS as KINDS } from './dense-hash-embeddings.js';
import { DATA_DIR, tempDir } from './temp-dir.js';


const CHUNKING = { targetTokens: 400, overlapTokens: 60 };
const INGEST = { maxFileBytes: 50 * 1024 * 1024, followSymlinks: false, fileTimeoutMs: 60_000 };
const HYBRID: RetrieverSettings = { topK: 6, candidates: 50, vectorWeight: 1, keywordWeight: 1 };
const VECTOR_ONLY: RetrieverSettings = { topK: 6, candidates: 50, vectorWeight: 1, keywordWeight: 0 };
const QUERIES = [
  'What is the notice period during probation?',
  'minimum password length',
  'hotel rate cap in high-cost cities',
  'weekly on-call stipend',
  'how long are application logs kept',
];

/** Ranked results as comparable ids (merged neighbours joined with "+"), per query. */
type Rankings = Record<string, string[]>;

describe.each(KINDS)('the vector index on disk ($name)', ({ embedder, file: baseFile }) => {
  // One indexed copy of the sample data, built once; each test works on its own copy of this kb dir.
  let goldenDir: string;
  let baseline: { hybrid: Rankings; vector: Rankings };

  /** A fresh retriever over a store connection of its own (so its vector index is loaded or rebuilt anew). */
  async function rankings(kbDir: string, settings: RetrieverSettings, queries = QUERIES) {
    const store = openSqliteKbStore(kbDir);
    try {
      const retriever = createRetriever({ store, embedder, settings });
      const out: Rankings = {};
      const rebuilt: boolean[] = [];
      for (const q of queries) {
        const result = await retriever.retrieve(q);
        rebuilt.push(result.rebuiltIndex);
        out[q] = result.chunks.map((c) => c.mergedIds.join('+'));
      }
      return { rankings: out, rebuilt };
    } finally {
      await store.close();
    }
  }

  /** One run through a store connection of its own, closed so the vector index it built is saved. */
  async function index(kbDir: string, roots: string[]) {
    const store = openSqliteKbStore(kbDir);
    try {
      return await indexFolders({ roots, store, embedder, chunking: CHUNKING, ingest: INGEST });
    } finally {
      await store.close();
    }
  }

  beforeAll(async () => {
    goldenDir = mkdtempSync(join(tmpdir(), 'kb-vector-golden-'));
    const summary = await index(goldenDir, [DATA_DIR]);
    expect(summary.failures).toEqual([]);
    const hybrid = await rankings(goldenDir, HYBRID);
    const vector = await rankings(goldenDir, VECTOR_ONLY);
    // The index the run saved is current: no query had to rebuild it.
    expect([...hybrid.rebuilt, ...vector.rebuilt].every((r) => !r)).toBe(true);
    baseline = { hybrid: hybrid.rankings, vector: vector.rankings };
  });

  afterAll(() => {
    if (goldenDir) rmSync(goldenDir, { recursive: true, force: true });
  });

  /** A private copy of the indexed kb dir. */
  function copyOfKb(): string {
    const dir = join(tempDir(), 'kb');
    cpSync(goldenDir, dir, { recursive: true });
    return dir;
  }

  /** Fresh retrievers (hybrid and vector-only) rebuild the index on their first query and rank as before. */
  async function expectRebuiltWithSameRankings(kbDir: string, expected = baseline) {
    const hybrid = await rankings(kbDir, HYBRID);
    expect(hybrid.rebuilt[0], 'the first query rebuilds the index').toBe(true);
    expect(hybrid.rebuilt.slice(1), 'later queries reuse the rebuilt index').toEqual(QUERIES.slice(1).map(() => false));
    expect(hybrid.rankings).toEqual(expected.hybrid);
    const vector = await rankings(kbDir, VECTOR_ONLY);
    expect(vector.rebuilt[0]).toBe(true);
    expect(vector.rankings).toEqual(expected.vector);
  }

  function openIndex(kbDir: string) {
    const store = openStore(kbDir);
    const index = VectorIndex.open(store, kbDir, embedderKey(embedder), embedder.dimensions);
    const chunks = store.counts().chunks;
    store.close();
    return { index, chunks };
  }

    it('sanity: the baseline has results for every query, vector search included', () => {
      for (const q of QUERIES) {
        expect(baseline.hybrid[q]!.length, q).toBeGreaterThan(0);
        expect(baseline.vector[q]!.length, q).toBeGreaterThan(0);
      }
    });

    it('a missing base file is rebuilt from the database, with the same rankings', async () => {
      const kbDir = copyOfKb();
      expect(existsSync(join(kbDir, baseFile === 'vectors.cols' ? 'vectors.hnsw' : 'vectors.cols')), 'one kind of base file only').toBe(false);
      rmSync(join(kbDir, baseFile));
      await expectRebuiltWithSameRankings(kbDir);
      const { index, chunks } = openIndex(kbDir);
      expect(index.rebuilt).toBe(true);
      expect(index.size).toBe(chunks);
    });

    it('a missing vectors.json sidecar is rebuilt too', async () => {
      const kbDir = copyOfKb();
      rmSync(join(kbDir, 'vectors.json'));
      await expectRebuiltWithSameRankings(kbDir);
    });

    it('a stale index (older generation restored) is rebuilt and includes the newer chunks', async () => {
      const kbDir = copyOfKb();
      const saved = join(tempDir(), 'saved');
      mkdirSync(saved);
      for (const f of [baseFile, 'vectors.json']) copyFileSync(join(kbDir, f), join(saved, f));

      // Another writer indexes one more file and saves an index for the new generation.
      const extra = join(tempDir(), 'extra');
      mkdirSync(extra);
      writeFileSync(join(extra, 'glossary.md'), '# Glossary\n\n## Quokkaflow\n\nQuokkaflow is the nickname of our blue-green canary dashboard for zebrafish deployments.\n');
      const summary = await index(kbDir, [extra]);
      expect(summary.files.new).toBe(1);
      // One file is a change too small to rewrite the index: the saved file is the old one, newer chunks ride beside it.
      expect(readFileSync(join(kbDir, baseFile)).equals(readFileSync(join(saved, baseFile)))).toBe(true);
      // A new base is saved, as a run past the compaction threshold would.
      const writer = openStore(kbDir);
      const generation = writer.generation();
      VectorIndex.open(writer, kbDir, embedderKey(embedder), embedder.dimensions).save(writer);
      writer.close();
      expect(readFileSync(join(kbDir, baseFile)).equals(readFileSync(join(saved, baseFile)))).toBe(false);

      // Rankings with the up-to-date saved index are the reference.
      const current = { hybrid: await rankings(kbDir, HYBRID), vector: await rankings(kbDir, VECTOR_ONLY) };
      expect([...current.hybrid.rebuilt, ...current.vector.rebuilt].every((r) => !r)).toBe(true);

      // Put the old files back: the sidecar names an older generation and not the base the database last saved.
      for (const f of [baseFile, 'vectors.json']) copyFileSync(join(saved, f), join(kbDir, f));
      expect((JSON.parse(readFileSync(join(kbDir, 'vectors.json'), 'utf8')) as { generation: number }).generation).toBeLessThan(generation);

      await expectRebuiltWithSameRankings(kbDir, { hybrid: current.hybrid.rankings, vector: current.vector.rankings });
      const store = openSqliteKbStore(kbDir);
      const found = await createRetriever({ store, embedder, settings: VECTOR_ONLY }).retrieve('quokkaflow zebrafish dashboard');
      expect(found.chunks[0]?.path).toBe('extra/glossary.md');
      expect(found.chunks[0]?.similarity).toBeGreaterThan(0.3);
      await store.close();
    });

    it('a base file full of garbage is rebuilt, with the same rankings', async () => {
      const kbDir = copyOfKb();
      writeFileSync(join(kbDir, baseFile), Buffer.from('this is not an HNSW index\n'.repeat(2_000)));
      await expectRebuiltWithSameRankings(kbDir);
    });

    it('a truncated base file is rebuilt, with the same rankings', async () => {
      const kbDir = copyOfKb();
      const file = join(kbDir, baseFile);
      const bytes = readFileSync(file);
      writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await expectRebuiltWithSameRankings(kbDir);
    });

    // The same damage with other bytes (e.g. 'A's) crashes the process in hnswlib's readIndex with SIGSEGV;
    // that case runs in a child process in cli-process.test.ts. Zeros are detected by nothing but do not crash.
    it('a base file damaged in place (same size, valid header) is detected and rebuilt', async () => {
      const kbDir = copyOfKb();
      const file = join(kbDir, baseFile);
      const bytes = readFileSync(file);
      const start = Math.floor(bytes.length / 2) - 2_000;
      bytes.fill(0, start, start + 4_000);
      writeFileSync(file, bytes);
      const { index } = openIndex(kbDir);
      expect(index.rebuilt, 'a damaged index file must not be loaded as if it were sound').toBe(true);
    });

    it('a retriever that sees another writer’s saved index loads it instead of reporting a rebuild', async () => {
      const kbDir = copyOfKb();
      rmSync(join(kbDir, baseFile));
      const store = openSqliteKbStore(kbDir);
      const retriever = createRetriever({ store, embedder, settings: VECTOR_ONLY });
      expect((await retriever.retrieve(QUERIES[0]!)).rebuiltIndex).toBe(true);

      const extra = join(tempDir(), 'extra');
      mkdirSync(extra);
      writeFileSync(join(extra, 'note.md'), '# Note\n\nThe narwhal rota covers weekend badge printing.\n');
      await index(kbDir, [extra]);

      const after = await retriever.retrieve('narwhal rota badge printing');
      expect(after.chunks[0]?.path).toBe('extra/note.md');
      expect(after.rebuiltIndex, 'the saved index matched the database, so it was loaded, not rebuilt').toBe(false);
      await store.close();
    });
});
