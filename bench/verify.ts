// npm run bench:verify — times `kb verify` (all invariants, HNSW label by label) on an index of >= 10,000 chunks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { generateCorpus } from './generate-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'kb-bench-verify-'));
try {
  const corpus = join(dir, 'corpus');
  generateCorpus(corpus, { files: Number(process.env.BENCH_FILES ?? 3400), bytesPerFile: 2500, seed: 9 });
  const kbDir = join(dir, 'kb');
  const store = openSqliteKbStore(kbDir);
  await indexFolders({
    roots: [corpus], store, embedder: new LocalHashEmbeddings(), chunking: { targetTokens: 400, overlapTokens: 60 },
    ingest: { maxFileBytes: 1e8, followSymlinks: false, fileTimeoutMs: 60_000 },
  });
  const { chunks, documents } = await store.stats();
  for (let i = 0; i < 3; i++) {
    const report = await store.verify();
    console.log(`kb verify on ${documents} documents / ${chunks} chunks: ${report.durationMs.toFixed(0)} ms, ${report.checks.length} checks, ${report.problems.length} problems`);
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
