// npm run bench:scale [-- --max 100000] [--queries 1000] [--recall-queries 100]
// Generated Zipf-worded Markdown corpora of 10,000, 100,000 and 1,000,000 chunks (up to --max), each indexed
// offline through the real pipeline in its own process (bench/scale-size.ts), then measured: build, open, query
// latency, recall@10 against exact search, a cold search process, and unchanged / one-file-changed re-index.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { max: { type: 'string', default: '100000' }, queries: { type: 'string', default: '1000' }, 'recall-queries': { type: 'string', default: '100' } } });
const sizes = [10_000, 100_000, 1_000_000].filter((n) => n <= Number(values.max));
if (!sizes.length) throw new Error(`--max ${values.max} is below the smallest size (10000).`);

interface Latency { p50: number; p99: number }
interface Cold { processMs: number; openAndQueryMs: number; rssMb: number }
interface SizeResult {
  chunks: number; files: number; mb: number; buildS: number; peakRssMb: number; bytesPerChunk: number; openMs: number; rebuiltOnOpen: boolean;
  keyword: Latency; vector: Latency; hybrid: Latency; recallShort: number; recallHeldOut: number; cold: Cold; coldKeyword: Cold; unchangedS: number; changedS: number; changedProcessS: number; unchangedProcessS: number;
}

const results: SizeResult[] = [];
for (const chunks of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'kb-bench-scale-'));
  try {
    const args = [fileURLToPath(new URL('./scale-size.js', import.meta.url)), '--chunks', String(chunks), '--dir', dir, '--queries', values.queries!, '--recall-queries', values['recall-queries']!];
    const out = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    if (out.status !== 0) throw new Error(`size ${chunks} failed (exit ${out.status})`);
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as SizeResult;
    results.push(result);
    console.error(`${chunks}: done`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (l: Latency) => `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)}`;
const rows: Array<[string, (r: SizeResult) => string]> = [
  ['chunks (files)', (r) => `${r.chunks} (${r.files})`],
  ['corpus MB', (r) => r.mb.toFixed(1)],
  ['build s', (r) => r.buildS.toFixed(1)],
  ['chunks/s', (r) => (r.chunks / r.buildS).toFixed(0)],
  ['MB/s', (r) => (r.mb / r.buildS).toFixed(2)],
  ['peak RSS MB (build)', (r) => r.peakRssMb.toFixed(0)],
  ['disk bytes/chunk', (r) => r.bytesPerChunk.toFixed(0)],
  ['open ms (store + vector index)', (r) => `${r.openMs.toFixed(0)}${r.rebuiltOnOpen ? ' (rebuilt!)' : ''}`],
  ['keyword p50 / p99 ms', (r) => ms(r.keyword)],
  ['vector p50 / p99 ms (k 50)', (r) => ms(r.vector)],
  ['hybrid p50 / p99 ms', (r) => ms(r.hybrid)],
  ['recall@10 short queries', (r) => r.recallShort.toFixed(3)],
  ['recall@10 held-out chunks', (r) => r.recallHeldOut.toFixed(3)],
  ['cold hybrid search: process ms / open+query ms / RSS MB', (r) => `${r.cold.processMs.toFixed(0)} / ${r.cold.openAndQueryMs.toFixed(0)} / ${r.cold.rssMb.toFixed(0)}`],
  ['cold keyword search: process ms / open+query ms / RSS MB', (r) => `${r.coldKeyword.processMs.toFixed(0)} / ${r.coldKeyword.openAndQueryMs.toFixed(0)} / ${r.coldKeyword.rssMb.toFixed(0)}`],
  ['unchanged re-index s', (r) => r.unchangedS.toFixed(2)],
  ['one file changed re-index s', (r) => r.changedS.toFixed(2)],
  ['`kb index` process: one file changed / unchanged s', (r) => `${r.changedProcessS.toFixed(2)} / ${r.unchangedProcessS.toFixed(2)}`],
];
const table = [['', ...sizes.map((n) => `${n / 1000}k target`)], ...rows.map(([name, cell]) => [name, ...results.map(cell)])];
const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
for (const r of table) console.log(`| ${r.map((cell, c) => (c ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`);
console.log(`offline ${1024}-d vectors (local hash embedder), ${values.queries} three-word queries for latency, ${values['recall-queries']} short and ${values['recall-queries']} held-out-passage queries for recall; one run, shared 2-core machine: indicative.`);
