// npm run eval:store-keyword [-- path/to/scifact] [--url postgres://…] — nDCG@10 of keyword search (BM25) on
// BEIR SciFact train queries, the same chunks written through KbStore into the SQLite store and the
// PostgreSQL store (PGlite + pgvector in-process unless --url names a server). Prints both and the gap.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import type { KbStore } from '../src/store/kb-store.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { startPgliteServer } from '../scripts/pglite-server.js';
import { writeTextsToStore } from './write-texts-to-store.js';

const { values, positionals } = parseArgs({ options: { url: { type: 'string' } }, allowPositionals: true });
const dataDir = resolve(positionals[0] ?? process.env.KB_SCIFACT ?? '../shared/eval-data/scifact');
if (!existsSync(join(dataDir, 'corpus.jsonl'))) {
  console.error(`SciFact not found at ${dataDir}. Pass its folder: npm run eval:store-keyword -- /path/to/scifact (or set KB_SCIFACT).`);
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
// The same text eval:scifact writes to each file, so the loader and chunker see what kb index sees.
const files = readJsonl('corpus.jsonl').map((d) => ({ path: `scifact/${d._id}.txt`, data: Buffer.from(`${d.title}\n\n${d.text}`) }));
const embedder = new LocalHashEmbeddings({ dimensions: 64 }); // vectors are required by the contract, unused here

const dir = mkdtempSync(join(tmpdir(), 'kb-store-keyword-'));
const pglite = values.url ? undefined : await startPgliteServer();
const url = values.url ?? pglite!.url;
try {
  if (pglite) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    await client.end();
  }
  const results: Array<[string, number]> = [];
  for (const [name, open] of [['sqlite', async () => openSqliteKbStore(join(dir, 'kb'))], ['postgres', () => openPostgresStore({ url })]] as Array<[string, () => Promise<KbStore>]>) {
    const store = await open();
    try {
      const t0 = performance.now();
      await writeTextsToStore(store, files, embedder);
      const stats = await store.stats();
      const t1 = performance.now();
      let total = 0;
      for (const q of queries) {
        const hits = await store.searchKeywords(q.text!, { k: 100 });
        const chunks = await store.chunksByIds(hits.map((h) => h.chunkId));
        const ranked = [...new Set(hits.map((h) => basename(chunks.get(h.chunkId)!.path, '.txt')))].slice(0, 10);
        total += ndcgAt10(ranked, qrels.get(q._id!)!);
      }
      const ndcg = total / queries.length;
      results.push([name, ndcg]);
      console.log(`${name.padEnd(9)} ${stats.documents} documents, ${stats.chunks} chunks written in ${((t1 - t0) / 1000).toFixed(1)} s; ` +
        `${queries.length} queries in ${((performance.now() - t1) / 1000).toFixed(1)} s; keyword nDCG@10 ${ndcg.toFixed(4)}`);
    } finally {
      await store.close();
    }
  }
  console.log(`gap |sqlite - postgres| = ${Math.abs(results[0]![1] - results[1]![1]).toFixed(4)}`);
} finally {
  await pglite?.stop();
  rmSync(dir, { recursive: true, force: true });
}

function ndcgAt10(ranked: string[], rel: Map<string, number>): number {
  const dcg = ranked.reduce((s, d, i) => s + ((rel.get(d) ?? 0) > 0 ? (2 ** rel.get(d)! - 1) / Math.log2(i + 2) : 0), 0);
  const ideal = [...rel.values()].sort((a, b) => b - a).slice(0, 10).reduce((s, r, i) => s + (2 ** r - 1) / Math.log2(i + 2), 0);
  return ideal ? dcg / ideal : 0;
}
