// npm run eval:scifact [-- path/to/scifact] — nDCG@10 on BEIR SciFact train queries for keyword, vector and
// fused retrieval at several weights, through the real pipeline (files -> index -> retriever). Prints figures.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever } from '../src/retrieve/create-retriever.js';
import { openStore } from '../src/store/sqlite-store.js';

const dataDir = resolve(process.argv[2] ?? process.env.KB_SCIFACT ?? '../shared/eval-data/scifact');
if (!existsSync(join(dataDir, 'corpus.jsonl'))) {
  console.error(`SciFact not found at ${dataDir}. Pass its folder: npm run eval:scifact -- /path/to/scifact (or set KB_SCIFACT).`);
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
try {
  const corpus = join(dir, 'scifact');
  mkdirSync(corpus);
  for (const doc of readJsonl('corpus.jsonl')) writeFileSync(join(corpus, `${doc._id}.txt`), `${doc.title}\n\n${doc.text}`);
  const kbDir = join(dir, 'kb');
  const store = openStore(kbDir);
  const embedder = new LocalHashEmbeddings({ dimensions: Number(process.env.BENCH_DIMS ?? 1024) });
  const t0 = performance.now();
  await indexFolders({ roots: [corpus], store, kbDir, embedder, chunking: { targetTokens: 400, overlapTokens: 60 }, ingest: { maxFileBytes: 1e8, followSymlinks: false, fileTimeoutMs: 60_000 } });
  console.log(`indexed ${store.counts().documents} abstracts (${store.counts().chunks} chunks) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${queries.length} train queries`);

  const settings: Array<[string, number, number]> = [
    ['keyword (BM25)', 0, 1], [`vector (hashed ${embedder.dimensions}-d)`, 1, 0],
    ['RRF vector 0.1', 0.1, 1], ['RRF vector 0.25', 0.25, 1], ['RRF vector 0.5', 0.5, 1], ['RRF vector 1.0', 1, 1],
  ];
  for (const [name, vectorWeight, keywordWeight] of settings) {
    const retriever = createRetriever({ store, kbDir, embedder, settings: { topK: 20, candidates: 100, vectorWeight, keywordWeight } });
    let total = 0;
    for (const q of queries) {
      const { chunks } = await retriever.retrieve(q.text!, { topK: 20 });
      const ranked = [...new Set(chunks.map((c) => basename(c.path, '.txt')))].slice(0, 10);
      total += ndcgAt10(ranked, qrels.get(q._id!)!);
    }
    console.log(`${name.padEnd(24)} nDCG@10 ${(total / queries.length).toFixed(3)}`);
  }
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function ndcgAt10(ranked: string[], rel: Map<string, number>): number {
  const dcg = ranked.reduce((s, d, i) => s + ((rel.get(d) ?? 0) > 0 ? (2 ** rel.get(d)! - 1) / Math.log2(i + 2) : 0), 0);
  const ideal = [...rel.values()].sort((a, b) => b - a).slice(0, 10).reduce((s, r, i) => s + (2 ** r - 1) / Math.log2(i + 2), 0);
  return ideal ? dcg / ideal : 0;
}
