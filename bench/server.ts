// npm run bench:server — HTTP throughput of `kb serve` over a generated Markdown corpus of 10,000+ chunks with
// the offline provider: autocannon drives /v1/retrieve and /v1/query (32 connections, 15 s each) against the
// real CLI in a child process (so load generator and server do not share an event loop), then the same
// retrieval runs in-process for ~5 s so the HTTP overhead shows as a ratio. Prints figures; asserts nothing.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openKnowledgeBase } from '../src/app/open-knowledge-base.js';
import { loadConfig } from '../src/config.js';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { mulberry32 as prng } from '../src/seeded-random.js';
import { generateCorpus } from './generate-corpus.js';
import { generateZipfCorpus } from './generate-zipf-corpus.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = 32;
const MIN_CHUNKS = 10_000;

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; a non-literal specifier keeps tsc from looking for them.
const autocannon = ((await import('autocannon' as string)) as { default: Autocannon }).default;

/** zipf (default): word frequencies as in real text. uniform: bench/generate-corpus.ts, where every query term is in nearly every chunk. */
const CORPUS = process.env.BENCH_CORPUS === 'uniform' ? 'uniform' : 'zipf';
/** Files for a little over 10,000 chunks with either corpus. */
const FILES = Number(process.env.BENCH_FILES ?? (CORPUS === 'zipf' ? 2000 : 3500));

const dir = mkdtempSync(join(tmpdir(), 'kb-bench-server-'));
let server: ChildProcess | undefined;
let queries: string[] = [];
try {
  const corpus = join(dir, 'corpus');
  const kbDir = join(dir, 'kb');
  const rand = prng(11);
  const pickFrom = (list: string[]) => list[Math.floor(rand() * list.length)]!;
  let bytes: number;
  if (CORPUS === 'zipf') {
    const generated = generateZipfCorpus(corpus, { files: FILES, bytesPerFile: 2500 });
    bytes = generated.bytes;
    // Content words of middling frequency, as a person's question has; the 100 most frequent act as stopwords.
    const content = generated.words.slice(100, 5000);
    queries = Array.from({ length: 64 }, () => `${pickFrom(content)} ${pickFrom(content)} ${pickFrom(content)}`);
  } else {
    bytes = generateCorpus(corpus, { files: FILES, bytesPerFile: 2500 });
    const topics = ['billing', 'deployment', 'security', 'onboarding', 'database', 'network', 'storage', 'compliance'];
    const terms = ['invoice renewal', 'failover replica', 'certificate rotation', 'retention policy', 'quota threshold', 'incident escalation', 'backup snapshot', 'vendor contract'];
    queries = Array.from({ length: 64 }, () => `${pickFrom(topics)} ${pickFrom(terms)}`);
  }
  const store = openSqliteKbStore(kbDir);
  const t0 = performance.now();
  const run = await store.startRun();
  const summary = await indexFolders({
    roots: [corpus], store, embedder: new LocalHashEmbeddings(), chunking: { targetTokens: 400, overlapTokens: 60 },
    ingest: { maxFileBytes: 50 * 1024 * 1024, followSymlinks: false, fileTimeoutMs: 60_000 },
  });
  await store.finishRun(run, 'ok', {});
  const { chunks } = await store.stats();
  await store.close();
  console.log(`corpus (${CORPUS}): ${FILES} Markdown files, ${(bytes / 1048576).toFixed(1)} MB, ${chunks} chunks, indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s (${summary.failures.length} failures)`);
  if (chunks < MIN_CHUNKS) console.log(`WARNING: fewer than ${MIN_CHUNKS} chunks; raise BENCH_FILES`);

  // The limits a benchmark would otherwise trip: it measures the server, not its rate limiter.
  writeFileSync(join(dir, 'kb.config.json'), JSON.stringify({ kbDir: 'kb', roots: ['corpus'], server: { rateLimitPerMinute: 1_000_000_000, maxConcurrentModelCalls: 64, logLevel: 'warn' } }));
  const { process: child, url } = await startServe(dir);
  server = child;
  console.log(`server: ${url} (kb serve in a child process, node ${process.version})`);

  const results: Array<[string, AutocannonResult]> = [];
  for (const [path, body] of [
    ['/v1/retrieve', (q: string) => ({ query: q, topK: 6 })],
    ['/v1/query', (q: string) => ({ question: `What is the ${q} for ${q.split(' ')[0]}?` })],
  ] as const) {
    await load(url, path, body, 2); // warm-up: JIT, SQLite page cache
    results.push([path, await load(url, path, body, DURATION_S)]);
  }

  const config = loadConfig({ cwd: dir, env: {} });
  const kb = await openKnowledgeBase(config);
  const latencies: number[] = [];
  const end = performance.now() + 5_000;
  for (let i = 0; performance.now() < end; i++) {
    const t = performance.now();
    await kb.retriever.retrieve(queries[i % queries.length]!, { topK: 6 });
    latencies.push(performance.now() - t);
  }
  await kb.close();
  latencies.sort((a, b) => a - b);
  const inProcessRps = latencies.length / 5;

  console.log(`\n${'route'.padEnd(16)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'non-2xx'.padStart(9)}${'errors'.padStart(8)}`);
  for (const [path, r] of results) {
    console.log(`${path.padEnd(16)}${r.requests.average.toFixed(0).padStart(9)}${String(r.latency.p50).padStart(9)}${String(r.latency.p99).padStart(9)}${String(r.non2xx).padStart(9)}${String(r.errors + r.timeouts).padStart(8)}`);
  }
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  console.log(`${'in-process'.padEnd(16)}${inProcessRps.toFixed(0).padStart(9)}${pct(0.5).toFixed(1).padStart(9)}${pct(0.99).toFixed(1).padStart(9)}   (retriever.retrieve, one at a time)`);
  const retrieve = results[0]![1];
  console.log(`\nHTTP /v1/retrieve reaches ${((retrieve.requests.average / inProcessRps) * 100).toFixed(0)}% of in-process retrieval throughput`);
  console.log(`target /v1/retrieve >= 400 req/s with p99 < 100 ms: ${retrieve.requests.average >= 400 && retrieve.latency.p99 < 100 ? 'met' : 'NOT met'}`);
} finally {
  if (server && server.exitCode === null) {
    server.kill('SIGINT');
    await new Promise((r) => server!.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
}

function load(url: string, path: string, body: (q: string) => unknown, duration: number): Promise<AutocannonResult> {
  let i = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify(body(queries[i++ % queries.length]!)) }),
      },
    ],
  });
}

/** Runs the built CLI's `kb serve` on a free port and waits for the line saying where it listens. */
function startServe(cwd: string): Promise<{ process: ChildProcess; url: string }> {
  const bin = resolve(import.meta.dirname, '..', 'src', 'cli', 'bin.js');
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KB_API_KEYS: '' } });
  return new Promise((resolveStart, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /http:\/\/[\d.]+:\d+/.exec(out)?.[0];
      if (url) resolveStart({ process: child, url });
    });
    child.once('exit', (code) => reject(new Error(`kb serve exited with ${code} before listening:\n${out}${err}`)));
  });
}
