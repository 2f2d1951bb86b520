// Vector recall@10 against exact search, by index settings and by approach (issue 15), on vectors generated here:
// npm run bench:recall-sweep -- --n 10000,50000 [--kinds offline,random] [--m 16,32] [--efc 100,200]
//   [--ef 200,500,1000,2000,4000] [--queries 100] [--parts hnsw,rescore,scan,sparse] [--scan-queries 20]
// Builds hnswlib-node indexes directly (not through VectorIndex). Prints one markdown table per size, kind and part.
import { parseArgs } from 'node:util';
import hnswlib from 'hnswlib-node';
import { columnPostings, quantizeInt8, recallAt, rescore, scanFloat32, scanInt8, sortedPostings, sparseExact, sparseScratch, thresholdExact, topK, truthOf, type Truth } from './sweep-exact.js';
import { DIM, offlineSet, randomSet, type SweepSet } from './sweep-vectors.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    kinds: { type: 'string', default: 'offline,random' },
    m: { type: 'string', default: '16,32' },
    efc: { type: 'string', default: '100,200' },
    ef: { type: 'string', default: '200,500,1000,2000,4000' },
    queries: { type: 'string', default: '100' },
    'scan-queries': { type: 'string', default: '20' },
    parts: { type: 'string', default: 'hnsw,rescore,scan,sparse' },
  },
});
const list = (s: string): number[] => s.split(',').map(Number);
const parts = new Set(values.parts.split(','));
const K = 10;
const queryCount = Number(values.queries);

type Index = InstanceType<typeof hnswlib.HierarchicalNSW>;

function percentiles(ms: number[]): { p50: number; p99: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

function table(title: string, head: string[], rows: (string | number)[][]): void {
  console.log(`\n${title}\n\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.map((c) => (typeof c === 'number' ? fmt(c) : c)).join(' | ')} |`);
}
const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x < 1 ? x.toFixed(3) : x.toFixed(2));

/** Runs `search` for every query: mean recall@10 and latency percentiles. */
function measure(qs: Float32Array[], truths: Truth[], search: (q: Float32Array, i: number) => number[]): { recall: number; p50: number; p99: number } {
  for (let i = 0; i < Math.min(10, qs.length); i++) search(qs[i]!, i);
  const ms: number[] = [];
  let sum = 0;
  qs.forEach((q, i) => {
    const t = performance.now();
    const ids = search(q, i);
    ms.push(performance.now() - t);
    sum += recallAt(truths[i]!, ids, K);
  });
  return { recall: sum / qs.length, ...percentiles(ms) };
}

function build(set: SweepSet, m: number, efConstruction: number): { index: Index; msPerVector: number } {
  const index = new hnswlib.HierarchicalNSW('cosine', DIM);
  index.initIndex({ maxElements: set.n, m, efConstruction, randomSeed: 42 });
  const t = performance.now();
  for (let i = 0; i < set.n; i++) index.addPoint(Array.from(set.data.subarray(i * DIM, (i + 1) * DIM)), i);
  return { index, msPerVector: (performance.now() - t) / set.n };
}

/** Term -> chunk ids, rarest terms first at query time: the stand-in for the FTS keyword search. */
function termIndex(chunkTerms: string[][]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  chunkTerms.forEach((terms, i) => {
    for (const t of terms) {
      let ids = index.get(t);
      if (!ids) index.set(t, (ids = []));
      ids.push(i);
    }
  });
  return index;
}

function keywordCandidates(index: Map<string, number[]>, terms: string[], cap: number, into: Set<number>): void {
  const lists = terms.map((t) => index.get(t) ?? []).sort((a, b) => a.length - b.length);
  let added = 0;
  for (const ids of lists) {
    for (const id of ids) {
      if (added >= cap) return;
      if (!into.has(id)) {
        into.add(id);
        added++;
      }
    }
  }
}

function runSet(set: SweepSet): void {
  const label = `${set.kind} n=${set.n}`;
  const t0 = performance.now();
  const truths = new Map([...set.queries].map(([name, qs]) => [name, qs.map((q) => truthOf(set.data, q, K))]));
  const exactMs = (performance.now() - t0) / [...set.queries.values()].reduce((a, qs) => a + qs.length, 0);
  console.log(`\n### ${label}: ${queryCount} queries per set; exact float32 scan for the ground truth ${fmt(exactMs)} ms/query`);
  const efs = list(values.ef);
  let first: Index | undefined;
  if (parts.has('hnsw') || parts.has('rescore')) {
    const rows: (string | number)[][] = [];
    for (const m of list(values.m)) {
      for (const efc of list(values.efc)) {
        const { index, msPerVector } = build(set, m, efc);
        first ??= index;
        for (const ef of efs) {
          index.setEf(ef);
          const row: (string | number)[] = [m, efc, ef, msPerVector];
          for (const [name, qs] of set.queries) {
            const r = measure(qs, truths.get(name)!, (q) => index.searchKnn(Array.from(q), K).neighbors);
            row.push(r.recall, r.p50, r.p99);
          }
          rows.push(row);
        }
      }
    }
    const names = [...set.queries.keys()];
    table(`HNSW (hnswlib-node), ${label}`, ['M', 'efC', 'ef', 'build ms/vector', ...names.flatMap((q) => [`recall ${q}`, `p50 ms ${q}`, `p99 ms ${q}`])], rows);
  }
  if (parts.has('rescore') && set.chunkTerms && first) rescoreTable(set, truths.get('short')!, first, label, efs);
  if (parts.has('scan')) scanTable(set, truths, label);
  if (parts.has('sparse') && set.kind === 'offline') sparseTable(set, truths, label);
}

function rescoreTable(set: SweepSet, truths: Truth[], index: Index, label: string, efs: number[]): void {
  const terms = termIndex(set.chunkTerms!);
  const qs = set.queries.get('short')!;
  const scores = new Float32Array(set.n);
  const rows: (string | number)[][] = [];
  for (const ef of [0, ...efs.filter((e) => e <= 1000)]) {
    for (const cap of [0, 1000, 5000]) {
      if (ef === 0 && cap === 0) continue;
      if (ef) index.setEf(ef);
      let candidates = 0;
      const r = measure(qs, truths, (q, i) => {
        const ids = new Set<number>(ef ? index.searchKnn(Array.from(q), Math.min(ef, set.n)).neighbors : []);
        keywordCandidates(terms, set.shortTerms![i]!, cap, ids);
        candidates += ids.size;
        rescore(set.data, q, ids, scores);
        return topK(scores, K, ids);
      });
      rows.push([ef || '-', cap || '-', Math.round(candidates / (qs.length + Math.min(10, qs.length))), r.recall, r.p50, r.p99]);
    }
  }
  table(`Candidate rescoring, short queries, ${label} (M/efC of the first HNSW row; exact cosine over HNSW top-ef plus up to cap chunks holding a query term, rarest term first)`, ['HNSW top-ef', 'keyword cap', 'candidates', 'recall@10', 'p50 ms', 'p99 ms'], rows);
}

function scanTable(set: SweepSet, truths: Map<string, Truth[]>, label: string): void {
  const count = Number(values['scan-queries']);
  const { codes, scales } = quantizeInt8(set.data);
  const scratch = new Float32Array(set.n);
  const rows: (string | number)[][] = [];
  for (const [name, all] of set.queries) {
    const qs = all.slice(0, count);
    const tr = truths.get(name)!.slice(0, count);
    const f = measure(qs, tr, (q) => topK(scanFloat32(set.data, q), K));
    rows.push([name, 'float32 full scan', f.recall, f.p50, f.p99, (f.p50 * 1e6) / set.n]);
    for (const keep of [10, 100]) {
      const r = measure(qs, tr, (q) => {
        const ids = topK(scanInt8(codes, scales, q), keep);
        rescore(set.data, q, ids, scratch);
        return topK(scratch, K, ids);
      });
      rows.push([name, `int8 scan, top ${keep} rescored float32`, r.recall, r.p50, r.p99, (r.p50 * 1e6) / set.n]);
    }
  }
  table(`Brute-force scan in JS, ${label} (${count} queries; last column extrapolates p50 linearly to 1M vectors)`, ['queries', 'method', 'recall@10', 'p50 ms', 'p99 ms', 'p50 ms at 1M'], rows);
}

function sparseTable(set: SweepSet, truths: Map<string, Truth[]>, label: string): void {
  const t = performance.now();
  const post = columnPostings(set.data);
  const buildMs = performance.now() - t;
  const scratch = sparseScratch(set.n);
  const rows: (string | number)[][] = [];
  for (const [name, qs] of set.queries) {
    const r = measure(qs, truths.get(name)!, (q) => sparseExact(post, q, K, scratch));
    rows.push([name, 'all postings of the query columns', r.recall, r.p50, r.p99]);
  }
  const sorted = sortedPostings(post);
  for (const [name, qs] of set.queries) {
    const r = measure(qs, truths.get(name)!, (q) => thresholdExact(sorted, set.data, q, K, scratch.seen, scratch.touched));
    rows.push([name, 'threshold algorithm over value-sorted columns', r.recall, r.p50, r.p99]);
  }
  const nonZero = post.ids.reduce((a, l) => a + l.length, 0);
  table(`Exact search over column postings (sparse offline vectors), ${label}: ${fmt(nonZero / set.n)} non-zeros per vector, built in ${fmt(buildMs)} ms`, ['queries', 'method', 'recall@10', 'p50 ms', 'p99 ms'], rows);
}

for (const n of list(values.n)) {
  for (const kind of values.kinds.split(',')) runSet(kind === 'random' ? randomSet(n, queryCount) : offlineSet(n, queryCount));
}
