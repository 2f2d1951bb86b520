// npm run bench:bedrock — indexes a generated corpus (>= 5,000 chunks) with Titan V2 through the emulator at
// 50 ms latency and a 6,000 requests/minute quota, and the same chunk texts through LangChain's
// BedrockEmbeddings (Promise.all over all chunks) for comparison. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BedrockEmbeddings } from '@langchain/aws';
import { loadConfig } from '../src/config.js';
import { startEmulator } from '../src/emulator/create-emulator.js';
import { indexFolders } from '../src/ingest/index-folders.js';
import { createBedrockClient } from '../src/models/bedrock-client.js';
import { createEmbedder } from '../src/models/create-embedder.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import { generateCorpus } from './generate-corpus.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEXAMPLE';
process.env.AWS_SECRET_ACCESS_KEY ??= 'secret';

const RPM = 6000;
const LATENCY_MS = 50;
const files = Number(process.env.BENCH_FILES ?? 1800);
const dir = mkdtempSync(join(tmpdir(), 'kb-bench-bedrock-'));
const emulator = await startEmulator({ port: 0, latencyMs: LATENCY_MS, rpm: RPM, maxRecordedRequests: 10 });
try {
  const corpus = join(dir, 'corpus');
  generateCorpus(corpus, { files, bytesPerFile: 2500, seed: 3 });
  const kbDir = join(dir, 'kb');
  const config = loadConfig({ cwd: dir, env: {}, flags: { provider: 'bedrock', 'bedrock.region': 'us-east-1', 'bedrock.endpoint': emulator.url, kbDir } });
  const store = openSqliteKbStore(kbDir);
  const embedder = await createEmbedder(config);

  const t0 = performance.now();
  const summary = await indexFolders({
    roots: [corpus], store, embedder, chunking: config.chunking, ingest: config.ingest, maxConcurrency: config.embedding.maxConcurrency,
  });
  const seconds = (performance.now() - t0) / 1000;
  const ok = emulator.stats.embeddedTexts;
  const achievedRpm = (ok / seconds) * 60;
  console.log(`corpus: ${files} files, ${summary.chunks.added} chunks, Titan V2 via the emulator (${LATENCY_MS} ms latency, quota ${RPM} requests/min)`);
  console.log(`bedrock-kb:  ${seconds.toFixed(1)} s  ${(summary.chunks.added / seconds).toFixed(0)} chunks/s  achieved ${achievedRpm.toFixed(0)} requests/min = ${((achievedRpm / RPM) * 100).toFixed(1)}% of quota  throttles ${emulator.stats.throttled}  peak concurrency ${summary.embedStats.peakConcurrency}  failures ${summary.failures.length}`);

  await store.close();
  const raw = openStore(kbDir, { readonly: true });
  const texts = raw.db.prepare('SELECT index_text FROM chunks ORDER BY id').pluck().all() as string[];
  raw.close();
  emulator.reset();
  const langchain = new BedrockEmbeddings({ model: 'amazon.titan-embed-text-v2:0', client: createBedrockClient({ bedrock: config.bedrock }) });
  const consoleError = console.error;
  let logged = 0;
  console.error = () => void logged++; // BedrockEmbeddings console.error()s every failed call
  const t1 = performance.now();
  let outcome = 'completed';
  try {
    await Promise.race([
      langchain.embedDocuments(texts),
      new Promise((_, reject) => setTimeout(() => reject(new Error('still running after 300 s')), 300_000).unref()),
    ]);
  } catch (error) {
    outcome = `failed: ${(error as Error).message.slice(0, 120)}`;
  } finally {
    console.error = consoleError;
  }
  const lcSeconds = (performance.now() - t1) / 1000;
  const lcOk = emulator.stats.embeddedTexts;
  const lcRpm = (lcOk / lcSeconds) * 60;
  console.log(`LangChain BedrockEmbeddings (Promise.all over ${texts.length} chunks): ${outcome} in ${lcSeconds.toFixed(1)} s  ${(lcOk / lcSeconds).toFixed(0)} chunks/s  achieved ${lcRpm.toFixed(0)} requests/min = ${((lcRpm / RPM) * 100).toFixed(1)}% of quota  throttles ${emulator.stats.throttled}  errors logged ${logged}`);
} finally {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
}
