// One size of `npm run bench:scale`, in its own process so peak RSS and the cold open are this size's alone:
// node dist/bench/scale-size.js --chunks N --dir DIR [--queries 1000] [--recall-queries 100]. Prints one JSON line.
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever } from '../src/retrieve/create-retriever.js';
import { mulberry32 } from '../src/seeded-random.js';
import { embedKeyOf } from '../src/store/kb-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { loadUnitVectors, recallOf, unit } from './exact-neighbours.js';
import { generateZipfCorpus } from './generate-zipf-corpus.js';
import { peakRssMb as readPeakRss } from './peak-rss.js';
import { timed } from './timed.js';

const { values } = parseArgs({ options: { chunks: { type: 'string' }, dir: { type: 'string' }, queries: { type: 'string', default: '1000' }, 'recall-queries': { type: 'string', default: '100' } } });
const target = Number(values.chunks);
const dir = values.dir!;
const queryCount = Number(values.queries);
const recallCount = Number(values['recall-queries']);
/** Chunks per generated file at 2,500 bytes and the chunk settings below, measured (5,000 files gave 25,934 chunks). */
const CHUNKS_PER_FILE = 5.19;
const CHUNKING = { targetTokens: 400, overlapTokens: 60 };
const INGEST = { maxFileBytes: 1e8, followSymlinks: false, fileTimeoutMs: 60_000 };

const corpus = join(dir, 'corpus');
const kbDir = join(dir, 'kb');
const { bytes, words } = generateZipfCorpus(corpus, { files: Math.round(target / CHUNKS_PER_FILE), bytesPerFile: 2500, seed: 21 });
const embedder = new LocalHashEmbeddings();
const embedKey = embedKeyOf({ model: embedder.modelId, dimensions: embedder.dimensions });

/** One run through the real pipeline, as `kb index` makes it: open, run recorded, index, finish (saves HNSW), close. */
async function indexRun(): Promise<{ seconds: number; chunks: number }> {
  const t0 = performance.now();
  const store = openSqliteKbStore(kbDir);
  try {
    const run = await store.startRun();
    const summary = await indexFolders({ roots: [corpus], store, embedder, chunking: CHUNKING, ingest: INGEST });
    await store.finishRun(run, 'ok', summary);
    if (summary.failures.length) throw new Error(`${summary.failures.length} failures, e.g. ${summary.failures[0]!.path}: ${summary.failures[0]!.reason}`);
    return { seconds: (performance.now() - t0) / 1000, chunks: (await store.stats()).chunks };
  } finally {
    await store.close();
  }
}

const build = await indexRun();
const peakRssMb = readPeakRss();
const diskBytes = readdirSync(kbDir).reduce((n, f) => n + statSync(join(kbDir, f)).size, 0);

// Open as a fresh process would: a new store, then the vector index loaded (checked, not rebuilt).
const t0 = performance.now();
const store = openSqliteKbStore(kbDir, { readonly: true });
const prepared = await store.prepareSearch();
const openMs = performance.now() - t0;

const random = mulberry32(4);
const content = words.slice(100, 5000); // middling-frequency words, as a person's question has
const queries = Array.from({ length: queryCount }, () => Array.from({ length: 3 }, () => content[Math.floor(random() * content.length)]).join(' '));
const queryVectors = await embedAll(queries);
// Hybrid with both halves weighted (the offline embedder's own weights skip the vector half).
const retriever = createRetriever({ store, embedder, settings: { topK: 6, candidates: 50, vectorWeight: 1, keywordWeight: 1 } });
const keyword = await timed(queryCount, (i) => store.searchKeywords(queries[i]!, { k: 50 }));
const vector = await timed(queryCount, (i) => store.searchVectors(queryVectors[i]!, { k: 50 }));
const hybrid = await timed(queryCount, (i) => retriever.retrieve(queries[i]!));

// Recall@10 against exact cosine: short queries, and held-out chunk-sized passages (same generator, other seed, never indexed).
const exact = loadUnitVectors(kbDir, embedKey, embedder.dimensions);
const held = join(dir, 'held-out');
generateZipfCorpus(held, { files: recallCount, bytesPerFile: 1300, seed: 99 });
const passages = readdirSync(join(held, '0')).slice(0, recallCount).map((f) => readFileSync(join(held, '0', f), 'utf8'));
const passageVectors = await embedAll(passages);
const recall = async (vectors: ArrayLike<number>[]) => {
  let sum = 0;
  for (const v of vectors) sum += recallOf(exact, unit(v), (await store.searchVectors(v, { k: 10 })).map((h) => h.chunkId), 10);
  return sum / vectors.length;
};
const recallShort = await recall(queryVectors.slice(0, recallCount));
const recallHeldOut = await recall(passageVectors);
await store.close();

// A cold `kb search`-like process: open, first hybrid query, exit.
const cold = coldSearch('hybrid', queries[0]!);
const coldKeyword = coldSearch('keyword', queries[0]!);

const unchanged = await indexRun();
const changedFile = join(corpus, '0', 'note-0.md');
appendFileSync(changedFile, '\n\nOne more paragraph, changed for the bench.\n');
const changed = await indexRun();
// The same as a user runs it: a `kb index` process after one more file changed, and one after nothing changed.
const cli = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));
const kbIndexProcess = (): number => {
  const t = performance.now();
  const out = spawnSync(process.execPath, [cli, 'index', corpus, '--kb-dir', kbDir, '--json'], { encoding: 'utf8', cwd: dir, env: { ...process.env, KB_PROVIDER: 'local' } });
  if (out.status !== 0) throw new Error(`kb index failed (exit ${out.status}): ${out.stderr}`);
  return (performance.now() - t) / 1000;
};
appendFileSync(join(corpus, '0', 'note-1.md'), '\n\nAnother paragraph, changed for the bench.\n');
const changedProcessS = kbIndexProcess();
const unchangedProcessS = kbIndexProcess();

console.log(JSON.stringify({
  chunks: build.chunks, files: Math.round(target / CHUNKS_PER_FILE), mb: bytes / 1048576, buildS: build.seconds, peakRssMb, bytesPerChunk: diskBytes / build.chunks,
  openMs, rebuiltOnOpen: prepared.rebuilt, keyword, vector, hybrid, recallShort, recallHeldOut, cold, coldKeyword, unchangedS: unchanged.seconds, changedS: changed.seconds, changedProcessS, unchangedProcessS,
}));

/** Embeds in batches of the embedder's limit. */
async function embedAll(texts: string[]): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += embedder.capabilities.maxBatchSize) out.push(...(await embedder.embed(texts.slice(i, i + embedder.capabilities.maxBatchSize))).vectors);
  return out;
}

function coldSearch(mode: string, query: string): { processMs: number; openAndQueryMs: number; rssMb: number } {
  const t = performance.now();
  const out = spawnSync(process.execPath, [fileURLToPath(new URL('./cold-search.js', import.meta.url)), kbDir, mode, query], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`cold search failed: ${out.stderr}`);
  return { processMs: performance.now() - t, ...(JSON.parse(out.stdout) as { openAndQueryMs: number; rssMb: number }) };
}

