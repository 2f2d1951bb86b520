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
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { TitanEmbeddings, type TitanModelId } from '../src/models/titan-embeddings.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';

useFakeAwsCredentials();

let emulator: Emulator;
const cwd = mkdtempSync(join(tmpdir(), 'kb-bedrock-embeddings-'));

/** A Bedrock embedder built the way the app builds it, pointed at the emulator; the SDK does not retry. */
function embedderFor(flags: Record<string, unknown>, env: Record<string, string> = {}): Promise<Embedder> {
  const config = loadConfig({
    cwd,
    env,
    flags: { provider: 'bedrock', 'bedrock.region': 'us-east-1', 'bedrock.endpoint': emulator.url, 'bedrock.maxAttempts': 1, ...flags },
  });
  return createEmbedder(config);
}

function client() {
  return createBedrockClient({ bedrock: { region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1, requestTimeoutMs: 5_000 } });
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
    expect(embedder).toMatchObject({ modelId: 'amazon.titan-embed-text-v2:0', dimensions: 1024, maxBatchSize: 1 });
    const vector = await embedder.embedQuery('How many days of annual leave?');
    expect(vector).toHaveLength(1024);
    expect(norm(vector)).toBeCloseTo(1, 6);
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]).toMatchObject({ route: 'invoke', modelId: 'amazon.titan-embed-text-v2:0', auth: 'sigv4' });
    expect(emulator.requests[0]!.body).toEqual({ inputText: 'How many days of annual leave?', dimensions: 1024, normalize: true });
    expect(embedder.tokensUsed).toBe(Math.ceil(6 * 1.3));
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
    expect(embedder).toMatchObject({ dimensions: 1024, maxBatchSize: 96 });
    const texts = Array.from({ length: 96 }, (_, i) => `document number ${i}`);
    const vectors = await embedder.embedDocuments(texts);
    expect(vectors).toHaveLength(96);
    expect(vectors.every((v) => v.length === 1024)).toBe(true);
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]!.body).toEqual({ texts, input_type: 'search_document', truncate: 'NONE' });
    // From the X-Amzn-Bedrock-Input-Token-Count header: 3 words each.
    expect(embedder.tokensUsed).toBe(96 * Math.ceil(3 * 1.3));
  });

  it('embeds a query with input_type search_query', async () => {
    const embedder = await embedderFor({ 'embedding.model': 'cohere.embed-multilingual-v3' });
    expect(await embedder.embedQuery('wie viele Urlaubstage')).toHaveLength(1024);
    expect(emulator.requests[0]).toMatchObject({ modelId: 'cohere.embed-multilingual-v3', body: { texts: ['wie viele Urlaubstage'], input_type: 'search_query' } });
  });

  it('rejects 97 texts, or a text over 2,048 characters, before calling the service', async () => {
    const embedder = await embedderFor({ 'embedding.model': 'cohere.embed-english-v3' });
    const batch = await embedder.embedDocuments(Array.from({ length: 97 }, () => 'x')).catch((e: unknown) => e);
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
  it('maps an unknown model to a ModelCallError that says to enable model access', async () => {
    const embedder = new TitanEmbeddings({ client: client(), modelId: 'amazon.titan-embed-image-v1' as TitanModelId, dimensions: 1024, region: 'us-east-1' });
    const error = await embedder.embedQuery('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ statusCode: 403, isRetryable: false, code: 'AccessDeniedException' });
    expect((error as Error).message).toMatch(/Enable model access.*amazon\.titan-embed-image-v1 in us-east-1/);
  });

  it('turns quota throttling into a retryable, throttle-flagged ModelCallError', async () => {
    emulator.setFaults({ rpm: 1 });
    const embedder = await embedderFor({ 'embedding.model': 'cohere.embed-english-v3' });
    await embedder.embedQuery('first');
    const error = await embedder.embedQuery('second').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ isThrottle: true, isRetryable: true, statusCode: 429, modelId: 'cohere.embed-english-v3' });
  });

  it('reports a service outage as a retryable error, not as an empty result', async () => {
    emulator.setFaults({ errorRate: 1 });
    const embedder = await embedderFor({});
    const error = await embedder.embedDocuments(['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ isRetryable: true, isThrottle: false, statusCode: 503 });
  });

  it('lets an abort through untouched', async () => {
    emulator.setFaults({ latencyMs: 500 });
    const embedder = await embedderFor({});
    const controller = new AbortController();
    const pending = embedder.embedQuery('slow', { signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 20);
    const error = await pending;
    emulator.setFaults({ latencyMs: 0 });
    expect(error).not.toBeInstanceOf(ModelCallError);
    expect(isAbortError(error)).toBe(true);
  });
});

/** The contract every Embedder meets, whatever the vendor behind it. */
function embeddingsContract(name: string, make: () => Promise<Embedder>): void {
  describe(`embeddings contract: ${name}`, () => {
    it('returns one finite vector of `dimensions` per text, in input order', async () => {
      const embedder = await make();
      const [a, b] = await embedder.embedDocuments(['annual leave policy', 'travel booking rules']);
      const [b2, a2] = await embedder.embedDocuments(['travel booking rules', 'annual leave policy']);
      expect(a).toHaveLength(embedder.dimensions);
      expect(a!.every(Number.isFinite)).toBe(true);
      expect(a2).toEqual(a);
      expect(b2).toEqual(b);
      expect(await embedder.embedDocuments([])).toEqual([]);
    });

    it('gives the same text the same vector and different texts different vectors', async () => {
      const embedder = await make();
      const same = await embedder.embedQuery('How many days of annual leave?');
      expect(await embedder.embedQuery('How many days of annual leave?')).toEqual(same);
      expect(await embedder.embedQuery('Which airline do we fly?')).not.toEqual(same);
    });
  });
}

embeddingsContract('local-hash-v1', async () => new LocalHashEmbeddings({ dimensions: 256 }));
embeddingsContract('Titan v2 via the emulator', () => embedderFor({ 'embedding.dimensions': 512 }));
embeddingsContract('Titan v1 via the emulator', () => embedderFor({ 'embedding.model': 'amazon.titan-embed-text-v1' }));
embeddingsContract('Cohere v3 via the emulator', () => embedderFor({ 'embedding.model': 'cohere.embed-english-v3' }));
