import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { mulberry32 } from '../src/seeded-random.js';
import { analyzeTerms } from '../src/text/analyze-terms.js';
import { unit } from './exact-neighbours.js';
import { generateZipfCorpus } from './generate-zipf-corpus.js';

export const DIM = 1024;

/** Vectors of one kind, unit length, row-major, plus the query sets to measure recall with. */
export interface SweepSet {
  kind: 'offline' | 'random';
  n: number;
  data: Float32Array;
  /** Query sets by name: `short` and `held-out` for offline vectors, `random` for random ones. */
  queries: Map<string, Float32Array[]>;
  /** Offline only: the distinct analysed terms of every chunk (for the term -> ids index) and of every short query. */
  chunkTerms?: string[][];
  shortTerms?: string[][];
}

/** Chunks of about 480 bytes cut at sentence ends (bench:scale's chunking gives 5.19 chunks per 2,500-byte file). */
function chunksOf(text: string, target = 480): string[] {
  const out: string[] = [];
  let cur = '';
  for (const sentence of text.split(/(?<=\. )/)) {
    cur += sentence;
    if (cur.length >= target) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur.trim()) out.push(cur);
  return out;
}

function readAll(dir: string): string[] {
  const texts: string[] = [];
  for (const sub of readdirSync(dir).sort((a, b) => Number(a) - Number(b))) {
    const files = readdirSync(join(dir, sub)).sort((a, b) => Number(a.slice(5, -3)) - Number(b.slice(5, -3)));
    for (const f of files) texts.push(readFileSync(join(dir, sub, f), 'utf8'));
  }
  return texts;
}

/** Offline-embedder vectors of `n` Zipf chunks, 3-word queries as bench:scale makes them, and held-out passages. */
export function offlineSet(n: number, queryCount: number): SweepSet {
  const tmp = mkdtempSync(join(tmpdir(), 'recall-sweep-'));
  try {
    const { words } = generateZipfCorpus(join(tmp, 'corpus'), { files: Math.ceil(n / 4.5), bytesPerFile: 2500, seed: 21 });
    const chunks = readAll(join(tmp, 'corpus')).flatMap((t) => chunksOf(t)).slice(0, n);
    if (chunks.length < n) throw new Error(`generated ${chunks.length} chunks, wanted ${n}`);
    generateZipfCorpus(join(tmp, 'held'), { files: queryCount, bytesPerFile: 480, seed: 99 });
    const held = readAll(join(tmp, 'held'));
    const embedder = new LocalHashEmbeddings({ dimensions: DIM });
    const data = new Float32Array(n * DIM);
    chunks.forEach((c, i) => data.set(unit(embedder.embedSync(c)), i * DIM));
    const random = mulberry32(4);
    const content = words.slice(100, 5000);
    const short = Array.from({ length: queryCount }, () => Array.from({ length: 3 }, () => content[Math.floor(random() * content.length)]).join(' '));
    return {
      kind: 'offline',
      n,
      data,
      queries: new Map([
        ['short', short.map((q) => unit(embedder.embedSync(q)))],
        ['held-out', held.map((p) => unit(embedder.embedSync(p)))],
      ]),
      chunkTerms: chunks.map((c) => [...new Set(analyzeTerms(c))]),
      shortTerms: short.map((q) => [...new Set(analyzeTerms(q))]),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Gaussian random unit vectors (Box-Muller over a seeded generator) and random queries. */
export function randomSet(n: number, queryCount: number): SweepSet {
  const rand = mulberry32(11);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const vector = (): Float32Array => unit(Array.from({ length: DIM }, gaussian));
  const data = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) data.set(vector(), i * DIM);
  return { kind: 'random', n, data, queries: new Map([['random', Array.from({ length: queryCount }, vector)]]) };
}
