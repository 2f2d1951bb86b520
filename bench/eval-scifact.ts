// npm run eval:scifact [-- path/to/scifact] [--store sqlite|postgres|both] [--url postgres://…] — nDCG@10 on
// BEIR SciFact train queries through the real pipeline (files -> kb index's indexFolders -> KbStore ->
// retriever). On the SQLite store: keyword search with the title as body text (the old layout), keyword
// search with the title in its own field at weights BENCH_TITLE_WEIGHTS (default 1,2,3,5); on every store
// chosen: keyword, vector and fused retrieval at the defaults. Postgres is PGlite + pgvector in-process
// unless --url names a server (its public schema is dropped first only for the in-process one). Prints figures.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPgliteServer } from '../scripts/pglite-server.js';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever } from '../src/retrieve/create-retriever.js';
import { buildFtsQuery } from '../src/store/build-fts-query.js';
import type { KbStore } from '../src/store/kb-store.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';

const { values, positionals } = parseArgs({ options: { store: { type: 'string', default: 'sqlite' }, url: { type: 'string' } }, allowPositionals: true });
if (!['sqlite', 'postgres', 'both'].includes(values.store!)) {
  console.error(`--store ${values.store}: use sqlite, postgres or both.`);
  process.exit(1);
}
const given = resolve(positionals[0] ?? process.env.KB_SCIFACT ?? '../shared/eval-data/scifact');
// Either the scifact folder or the eval-data folder that holds it.
const dataDir = existsSync(join(given, 'corpus.jsonl')) ? given : join(given, 'scifact');
if (!existsSync(join(dataDir, 'corpus.jsonl'))) {
  console.error(`SciFact not found at ${dataDir}. Pass its folder: npm run eval:scifact -- /path/to/scifact [--store both] (or set KB_SCIFACT).`);
  process.exit(1);
}
const readJsonl = (f: string) => readFileSync(join(dataDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
const qrels = new Map<string, Map<string, number>>();
for (const line of readFileSync(join(dataDir, 'qrels/train.tsv'), 'utf8').split('\n').slice(1)) {
  const [q, d, s] = line.split('\t');
  if (!q || !d) continue;
  if (!qrels.has(q)) qrels.set(q, new Map());
  qrels.get(q)!.set(d, Number(s));
}
const queries = readJsonl('queries.jsonl').filter((q) => qrels.has(q._id!));

const dir = mkdtempSync(join(tmpdir(), 'kb-scifact-'));
const pglite = values.store !== 'sqlite' && !values.url ? await startPgliteServer() : undefined;
try {
  const embedder = new LocalHashEmbeddings({ dimensions: Number(process.env.BENCH_DIMS ?? 1024) });
  const fieldedCorpus = write('fielded', (doc) => [`${doc._id}.md`, `# ${escapeMarkdown(doc.title!)}\n\n${escapeMarkdown(doc.text!)}`]);
  const results = new Map<string, Map<string, number>>();
  if (values.store !== 'postgres') {
    // Baseline layout: the title is the first line of a .txt body, so it is only body text.
    const plain = await build('sqlite', write('plain', (doc) => [`${doc._id}.txt`, `${doc.title}\n\n${doc.text}`]), openSqliteKbStore(join(dir, 'plain-kb')));
    await evaluate(plain, 'sqlite', 'keyword, title in body', { vectorWeight: 0, keywordWeight: 1 });
    await plain.close();
    // Fielded layout: the title is the document's heading, so it lands in the title + heading path field.
    const kbDir = join(dir, 'fielded-kb');
    await (await build('sqlite', fieldedCorpus, openSqliteKbStore(kbDir))).close();
    const raw = openStore(kbDir, { readonly: true });
    for (const w of (process.env.BENCH_TITLE_WEIGHTS ?? '1,2,3,5').split(',').map(Number)) {
      const store = openSqliteKbStore(kbDir, { readonly: true });
      await evaluate(withTitleWeight(store, raw, w), 'sqlite', `keyword, title weight ${w}`, { vectorWeight: 0, keywordWeight: 1 });
      await store.close();
    }
    raw.close();
    await defaults('sqlite', openSqliteKbStore(kbDir, { readonly: true }));
  }
  if (values.store !== 'sqlite') {
    const url = values.url ?? pglite!.url;
    if (pglite) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      await client.end();
    }
    await defaults('postgres', await build('postgres', fieldedCorpus, await openPostgresStore({ url })));
  }
  if (results.size === 2) {
    for (const [name, sqlite] of results.get('sqlite')!) {
      const postgres = results.get('postgres')!.get(name);
      if (postgres !== undefined) console.log(`gap ${name.padEnd(36)} |sqlite - postgres| = ${Math.abs(sqlite - postgres).toFixed(4)}`);
    }
  }

  /** Keyword, vector and fused retrieval at the default title weight; closes the store. */
  async function defaults(storeName: string, store: KbStore) {
    const runs: Array<[string, number, number]> = [['keyword', 0, 1], [`vector (hashed ${embedder.dimensions}-d)`, 1, 0], ['RRF vector 0.25', 0.25, 1], ['RRF vector 1.0', 1, 1]];
    for (const [name, vectorWeight, keywordWeight] of runs) await evaluate(store, storeName, `${name}, default title weight`, { vectorWeight, keywordWeight });
    await store.close();
  }

  function write(name: string, file: (doc: Record<string, string>) => [string, string]): string {
    const corpus = join(dir, name, 'scifact');
    mkdirSync(corpus, { recursive: true });
    for (const doc of readJsonl('corpus.jsonl')) {
      const [fileName, text] = file(doc);
      writeFileSync(join(corpus, fileName), text);
    }
    return corpus;
  }

  async function build(storeName: string, corpus: string, store: KbStore): Promise<KbStore> {
    const t0 = performance.now();
    const run = await store.startRun();
    await indexFolders({ roots: [corpus], store, embedder, chunking: { targetTokens: 400, overlapTokens: 60 }, ingest: { maxFileBytes: 1e8, followSymlinks: false, fileTimeoutMs: 60_000 } });
    await store.finishRun(run, 'ok', {});
    const stats = await store.stats();
    console.log(`${storeName}: indexed ${stats.documents} abstracts (${stats.chunks} chunks) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${queries.length} train queries`);
    return store;
  }

  async function evaluate(store: KbStore, storeName: string, name: string, weights: { vectorWeight: number; keywordWeight: number }) {
    const retriever = createRetriever({ store, embedder, settings: { topK: 20, candidates: 100, ...weights } });
    let total = 0;
    for (const q of queries) {
      const { chunks } = await retriever.retrieve(q.text!, { topK: 20 });
      const ranked = [...new Set(chunks.map((c) => basename(c.path).replace(/\.(txt|md)$/, '')))].slice(0, 10);
      total += ndcgAt10(ranked, qrels.get(q._id!)!);
    }
    const ndcg = total / queries.length;
    if (!results.has(storeName)) results.set(storeName, new Map());
    results.get(storeName)!.set(name, ndcg);
    console.log(`${storeName.padEnd(9)} ${name.padEnd(40)} nDCG@10 ${ndcg.toFixed(4)}`);
  }
} finally {
  await pglite?.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** The SQLite store with FTS5's title field weighed `weight` (a calibration knob of that engine only). */
function withTitleWeight(store: KbStore, raw: ReturnType<typeof openStore>, weight: number): KbStore {
  return {
    ...store,
    async searchKeywords(text, { k, filters }) {
      const match = buildFtsQuery(text);
      return match ? raw.keywordSearch(match, k, filters, weight).map((h) => ({ chunkId: h.id, score: h.bm25 })) : [];
    },
  };
}

/** Abstracts are plain text: escape what Markdown would read as markup, so the text indexed is the text written. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>#|~]/g, (c) => `\\${c}`);
}

function ndcgAt10(ranked: string[], rel: Map<string, number>): number {
  const dcg = ranked.reduce((s, d, i) => s + ((rel.get(d) ?? 0) > 0 ? (2 ** rel.get(d)! - 1) / Math.log2(i + 2) : 0), 0);
  const ideal = [...rel.values()].sort((a, b) => b - a).slice(0, 10).reduce((s, r, i) => s + (2 ** r - 1) / Math.log2(i + 2), 0);
  return ideal ? dcg / ideal : 0;
}
