import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { ConfigError, isAbortError, ModelCallError, UsageError } from '../src/errors.js';
import { createBedrockClient } from '../src/models/bedrock-client.js';
import { CohereEmbeddings } from '../src/models/cohere-embeddings.js';
import { createEmbedder } from '../src/models/create-embedder.js';
import type { Embedder } from '../src/models/embedder.js';
import type { EmbedderEmbeddings } from '../src/models/embedder-embeddings.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { TitanEmbeddings, type TitanModelId } from '../src/models/titan-embeddings.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';

useFakeAwsCredentials();

let emulator: Emulator;
const cwd = mkdtempSync(join(tmpdir(), 'kb-bedrock-embeddings-'));

/** A Bedrock embedder built the way the app builds it, pointed at the emulator; the SDK does not retry. */
function embedderFor(flags: Record<string, unknown>, env: Record<string, string> = {}): Promise<EmbedderEmbeddings> {
  const config = loadConfig({
    cwd,
    env,
    flags: { provider: 'bedrock', 'bedrock.region': 'us-east-1', 'bedrock.endpoint': emulator.url, 'bedrock.maxAttempts': 1, ...flags },
  });
  return createEmbedder(config) as Promise<EmbedderEmbeddings>;
}

function client() {
  return createBedrockClient({ bedrock: { region: 'us-east-1', endpoint: emulator.url, requestTimeoutMs: 5_000 } });
}

function norm(v: number[]): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  emulator.setFaults({ rpm: 0, throttleRate: 0, errorRate: 0 });
});

describe('Titan', () => {
  it('sends { inputText, dimensions: 1024, normalize: true } to Titan v2 and returns a unit vector', async () => {
    const embedder = await embedderFor({});
    expect(embedder).toBeInstanceOf(TitanEmbeddings);
    expect(embedder).toMatchObject({ modelId: 'amazon.titan-embed-text-v2:0', dimensions: 1024, capabilities: { maxBatchSize: 1, costsTokens: true } });
    const { vectors: [vector], usage } = await embedder.embed(['How many days of annual leave?'], { purpose: 'query' });
    expect(vector).toHaveLength(1024);
    expect(norm(vector!)).toBeCloseTo(1, 6);
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]).toMatchObject({ route: 'invoke', modelId: 'amazon.titan-embed-text-v2:0', auth: 'sigv4' });
    expect(emulator.requests[0]!.body).toEqual({ inputText: 'How many days of annual leave?', dimensions: 1024, normalize: true });
    // Usage is Titan's inputTextTokenCount for this one call, and equals what the emulator counted.
    expect(usage).toEqual({ inputTokens: Math.ceil(6 * 1.3) });
    expect(emulator.stats.inputTokens).toBe(usage.inputTokens);
  });

  it('asks Titan v2 for the configured dimension and embeds documents one call each, in order', async () => {
    const embedder = await embedderFor({ 'embedding.dimensions': 256 });
    const vectors = await embedder.embedDocuments(['first text', 'second text', 'third text']);
    expect(vectors.map((v) => v.length)).toEqual([256, 256, 256]);
    expect(emulator.requests.map((r) => r.body)).toEqual(
      ['first text', 'second text', 'third text'].map((inputText) => ({ inputText, dimensions: 256, normalize: true })),
    );
    expect(vectors[1]).toEqual(await embedder.embedQuery('second text'));
  });

  it('sends only { inputText } to Titan v1 and gets 1536 dimensions', async () => {
    const embedder = await embedderFor({ 'embedding.model': 'amazon.titan-embed-text-v1' });
    expect(await embedder.embedQuery('hello world')).toHaveLength(1536);
    expect(emulator.requests[0]!.body).toEqual({ inputText: 'hello world' });
  });

  it('rejects a text over the model limit before calling the service', async () => {
    const embedder = await embedderFor({});
    const error = await embedder.embedQuery('a'.repeat(50_001)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('limit of 50,000 characters');
    const tooManyTokens = await embedder.embedQuery('word '.repeat(7000)).catch((e: unknown) => e);
    expect((tooManyTokens as Error).message).toContain('limit of 8,192 tokens');
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('Cohere', () => {
  it('embeds a batch of 96 documents in one call with input_type search_document', async () => {
    const embedder = await embedderFor({ 'embedding.model': 'cohere.embed-english-v3' });
    expect(embedder).toBeInstanceOf(CohereEmbeddings);
    expect(embedder).toMatchObject({ dimensions: 1024, capabilities: { maxBatchSize: 96, costsTokens: true } });
    const texts = Array.from({ length: 96 }, (_, i) => `document number ${i}`);
    const vectors = await embedder.embedDocuments(texts);
    expect(vectors).toHaveLength(96);
    expect(vectors.every((v) => v.length === 1024)).toBe(true);
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]!.body).toEqual({ texts, input_type: 'search_document', truncate: 'NONE' });
    // From the X-Amzn-Bedrock-Input-Token-Count header: 3 words each.
    emulator.reset();
    const { usage } = await embedder.embed(texts, { purpose: 'document' });
    expect(usage).toEqual({ inputTokens: 96 * Math.ceil(3 * 1.3) });
    expect(emulator.stats.inputTokens).toBe(usage.inputTokens);
  });

  it('embeds a query with input_type search_query', async () => {
    const embedder = await embedderFor({ 'embedding.model': 'cohere.embed-multilingual-v3' });
    expect(await embedder.embedQuery('wie viele Urlaubstage')).toHaveLength(1024);
    expect(emulator.requests[0]).toMatchObject({ modelId: 'cohere.embed-multilingual-v3', body: { texts: ['wie viele Urlaubstage'], input_type: 'search_query' } });
  });

  it('rejects 97 texts, or a text over 2,048 characters, before calling the service', async () => {
    const embedder = await embedderFor({ 'embedding.model': 'cohere.embed-english-v3' });
    const batch = await embedder.embed(Array.from({ length: 97 }, () => 'x'), { purpose: 'document' }).catch((e: unknown) => e);
    expect(batch).toBeInstanceOf(UsageError);
    expect((batch as Error).message).toContain('at most 96 texts');
    const long = await embedder.embedDocuments(['short', 'y'.repeat(2049)]).catch((e: unknown) => e);
    expect((long as Error).message).toContain('Text 1 has 2,049 characters');
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('configuration', () => {
  it('rejects an invalid dimension or an unknown model with a ConfigError naming the option and env var', async () => {
    const badDimension = await embedderFor({ 'embedding.dimensions': 300 }).catch((e: unknown) => e);
    expect(badDimension).toBeInstanceOf(ConfigError);
    expect((badDimension as Error).message).toMatch(/embedding\.dimensions.*KB_EMBEDDING_DIMENSIONS.*256, 512, 1024; got 300/);
    const v1Dimension = await embedderFor({ 'embedding.model': 'amazon.titan-embed-text-v1', 'embedding.dimensions': 1024 }).catch((e: unknown) => e);
    expect((v1Dimension as Error).message).toContain('of 1536; got 1024');
    const unknown = await embedderFor({ 'embedding.model': 'amazon.titan-embed-g3' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ConfigError);
    expect((unknown as Error).message).toMatch(/embedding\.model.*KB_EMBEDDING_MODEL/);
    expect(emulator.requests).toHaveLength(0);
  });

  it('uses a Bedrock API key from AWS_BEARER_TOKEN_BEDROCK instead of SigV4', async () => {
    const embedder = await embedderFor({}, { AWS_BEARER_TOKEN_BEDROCK: 'ABSKexampleKey' });
    await embedder.embedQuery('token');
    expect(emulator.requests[0]!.auth).toBe('bearer');
  });
});

describe('service errors', () => {
  it('reports a mistyped model id as an unknown model in the region, with the closest catalogue ids', async () => {
    const embedder = new TitanEmbeddings({ client: client(), modelId: 'amazon.titan-embed-text-v3:0' as TitanModelId, dimensions: 1024, region: 'us-east-1' });
    const error = await embedder.embed(['x'], { purpose: 'query' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ reason: 'unknown-model', statusCode: 400, isRetryable: false, isFatal: true, serviceCode: 'ValidationException' });
    expect((error as Error).message).toMatch(/amazon\.titan-embed-text-v3:0 is an unknown model in us-east-1\. Closest known models: amazon\.titan-embed-text-v2:0, amazon\.titan-embed-text-v1/);
    expect((error as Error).message).not.toMatch(/\.\./);
  });

  it('reports a model the account has not enabled as an access problem with the console step', async () => {
    const denying = await startEmulator({ port: 0, deniedModels: ['amazon.titan-embed-text-v2:0'] });
    try {
      const embedder = new TitanEmbeddings({ client: createBedrockClient({ bedrock: { region: 'us-east-1', endpoint: denying.url, requestTimeoutMs: 5_000 } }), modelId: 'amazon.titan-embed-text-v2:0', dimensions: 1024, region: 'us-east-1' });
      const error = await embedder.embed(['x'], { purpose: 'query' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ reason: 'access-denied', statusCode: 403, isFatal: true, serviceCode: 'AccessDeniedException' });
      expect((error as Error).message).toMatch(/Enable model access in the Bedrock console for amazon\.titan-embed-text-v2:0 in us-east-1 \(Model access/);
      expect((error as Error).message).not.toMatch(/\.\./);
    } finally {
      await denying.close();
    }
  });

  it('turns quota throttling into a retryable, throttle-flagged ModelCallError', async () => {
    emulator.setFaults({ rpm: 1 });
    const embedder = await embedderFor({ 'embedding.model': 'cohere.embed-english-v3' });
    await embedder.embed(['first'], { purpose: 'query' });
    const error = await embedder.embed(['second'], { purpose: 'query' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ reason: 'throttled', isRetryable: true, isFatal: false, statusCode: 429, modelId: 'cohere.embed-english-v3', serviceCode: 'ThrottlingException' });
  });

  it('reports a service outage as a retryable error, not as an empty result', async () => {
    emulator.setFaults({ errorRate: 1 });
    const embedder = await embedderFor({});
    const error = await embedder.embed(['x'], { purpose: 'document' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'unavailable', isRetryable: true, isFatal: false, statusCode: 503 });
    expect((error as Error).message).not.toMatch(/\.\./);
  });

  it('lets an abort through untouched', async () => {
    emulator.setFaults({ latencyMs: 500 });
    const embedder = await embedderFor({});
    const controller = new AbortController();
    const pending = embedder.embed(['slow'], { purpose: 'query', signal: controller.signal }).catch((e: unknown) => e);
    await until(() => emulator.requests.length === 1);
    controller.abort();
    const error = await pending;
    emulator.setFaults({ latencyMs: 0 });
    expect(error).not.toBeInstanceOf(ModelCallError);
    expect(isAbortError(error)).toBe(true);
  });
});

/** Resolves once `check` holds, polling each tick: waits on an observed event, not a clock. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 1));
}

/** The contract every Embedder meets, whatever the vendor behind it: shape, order, determinism, usage, errors. */
function embeddingsContract(name: string, make: () => Promise<Embedder>, { remote }: { remote: boolean }): void {
  describe(`embeddings contract: ${name}`, () => {
    it('returns one finite vector of `dimensions` per text, in input order, with the call\'s usage', async () => {
      const embedder = await make();
      const texts = ['annual leave policy', 'travel booking rules'];
      const one = async (t: string[]) => {
        const out = [];
        for (const text of t) out.push(...(await embedder.embed([text], { purpose: 'document' })).vectors);
        return out;
      };
      const [a, b] = await one(texts);
      const [b2, a2] = await one([...texts].reverse());
      expect(a).toHaveLength(embedder.dimensions);
      expect(a!.every(Number.isFinite)).toBe(true);
      expect(a2).toEqual(a);
      expect(b2).toEqual(b);
      const before = emulator.stats.inputTokens;
      const { usage } = await embedder.embed(['annual leave policy'], { purpose: 'document' });
      expect(usage.inputTokens).toBeGreaterThan(0);
      // Remote usage is what the service reported; the local embedder counts its own terms.
      if (remote) expect(emulator.stats.inputTokens - before).toBe(usage.inputTokens);
      expect(embedder.capabilities.costsTokens).toBe(remote);
    });

    it('gives the same text the same vector and different texts different vectors', async () => {
      const embedder = await make();
      const q = async (text: string) => (await embedder.embed([text], { purpose: 'query' })).vectors[0];
      const same = await q('How many days of annual leave?');
      expect(await q('How many days of annual leave?')).toEqual(same);
      expect(await q('Which airline do we fly?')).not.toEqual(same);
    });

    it('refuses more texts than capabilities.maxBatchSize, or reports service errors as ModelCallError', async () => {
      const embedder = await make();
      const max = embedder.capabilities.maxBatchSize;
      if (max < 1000) {
        const error = await embedder.embed(Array.from({ length: max + 1 }, (_, i) => `text ${i}`), { purpose: 'document' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UsageError);
      }
      if (!remote) return;
      emulator.setFaults({ errorRate: 1 });
      const outage = await embedder.embed(['x'], { purpose: 'query' }).catch((e: unknown) => e);
      emulator.setFaults({ errorRate: 0 });
      expect(outage).toMatchObject({ reason: 'unavailable', isRetryable: true, modelId: embedder.modelId });
    });
  });
}

embeddingsContract('local-hash-v1', async () => new LocalHashEmbeddings({ dimensions: 256 }), { remote: false });
embeddingsContract('Titan v2 via the emulator', () => embedderFor({ 'embedding.dimensions': 512 }), { remote: true });
embeddingsContract('Titan v1 via the emulator', () => embedderFor({ 'embedding.model': 'amazon.titan-embed-text-v1' }), { remote: true });
embeddingsContract('Cohere v3 via the emulator', () => embedderFor({ 'embedding.model': 'cohere.embed-english-v3' }), { remote: true });
