import { BedrockAgentRuntimeClient, RerankCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion } from '../src/answer/answer-question.js';
import { runCli } from '../src/cli/run-cli.js';
import { createLlmAnswerer } from '../src/answer/llm-answerer.js';
import { configSchema, type KbConfig, loadConfig } from '../src/config.js';
import { createBedrockChatModel } from '../src/models/bedrock-chat.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { termOverlap } from '../src/emulator/term-overlap.js';
import { ConfigError } from '../src/errors.js';
import { createBedrockReranker } from '../src/models/bedrock-reranker.js';
import { createReranker } from '../src/models/create-reranker.js';
import { RerankInputError } from '../src/models/rerank-input-error.js';
import type { RetrievalResult, RetrieveOptions } from '../src/retrieve/create-retriever.js';
import { withReranker } from '../src/retrieve/with-reranker.js';
import type { RankedChunk } from '../src/types.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';

useFakeAwsCredentials();

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, region: 'us-west-2' });
});
afterAll(() => emulator.close());
afterEach(() => emulator.reset());

function config(rerank: Partial<KbConfig['retrieval']['rerank']> = {}, region = 'us-west-2'): KbConfig {
  const base = configSchema.parse({ provider: 'bedrock' });
  return {
    ...base,
    retrieval: { ...base.retrieval, rerank: { ...base.retrieval.rerank, enabled: true, ...rerank } },
    bedrock: { ...base.bedrock, region, endpoint: emulator.url, maxAttempts: 1, requestTimeoutMs: 10_000 },
  };
}

const QUERY = 'how many days of parental leave do employees get';
const TEXTS = [
  'Laptops are replaced every three years.',
  'Employees get leave.',
  'Parental leave: employees get 16 weeks, that is 112 days, of paid parental leave.',
  'Expense reports are due within 30 days.',
];

function chunk(id: number, text: string, score: number): RankedChunk & { coverage: number } {
  return { id, documentId: id, path: `doc-${id}.md`, ordinal: 0, text, charStart: 0, charEnd: text.length, score, mergedIds: [id], coverage: 1 };
}

/** A retriever double: returns TEXTS in their fused order (index 0 first), records each call's options. */
function fusedRetriever() {
  const calls: RetrieveOptions[] = [];
  return {
    calls,
    warm: () => ({ rebuilt: false, size: TEXTS.length }),
    async retrieve(_query: string, options: RetrieveOptions = {}): Promise<RetrievalResult> {
      calls.push(options);
      const chunks = TEXTS.map((t, i) => chunk(i + 1, t, 1 / (i + 1))).slice(0, options.topK ?? 6);
      return { chunks, rebuiltIndex: false, timings: { embedMs: 0, vectorMs: 0, keywordMs: 0, totalMs: 1 } };
    },
  };
}

describe('Bedrock Rerank through the emulator (real SDK)', () => {
  it('orders sources as the emulator scores them, sends the model ARN and numberOfResults, and prices the query', async () => {
    const reranker = createBedrockReranker({ config: config({ model: 'cohere.rerank-v3-5:0' }) });
    const { results, usage } = await reranker.rerank(QUERY, TEXTS, { topN: 3 });
    const expected = TEXTS.map((t, index) => ({ index, score: termOverlap(QUERY, t) })).sort((a, b) => b.score - a.score || a.index - b.index).slice(0, 3);
    expect(results).toEqual(expected);
    expect(results[0]!.index).toBe(2);
    expect(usage).toEqual({ model: 'cohere.rerank-v3-5:0', documents: 4, queries: 1, costUsd: 0.002, attempts: 1 });
    const sent = emulator.requests[0]!;
    expect(sent).toMatchObject({ route: 'rerank', path: '/rerank', status: 200, auth: 'sigv4' });
    expect(sent.body).toMatchObject({
      queries: [{ type: 'TEXT', textQuery: { text: QUERY } }],
      rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration: { numberOfResults: 3, modelConfiguration: { modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0' } } },
    });
    expect((sent.body as { sources: unknown[] }).sources[1]).toEqual({ type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: TEXTS[1] } } });
    expect(emulator.stats.rerankedSources).toBe(4);
  });

  it('bills one query per 100 sources', async () => {
    const reranker = createBedrockReranker({ config: config() });
    const texts = Array.from({ length: 250 }, (_, i) => `source ${i} about leave`);
    const { results, usage } = await reranker.rerank(QUERY, texts);
    expect(results).toHaveLength(250);
    expect(usage).toMatchObject({ model: 'amazon.rerank-v1:0', documents: 250, queries: 3, costUsd: 0.003 });
  });

  it('a configured reranker in us-east-1 fails at start, naming the region and the fix', async () => {
    const make = () => createReranker(config({}, 'us-east-1'));
    await expect(make()).rejects.toThrow(ConfigError);
    await expect(make()).rejects.toThrow(/not offered in us-east-1.*retrieval\.rerank\.region \(KB_RERANK_REGION\).*us-west-2/);
    expect(emulator.stats.requests).toBe(0);
  });

  it('every command fails at start on such a configuration: loadConfig checks it, kb exits 1 with the fix', async () => {
    const env = { KB_PROVIDER: 'bedrock', KB_RERANK: 'true', AWS_REGION: 'us-east-1' };
    expect(() => loadConfig({ cwd: '/nonexistent', env })).toThrow(/Bedrock Rerank \(amazon.rerank-v1:0\) is not offered in us-east-1/);
    expect(loadConfig({ cwd: '/nonexistent', env: { ...env, KB_RERANK_REGION: 'eu-central-1' } }).retrieval.rerank.region).toBe('eu-central-1');
    const err: string[] = [];
    const code = await runCli(['search', 'parental leave'], { stdout: { write: () => {} }, stderr: { write: (t: string) => err.push(t) }, env, cwd: '/nonexistent' });
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/not offered in us-east-1\. Set retrieval\.rerank\.region \(KB_RERANK_REGION\) to one of us-west-2, ca-central-1, eu-central-1, ap-northeast-1/);
  });

  it('retrieval.rerank.region lets a us-east-1 setup rerank in us-west-2', async () => {
    const reranker = (await createReranker(config({ region: 'us-west-2' }, 'us-east-1')))!;
    await reranker.rerank(QUERY, TEXTS);
    expect((emulator.requests[0]!.body as { rerankingConfiguration: { bedrockRerankingConfiguration: { modelConfiguration: { modelArn: string } } } }).rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration.modelArn).toBe('arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0');
  });

  it('refuses a non-rerank model and the offline provider with the fix', async () => {
    await expect(createReranker(config({ model: 'amazon.titan-embed-text-v2:0' }))).rejects.toThrow(/not a Bedrock rerank model. Use one of amazon.rerank-v1:0, cohere.rerank-v3-5:0/);
    await expect(createReranker({ ...config(), provider: 'local' })).rejects.toThrow(/needs provider "bedrock"/);
    expect(await createReranker(config({ enabled: false }))).toBeUndefined();
  });

  it('with answer.redactPii, no identifier reaches Rerank, and the order still follows them', async () => {
    const cfg = config();
    const reranker = (await createReranker({ ...cfg, answer: { ...cfg.answer, redactPii: true } }))!;
    const texts = ['Contact the payroll team for payslips.', 'Payslips for jane.doe@example.com are sent by payroll.'];
    const { results } = await reranker.rerank('Where are the payslips for jane.doe@example.com?', texts);
    const sent = JSON.stringify(emulator.requests[0]!.body);
    expect(sent).not.toContain('jane.doe@example.com');
    expect(sent).toContain('<EMAIL_1>');
    expect(results[0]!.index).toBe(1);
  });

  it('enforces the documented limits before calling: 1,000 sources, 32,000 characters, topN range', async () => {
    const reranker = createBedrockReranker({ config: config() });
    await expect(reranker.rerank(QUERY, Array.from({ length: 1001 }, () => 'x'))).rejects.toMatchObject({ name: 'RerankInputError', field: 'texts' });
    await expect(reranker.rerank(QUERY, ['ok', 'y'.repeat(32_001)])).rejects.toMatchObject({ field: 'texts[1]' });
    await expect(reranker.rerank(QUERY, ['ok', ''])).rejects.toBeInstanceOf(RerankInputError);
    await expect(reranker.rerank('', ['ok'])).rejects.toMatchObject({ field: 'query' });
    await expect(reranker.rerank(QUERY, ['ok'], { topN: 0 })).rejects.toMatchObject({ field: 'topN' });
    expect(emulator.stats.requests).toBe(0);
  });

  it('the emulator answers what Bedrock does to too many sources and a bad model ARN', async () => {
    const sdk = new BedrockAgentRuntimeClient({ region: 'us-west-2', endpoint: emulator.url, maxAttempts: 1 });
    const body = (sources: number, modelArn: string) =>
      new RerankCommand({
        queries: [{ type: 'TEXT', textQuery: { text: QUERY } }],
        sources: Array.from({ length: sources }, () => ({ type: 'INLINE' as const, inlineDocumentSource: { type: 'TEXT' as const, textDocument: { text: 'leave' } } })),
        rerankingConfiguration: { type: 'BEDROCK_RERANKING_MODEL', bedrockRerankingConfiguration: { modelConfiguration: { modelArn } } },
      });
    const good = 'arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0';
    await expect(sdk.send(body(1001, good))).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/sources/) });
    await expect(sdk.send(body(2, 'amazon.rerank-v1:0'))).rejects.toMatchObject({ name: 'ValidationException', message: 'The provided model identifier is invalid.' });
    await expect(sdk.send(body(2, 'arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0'))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(sdk.send(body(2, 'arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-embed-text-v2:0'))).rejects.toMatchObject({ name: 'ValidationException' });
    expect((await sdk.send(body(2, good))).results).toHaveLength(2);
    expect(emulator.stats.errors).toBe(4);
  });

  it('a Rerank service error reaches the caller as a ModelCallError', async () => {
    emulator.setFaults({ errorRate: 1 });
    const reranker = createBedrockReranker({ config: config() });
    await expect(reranker.rerank(QUERY, TEXTS)).rejects.toMatchObject({ name: 'ModelCallError', reason: 'unavailable', modelId: 'amazon.rerank-v1:0' });
    emulator.setFaults({ errorRate: 0 });
  });
});

describe('withReranker', () => {
  it('reranks the fused top N and returns top k in the emulator\'s order, with the rerank usage', async () => {
    const inner = fusedRetriever();
    const retriever = withReranker(inner, createBedrockReranker({ config: config() }), { topK: 2, topN: 4 });
    const result = await retriever.retrieve(QUERY);
    expect(inner.calls[0]!.topK).toBe(4);
    expect(result.chunks.map((c) => c.id)).toEqual([3, 2]);
    expect(result.chunks[0]!.score).toBe(termOverlap(QUERY, TEXTS[2]!));
    expect(result.rerank).toMatchObject({ model: 'amazon.rerank-v1:0', documents: 4, queries: 1, costUsd: 0.001 });
    expect(typeof retriever.warm).toBe('function');
  });

  it('keeps the other methods of a class-based retriever working (private fields and all)', async () => {
    class Counting {
      #calls = 0;
      async retrieve(query: string, options?: RetrieveOptions) {
        this.#calls++;
        return fusedRetriever().retrieve(query, options);
      }
      calls() {
        return this.#calls;
      }
    }
    const inner = new Counting();
    const wrapped = withReranker(inner, createBedrockReranker({ config: config() }), { topK: 1, topN: 4 });
    expect((await wrapped.retrieve(QUERY)).chunks.map((c) => c.id)).toEqual([3]);
    expect(wrapped.calls()).toBe(1);
  });

  it('per request: rerank false keeps the fused order without a call; rerankTopN limits the candidates', async () => {
    const retriever = withReranker(fusedRetriever(), createBedrockReranker({ config: config() }), { topK: 2, topN: 4 });
    const plain = await retriever.retrieve(QUERY, { rerank: false });
    expect(plain.chunks.map((c) => c.id)).toEqual([1, 2]);
    expect(plain.rerank).toBeUndefined();
    expect(emulator.stats.requests).toBe(0);
    const narrow = await retriever.retrieve(QUERY, { rerankTopN: 2, topK: 1 });
    expect((emulator.requests[0]!.body as { sources: unknown[] }).sources).toHaveLength(2);
    expect(narrow.chunks.map((c) => c.id)).toEqual([2]);
  });

  it('answerQuestion answers from the reranked sources and adds the rerank cost to the answer\'s', async () => {
    const cfg = config();
    cfg.answer = { ...cfg.answer, model: 'anthropic.claude-3-5-haiku-20241022-v1:0' };
    const retriever = withReranker(fusedRetriever(), createBedrockReranker({ config: cfg }), { topK: 2, topN: 4 });
    const answerer = createLlmAnswerer({ chat: createBedrockChatModel({ config: cfg }).chat, config: cfg });
    const result = await answerQuestion({ question: QUERY, retriever, answerer, minCoverage: 0 });
    expect(result.rerank).toEqual({ model: 'amazon.rerank-v1:0', documents: 4, queries: 1, attempts: 1, costUsd: 0.001 });
    expect(result.cost!.byModel['amazon.rerank-v1:0']).toBe(0.001);
    const chat = emulator.requests.find((r) => r.route === 'converse-stream')!;
    expect(JSON.stringify(chat.body)).toContain('112 days');
    expect(JSON.stringify(chat.body)).not.toContain('Laptops');
    const off = await answerQuestion({ question: QUERY, retriever, answerer, minCoverage: 0, rerank: false });
    expect(off.rerank).toBeUndefined();
  });

  it('KB_RERANK* env vars set the rerank section', () => {
    const loaded = loadConfig({ cwd: '/nonexistent', env: { KB_PROVIDER: 'bedrock', KB_RERANK: 'true', KB_RERANK_MODEL: 'cohere.rerank-v3-5:0', KB_RERANK_TOP_N: '20', KB_RERANK_REGION: 'eu-central-1' } });
    expect(loaded.retrieval.rerank).toEqual({ enabled: true, model: 'cohere.rerank-v3-5:0', topN: 20, region: 'eu-central-1' });
    expect(() => loadConfig({ cwd: '/nonexistent', env: { KB_RERANK: 'yes' } })).toThrow(/retrieval\.rerank\.enabled.*KB_RERANK/);
  });
});
