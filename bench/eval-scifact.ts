// npm run eval:scifact [-- path/to/scifact] — nDCG@10 on BEIR SciFact train queries through the real pipeline
// (files -> index -> retriever): keyword search with the title as body text (the old layout), keyword search
// with the title in its own field at weights BENCH_TITLE_WEIGHTS (default 1,2,3,5), then vector and fused
// retrieval at the default title weight. Prints figures.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever } from '../src/retrieve/create-retriever.js';
import { openStore } from '../src/store/sqlite-store.js';

const given = resolve(process.argv[2] ?? process.env.KB_SCIFACT ?? '../shared/eval-data/scifact');
// Either the scifact folder or the eval-data folder that holds it.
const dataDir = existsSync(join(given, 'corpus.jsonl')) ? given : join(given, 'scifact');
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
  const embedder = new LocalHashEmbeddings({ dimensions: Number(process.env.BENCH_DIMS ?? 1024) });
  // Baseline layout: the title is the first line of a .txt body, so it is only body text.
  const plain = await build('plain', (doc) => [`${doc._id}.txt`, `${doc.title}\n\n${doc.text}`]);
  await evaluate(plain, `keyword, title in body`, { vectorWeight: 0, keywordWeight: 1 });
  plain.store.close();
  // Fielded layout: the title is the document's heading, so it lands in the title + heading path field.
  const fielded = await build('fielded', (doc) => [`${doc._id}.md`, `# ${escapeMarkdown(doc.title!)}\n\n${escapeMarkdown(doc.text!)}`]);
  const weights = (process.env.BENCH_TITLE_WEIGHTS ?? '1,2,3,5').split(',').map(Number);
  for (const w of weights) await evaluate(fielded, `keyword, title weight ${w}`, { vectorWeight: 0, keywordWeight: 1, contextWeight: w });
  const fused: Array<[string, number, number]> = [[`vector (hashed ${embedder.dimensions}-d)`, 1, 0], ['RRF vector 0.25', 0.25, 1], ['RRF vector 1.0', 1, 1]];
  for (const [name, vectorWeight, keywordWeight] of fused) await evaluate(fielded, `${name}, default title weight`, { vectorWeight, keywordWeight });
  fielded.store.close();

  async function build(name: string, file: (doc: Record<string, string>) => [string, string]) {
    const corpus = join(dir, name, 'scifact');
    mkdirSync(corpus, { recursive: true });
    for (const doc of readJsonl('corpus.jsonl')) {
      const [fileName, body] = file(doc);
      writeFileSync(join(corpus, fileName), body);
    }
    const kbDir = join(dir, name, 'kb');
    const store = openStore(kbDir);
    const t0 = performance.now();
    await indexFolders({ roots: [corpus], store, kbDir, embedder, chunking: { targetTokens: 400, overlapTokens: 60 }, ingest: { maxFileBytes: 1e8, followSymlinks: false, fileTimeoutMs: 60_000 } });
    console.log(`${name}: indexed ${store.counts().documents} abstracts (${store.counts().chunks} chunks) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${queries.length} train queries`);
    return { store, kbDir };
  }

  async function evaluate({ store, kbDir }: { store: ReturnType<typeof openStore>; kbDir: string }, name: string, weights: { vectorWeight: number; keywordWeight: number; contextWeight?: number }) {
    const retriever = createRetriever({ store, kbDir, embedder, settings: { topK: 20, candidates: 100, ...weights } });
    let total = 0;
    for (const q of queries) {
      const { chunks } = await retriever.retrieve(q.text!, { topK: 20 });
      const ranked = [...new Set(chunks.map((c) => basename(c.path).replace(/\.(txt|md)$/, '')))].slice(0, 10);
      total += ndcgAt10(ranked, qrels.get(q._id!)!);
    }
    console.log(`${name.padEnd(40)} nDCG@10 ${(total / queries.length).toFixed(3)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
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
