import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { termOverlap } from '../src/emulator/term-overlap.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { indexedKb, type KbFixture, memoryCtx } from './server-fixture.js';

useFakeAwsCredentials();

let emulator: Emulator;
let fixture: KbFixture;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, streamDelayMs: 0 });
  fixture = await indexedKb();
});
afterAll(async () => {
  fixture.close();
  await emulator.close();
});

const QUESTION = 'How many days of paid time off do full-time employees get each year?';

async function ask(env: Record<string, string>) {
  const ctx = { ...memoryCtx(fixture.dir), env: { KB_PROVIDER: 'bedrock', KB_EMBEDDING_MODEL: 'local-hash-v1', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url, ...env } };
  const code = await runCli(['ask', QUESTION, '--kb-dir', fixture.kbDir, '--json'], ctx);
  return { code, err: ctx.err.join(''), out: ctx.out.join(''), result: code === 0 ? (JSON.parse(ctx.out.join('')) as { rerank?: Record<string, unknown>; cost: { byModel: Record<string, number> }; sources: Array<{ path: string }> }) : undefined };
}

describe('kb ask with retrieval.rerank', () => {
  it('reranks the fused top N in us-west-2 while chatting in us-east-1, and prices the rerank query in the answer', async () => {
    emulator.reset();
    const { code, err, result } = await ask({ KB_RERANK: 'true', KB_RERANK_REGION: 'us-west-2', KB_RERANK_TOP_N: '12', KB_TOP_K: '3' });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(result!.rerank).toMatchObject({ model: 'amazon.rerank-v1:0', documents: 12, queries: 1, costUsd: 0.001 });
    expect(result!.cost.byModel['amazon.rerank-v1:0']).toBe(0.001);
    const sent = emulator.requests.find((r) => r.route === 'rerank')!;
    const body = sent.body as { sources: Array<{ inlineDocumentSource: { textDocument: { text: string } } }>; rerankingConfiguration: { bedrockRerankingConfiguration: { numberOfResults: number } } };
    expect(body.rerankingConfiguration.bedrockRerankingConfiguration.numberOfResults).toBe(3);
    // The prompt carries the emulator's best-scored source and none of those it ranked below the top 3.
    const ranked = body.sources
      .map((s, index) => ({ index, text: s.inlineDocumentSource.textDocument.text, score: termOverlap(QUESTION, s.inlineDocumentSource.textDocument.text) }))
      .sort((a, b) => b.score - a.score || a.index - b.index);
    const prompt = JSON.stringify(emulator.requests.find((r) => r.route === 'converse-stream')!.body);
    const inPrompt = (text: string) => prompt.includes(JSON.stringify(text.slice(-40)).slice(1, -1));
    expect(inPrompt(ranked[0]!.text)).toBe(true);
    for (const below of ranked.slice(3).filter((r) => r.score < ranked[2]!.score)) expect(inPrompt(below.text)).toBe(false);
    expect(emulator.requests.map((r) => r.route)).toEqual(['rerank', 'converse-stream']);
  });

  it('without it, no rerank call is made', async () => {
    emulator.reset();
    const { result } = await ask({});
    expect(result!.rerank).toBeUndefined();
    expect(emulator.requests.map((r) => r.route)).toEqual(['converse-stream']);
  });

  it('in us-east-1 without retrieval.rerank.region, kb ask exits 1 before anything is called', async () => {
    emulator.reset();
    const { code, out } = await ask({ KB_RERANK: 'true' });
    expect(code).toBe(1);
    // --json callers get the error on stdout.
    expect((JSON.parse(out) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/not offered in us-east-1.*KB_RERANK_REGION/) });
    expect(emulator.stats.requests).toBe(0);
  });
});
