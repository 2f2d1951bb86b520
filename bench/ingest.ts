// npm run bench:ingest — first index and no-change re-index of a generated 2,000-file (~5 MB) Markdown corpus
// with the offline embedder. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import type { KbStore } from '../src/store/kb-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { generateCorpus } from './generate-corpus.js';

const files = Number(process.env.BENCH_FILES ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'kb-bench-ingest-'));
try {
  const corpus = join(dir, 'corpus');
  const bytes = generateCorpus(corpus, { files, bytesPerFile: 2500 });
  const kbDir = join(dir, 'kb');
  const store = openSqliteKbStore(kbDir);
  const embedder = new LocalHashEmbeddings();
  const options = {
    roots: [corpus], store, embedder, chunking: { targetTokens: 400, overlapTokens: 60 },
    ingest: { maxFileBytes: 50 * 1024 * 1024, followSymlinks: false, fileTimeoutMs: 60_000 },
  };
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const first = await run(store, () => indexFolders(options));
  const firstS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const second = await run(store, () => indexFolders(options));
  const secondS = (performance.now() - t1) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  await store.close();
  const mb = bytes / 1048576;
  console.log(`corpus: ${files} Markdown files, ${mb.toFixed(2)} MB, ${first.chunks.added} chunks`);
  console.log(`first index:      ${firstS.toFixed(2)} s  ${(files / firstS).toFixed(0)} files/s  ${(mb / firstS).toFixed(2)} MB/s  ${(first.chunks.added / firstS).toFixed(0)} chunks/s  (target >= 1.5 MB/s)`);
  console.log(`no-change re-index: ${secondS.toFixed(2)} s  (${second.files.unchanged} unchanged, ${second.chunks.embedded} embedded; target < 2 s)`);
  console.log(`peak RSS: ${(peakRss / 1048576).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** A recorded run, as kb index makes one: the vector index is saved when it finishes, so that is timed too. */
async function run<T>(store: KbStore, body: () => Promise<T>): Promise<T> {
  const id = await store.startRun();
  const result = await body();
  await store.finishRun(id, 'ok', {});
  return result;
}
