// usearch (not a dependency) on the vectors of bench:recall-sweep, after `npm run build`:
//   mkdir /tmp/usearch-test && cd /tmp/usearch-test && npm init -y && npm install usearch@2.25.3
//   node bench/usearch-probe.mjs /tmp/usearch-test 50000 offline,random 100
// Builds i8 and f16 indexes (connectivity 16 and 32, expansion_add 128), reloads each with several
// expansion_search values, and prints recall@10 against exact float32 search and per-query latency.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recallAt, truthOf } from '../dist/bench/sweep-exact.js';
import { DIM, offlineSet, randomSet } from '../dist/bench/sweep-vectors.js';

const [dir = '/tmp/usearch-test', nArg = '50000', kinds = 'offline,random', qArg = '100'] = process.argv.slice(2);
const usearch = createRequire(join(dir, 'package.json'))('usearch');
const n = Number(nArg);
const tmp = mkdtempSync(join(tmpdir(), 'usearch-probe-'));
const pct = (ms, q) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor(q * ms.length))];
console.log('| kind | quant | M | expansion_search | build ms/vector (1 thread) | queries | recall@10 | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|---|---|');
for (const kind of kinds.split(',')) {
  const set = kind === 'random' ? randomSet(n, Number(qArg)) : offlineSet(n, Number(qArg));
  const truths = new Map([...set.queries].map(([name, qs]) => [name, qs.map((q) => truthOf(set.data, q, 10))]));
  const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(i));
  for (const quantization of ['i8', 'f16']) {
    for (const connectivity of [16, 32]) {
      const config = { dimensions: DIM, metric: 'cos', quantization, connectivity, expansion_add: 128, expansion_search: 64, multi: false };
      const built = new usearch.Index(config);
      const t = performance.now();
      built.add(keys, set.data, 1);
      const buildMs = (performance.now() - t) / n;
      const file = join(tmp, `${kind}-${quantization}-${connectivity}.usearch`);
      built.save(file);
      for (const expansion of [200, 500, 1000, 2000]) {
        const index = new usearch.Index({ ...config, expansion_search: expansion });
        index.load(file);
        for (const [name, qs] of set.queries) {
          const ms = [];
          let sum = 0;
          qs.forEach((q, i) => {
            const t0 = performance.now();
            const m = index.search(q, 10, 1);
            ms.push(performance.now() - t0);
            sum += recallAt(truths.get(name)[i], Array.from(m.keys, Number), 10);
          });
          console.log(`| ${kind} | ${quantization} | ${connectivity} | ${expansion} | ${buildMs.toFixed(3)} | ${name} | ${(sum / qs.length).toFixed(3)} | ${pct(ms, 0.5).toFixed(3)} | ${pct(ms, 0.99).toFixed(3)} |`);
        }
      }
    }
  }
}
rmSync(tmp, { recursive: true, force: true });
