// npm run bench:store [-- --files N] [--url postgres://…] — the same generated corpus indexed into the embedded
// store (SQLite + HNSW) and the PostgreSQL store (PGlite + pgvector in-process unless --url names a server),
// through the real pipeline (indexFolders -> KbStore), then queried through the same retriever. Prints, side by
// side: index time, chunks/s, query p50/p99 for keyword, vector and hybrid search, and bytes per chunk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPgliteServer } from '../scripts/pglite-server.js';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever } from '../src/retrieve/create-retriever.js';
import type { KbStore } from '../src/store/kb-store.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { mulberry32 } from '../src/seeded-random.js';
import { generateZipfCorpus } from './generate-zipf-corpus.js';
import { timed } from './timed.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '2000' }, url: { type: 'string' }, queries: { type: 'string', default: '300' } } });
const files = Number(values.files);
const queryCount = Number(values.queries);
const dir = mkdtempSync(join(tmpdir(), 'kb-bench-store-'));
const pglite = values.url ? undefined : await startPgliteServer();
const url = values.url ?? pglite!.url;

try {
  const corpus = join(dir, 'corpus');
  const { bytes, words } = generateZipfCorpus(corpus, { files, bytesPerFile: 2500, seed: 21 });
  const random = mulberry32(4);
  const content = words.slice(100, 5000); // middling-frequency words, as a person's question has
  const queries = Array.from({ length: queryCount }, () => Array.from({ length: 3 }, () => content[Math.floor(random() * content.length)]).join(' '));
  const embedder = new LocalHashEmbeddings();
  console.log(`corpus: ${files} Markdown files, ${(bytes / 1048576).toFixed(1)} MB; ${queryCount} three-word queries; offline ${embedder.dimensions}-d vectors`);
  if (pglite) await resetSchema(url);

  const rows: string[][] = [['', 'index s', 'chunks/s', 'keyword p50/p99 ms', 'vector p50/p99 ms', 'hybrid p50/p99 ms', 'bytes/chunk']];
  for (const [name, open] of [['sqlite', async () => openSqliteKbStore(join(dir, 'kb'))], ['postgres', () => openPostgresStore({ url })]] as Array<[string, () => Promise<KbStore>]>) {
    const store = await open();
    try {
      const t0 = performance.now();
      const run = await store.startRun();
      const summary = await indexFolders({ roots: [corpus], store, embedder, chunking: { targetTokens: 400, overlapTokens: 60 }, ingest: { maxFileBytes: 1e8, followSymlinks: false, fileTimeoutMs: 60_000 } });
      await store.finishRun(run, 'ok', summary);
      const indexS = (performance.now() - t0) / 1000;
      if (summary.failures.length) console.log(`${name}: ${summary.failures.length} failures, e.g. ${summary.failures[0]!.path}: ${summary.failures[0]!.reason}`);
      const stats = await store.stats();
      await store.prepareSearch();
      const vectors = await embedder.embed(queries);
      const retriever = createRetriever({ store, embedder, settings: { topK: 6, candidates: 50, ...embedder.capabilities.fusionWeights } });
      const keyword = await timedText(queries.length, (i) => store.searchKeywords(queries[i]!, { k: 50 }));
      const vector = await timedText(queries.length, (i) => store.searchVectors(vectors.vectors[i]!, { k: 50 }));
      const hybrid = await timedText(queries.length, (i) => retriever.retrieve(queries[i]!));
      rows.push([name, indexS.toFixed(1), (stats.chunks / indexS).toFixed(0), keyword, vector, hybrid, (stats.bytes / Math.max(1, stats.chunks)).toFixed(0)]);
      console.log(`${name}: ${stats.documents} documents, ${stats.chunks} chunks, ${(stats.bytes / 1048576).toFixed(1)} MB`);
    } finally {
      await store.close();
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
  if (pglite) console.log('postgres here is PGlite: PostgreSQL compiled to WASM, one backend in this process, reached over loopback TCP; see the README on what that says about a real server.');
} finally {
  await pglite?.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** p50/p99 in ms as "p50/p99". */
async function timedText(n: number, call: (i: number) => Promise<unknown>): Promise<string> {
  const { p50, p99 } = await timed(n, call);
  return `${p50.toFixed(2)}/${p99.toFixed(2)}`;
}

async function resetSchema(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await client.end();
}
