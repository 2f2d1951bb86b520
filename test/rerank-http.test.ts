import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKnowledgeBase, type KnowledgeBase } from '../src/app/open-knowledge-base.js';
import { loadConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { termOverlap } from '../src/emulator/term-overlap.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { indexedKb, type KbFixture, serve, type Served } from './server-fixture.js';

// rerank / rerankTopN per request over HTTP, on the app kb serve builds, with Bedrock Rerank through the real
// SDK against the emulator (whose scores are term overlap, so the order it returns is checkable).
useFakeAwsCredentials();

let emulator: Emulator;
let fixture: KbFixture;
let kb: KnowledgeBase;
let served: Served;
const QUESTION = 'How many days of paid time off do full-time employees get each year?';

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, streamDelayMs: 0 });
  fixture = await indexedKb();
  const env = { KB_PROVIDER: 'bedrock', KB_EMBEDDING_MODEL: 'local-hash-v1', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url, KB_RERANK: 'true', KB_RERANK_REGION: 'us-west-2', KB_RERANK_TOP_N: '10' };
  const config = loadConfig({ cwd: fixture.dir, env, flags: { kbDir: fixture.kbDir } });
  kb = await openKnowledgeBase(config, { readonly: true });
  served = await serve({ ...fixture, config, kb });
});
afterAll(async () => {
  await served?.close();
  await kb?.close();
  await fixture?.close();
  await emulator?.close();
});

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${served.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
type Chunks = { chunks: Array<{ text: string; heading?: string }>; rerank?: { documents: number; queries: number } };

describe('per-request reranking over HTTP', () => {
  it('POST /v1/retrieve reranks by default in the emulator\'s order, skips it with rerank: false, and scores rerankTopN candidates', async () => {
    emulator.reset();
    const reranked = (await post('/v1/retrieve', { question: QUESTION, topK: 4 })).json as Chunks;
    expect(reranked.rerank).toMatchObject({ documents: 10, queries: 1 });
    const calls = emulator.requests.filter((r) => r.route === 'rerank');
    expect(calls).toHaveLength(1);
    // The first result is the source the emulator scored highest of the ten it was sent.
    const sources = (calls[0]!.body as { sources: Array<{ inlineDocumentSource: { textDocument: { text: string } } }> }).sources.map((x) => x.inlineDocumentSource.textDocument.text);
    const best = sources.map((text, index) => ({ text, index, score: termOverlap(QUESTION, text) })).sort((x, y) => y.score - x.score || x.index - y.index);
    expect(best[0]!.text).toContain(reranked.chunks[0]!.text.slice(0, 80));

    emulator.reset();
    const plain = (await post('/v1/retrieve', { question: QUESTION, topK: 4, rerank: false })).json as Chunks;
    expect(plain.rerank).toBeUndefined();
    expect(emulator.requests.filter((r) => r.route === 'rerank')).toHaveLength(0);
    expect(plain.chunks.map((c) => c.text)).not.toEqual(reranked.chunks.map((c) => c.text));

    emulator.reset();
    const few = (await post('/v1/retrieve', { question: QUESTION, topK: 2, rerankTopN: 5 })).json as Chunks;
    expect(few.rerank).toMatchObject({ documents: 5 });
    const sent = emulator.requests.find((r) => r.route === 'rerank')!.body as { sources: unknown[] };
    expect(sent.sources).toHaveLength(5);
  });

  it('POST /v1/query takes the same fields, and refuses a rerankTopN out of range naming the field', async () => {
    emulator.reset();
    const answered = await post('/v1/query', { question: QUESTION, rerank: false });
    expect(answered.status).toBe(200);
    expect(answered.json.rerank).toBeUndefined();
    expect(emulator.requests.map((r) => r.route)).not.toContain('rerank');
    emulator.reset();
    const again = await post('/v1/query', { question: QUESTION, rerankTopN: 6 });
    expect(again.json.rerank).toMatchObject({ documents: 6 });
    const bad = await post('/v1/query', { question: QUESTION, rerankTopN: 5000 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toMatch(/rerankTopN/);
  });
});
