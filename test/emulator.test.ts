import http2 from 'node:http2';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildGroundedPrompt, buildRewritePrompt } from '../src/answer/build-grounded-prompt.js';
import { run as runEmulatorCommand } from '../src/cli/commands/emulator-command.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { findSources, NO_ANSWER } from '../src/emulator/fake-claude.js';
import { ModelCallError, UsageError } from '../src/errors.js';
import { createBedrockClient } from '../src/models/bedrock-client.js';
import { retryModelCall } from '../src/models/retry-model-call.js';
import { toModelCallError } from '../src/models/bedrock-errors.js';
import type { ChatTurn } from '../src/types.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';

useFakeAwsCredentials();

const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const TITAN_V2 = 'amazon.titan-embed-text-v2:0';

const PROMPT_SOURCES = [
  '<source n="1" path="handbook/leave.md">',
  'Employees receive 25 days of paid annual leave per year. Unused leave expires at the end of March.',
  '</source>',
  '<source n="2" path="handbook/travel.md">',
  'Travel must be booked through the internal portal. Economy class is the default for flights.',
  '</source>',
].join('\n');
const QUESTION = `${PROMPT_SOURCES}\n\nQuestion: How many days of paid annual leave do employees get?`;

let emulator: Emulator;
let client: BedrockRuntimeClient;

function clientFor(options: { bearerToken?: string } = {}): BedrockRuntimeClient {
  return createBedrockClient({
    bedrock: { region: 'us-east-1', endpoint: emulator.url, requestTimeoutMs: 5_000 },
    ...(options.bearerToken ? { bearerToken: options.bearerToken } : {}),
  });
}

async function invokeJson(modelId: string, body: unknown, c = client): Promise<Record<string, unknown>> {
  const out = await c.send(new InvokeModelCommand({ modelId, contentType: 'application/json', body: JSON.stringify(body) }));
  return JSON.parse(new TextDecoder().decode(out.body)) as Record<string, unknown>;
}

/** The SDK error (or a non-error) a call ends with. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

/** A raw HTTP/2 request, bypassing the SDK, for what the SDK never sends (no or malformed Authorization). */
async function rawH2(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  const session = http2.connect(emulator.url);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers });
      let status = 0;
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let text = '';
      stream.on('response', (h) => {
        status = Number(h[':status']);
        responseHeaders = h;
      });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => resolve({ status, headers: responseHeaders, body: text }));
      stream.on('error', reject);
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

function norm(v: number[]): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, streamDelayMs: 2 });
  client = clientFor();
});
afterAll(async () => {
  client.destroy();
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
  emulator.setFaults({ latencyMs: 0, rpm: 0, throttleRate: 0, errorRate: 0 });
});

describe('embedding models over InvokeModel', () => {
  it('answers Titan v2 with a normalised vector of the requested dimension and records the body', async () => {
    const out = await invokeJson(TITAN_V2, { inputText: 'annual leave policy', dimensions: 512, normalize: true });
    const embedding = out.embedding as number[];
    expect(embedding).toHaveLength(512);
    expect(norm(embedding)).toBeCloseTo(1, 6);
    expect(out.inputTextTokenCount).toBe(Math.ceil(3 * 1.3));
    expect(out.embeddingsByType).toEqual({ float: embedding });
    expect(emulator.requests).toEqual([
      { route: 'invoke', modelId: TITAN_V2, path: `/model/${encodeURIComponent(TITAN_V2)}/invoke`, at: expect.any(String), body: { inputText: 'annual leave policy', dimensions: 512, normalize: true }, auth: 'sigv4', status: 200 },
    ]);
  });

  it('makes normalize: false observable and answers Titan v1 with 1536 dimensions', async () => {
    const raw = await invokeJson(TITAN_V2, { inputText: 'annual leave policy', normalize: false });
    expect((raw.embedding as number[]).length).toBe(1024);
    expect(norm(raw.embedding as number[])).not.toBeCloseTo(1, 2);
    const v1 = await invokeJson('amazon.titan-embed-text-v1', { inputText: 'annual leave policy' });
    expect((v1.embedding as number[]).length).toBe(1536);
  });

  it('rejects invalid Titan and Cohere bodies with the service’s ValidationException wording', async () => {
    const badDimension = await failure(invokeJson(TITAN_V2, { inputText: 'x', dimensions: 300 }));
    expect(badDimension.name).toBe('ValidationException');
    expect(badDimension.$metadata?.httpStatusCode).toBe(400);
    expect(badDimension.message).toBe('Malformed input request: #/dimensions: 300 is not a valid enum value, please reformat your input and try again.');

    const tooLong = await failure(invokeJson(TITAN_V2, { inputText: 'a'.repeat(50_001) }));
    expect(tooLong.message).toContain('#/inputText: expected maxLength: 50000, actual: 50001');
    const tooManyTokens = await failure(invokeJson('amazon.titan-embed-text-v1', { inputText: 'word '.repeat(7000) }));
    expect(tooManyTokens.message).toContain('Too many input tokens. Max input tokens: 8192');

    const texts = Array.from({ length: 97 }, (_, i) => `text ${i}`);
    const tooMany = await failure(invokeJson('cohere.embed-english-v3', { texts, input_type: 'search_document' }));
    expect(tooMany.message).toContain('#/texts: expected maxItems: 96, actual: 97');
    const wrongShape = await failure(invokeJson('cohere.embed-english-v3', { inputText: 'x' }));
    expect(wrongShape.message).toBe(
      'Malformed input request: #: required key [texts] not found#: required key [input_type] not found#: extraneous key [inputText] is not permitted, please reformat your input and try again.',
    );
    expect(emulator.stats).toMatchObject({ requests: 5, errors: 5, embeddedTexts: 0 });
  });

  it('answers Cohere with one vector per text and the token count in a header', async () => {
    const out = await client.send(
      new InvokeModelCommand({ modelId: 'cohere.embed-multilingual-v3', body: JSON.stringify({ texts: ['one two', 'three'], input_type: 'search_query' }) }),
    );
    const json = JSON.parse(new TextDecoder().decode(out.body)) as { embeddings: number[][]; response_type: string; texts: string[] };
    expect(json.response_type).toBe('embeddings_floats');
    expect(json.texts).toEqual(['one two', 'three']);
    expect(json.embeddings.map((v) => v.length)).toEqual([1024, 1024]);
    expect(emulator.stats).toMatchObject({ embeddedTexts: 2, inputTokens: Math.ceil(2 * 1.3) + Math.ceil(1.3) });
  });

  it('refuses an unknown model id the way Bedrock does, which our error mapping reports as an unknown model', async () => {
    const error = await failure(invokeJson('amazon.titan-embed-text-v9', { inputText: 'x' }));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('The provided model identifier is invalid.');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    const mapped = toModelCallError(error, { modelId: 'amazon.titan-embed-text-v9', region: 'us-east-1' });
    expect(mapped).toBeInstanceOf(ModelCallError);
    expect(mapped).toMatchObject({ reason: 'unknown-model', serviceCode: 'ValidationException' });
    expect((mapped as ModelCallError).message).toContain('unknown model in us-east-1');
  });
});

describe('authentication', () => {
  const path = `/model/${encodeURIComponent(TITAN_V2)}/invoke`;

  it('rejects an unsigned request with 403 AccessDeniedException, as bedrock-runtime does', async () => {
    const res = await rawH2(path, {}, JSON.stringify({ inputText: 'x' }));
    expect(res.status).toBe(403);
    expect(String(res.headers['x-amzn-errortype'])).toMatch(/^AccessDeniedException:/);
    expect(JSON.parse(res.body)).toEqual({ message: 'Authorization header is missing' });
  });

  it('checks the SigV4 shape: service, date and signed headers', async () => {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const sign = (scope: string, signedHeaders = 'host;x-amz-date') =>
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${scope}/aws4_request, SignedHeaders=${signedHeaders}, Signature=abc123`;
    const body = JSON.stringify({ inputText: 'x' });
    const today = amzDate.slice(0, 8);

    const wrongService = await rawH2(path, { authorization: sign(`${today}/us-east-1/s3`), 'x-amz-date': amzDate }, body);
    expect(wrongService.status).toBe(403);
    expect(JSON.parse(wrongService.body).message).toContain("scoped to correct service: 'bedrock'");
    const wrongDate = await rawH2(path, { authorization: sign(`20200101/us-east-1/bedrock`), 'x-amz-date': amzDate }, body);
    expect(JSON.parse(wrongDate.body).message).toContain('Date in Credential scope does not match');
    const hostUnsigned = await rawH2(path, { authorization: sign(`${today}/us-east-1/bedrock`, 'x-amz-date'), 'x-amz-date': amzDate }, body);
    expect(JSON.parse(hostUnsigned.body).message).toContain("'Host' or ':authority' must be a 'SignedHeader'");
    const noDate = await rawH2(path, { authorization: sign(`${today}/us-east-1/bedrock`) }, body);
    expect(noDate.status).toBe(400);
    expect(String(noDate.headers['x-amzn-errortype'])).toMatch(/^IncompleteSignatureException:/);
    // Shape only by default: a well-formed header with any signature passes.
    const shapeOk = await rawH2(path, { authorization: sign(`${today}/us-east-1/bedrock`), 'x-amz-date': amzDate }, body);
    expect(shapeOk.status).toBe(200);
  });

  it('accepts a Bedrock API key as a bearer token', async () => {
    const bearerClient = clientFor({ bearerToken: 'ABSKexampleKey' });
    await invokeJson(TITAN_V2, { inputText: 'x' }, bearerClient);
    bearerClient.destroy();
    expect(emulator.requests[0]?.auth).toBe('bearer');
  });

  it('verifies SigV4 signatures in full when it knows the secret', async () => {
    const strict = await startEmulator({ port: 0, secrets: { AKIDEXAMPLE: 'secret' } });
    const sdk = (secretAccessKey: string) =>
      new BedrockRuntimeClient({ region: 'eu-west-1', endpoint: strict.url, maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey } });
    const good = sdk('secret');
    const bad = sdk('wrong');
    try {
      // The colon in the model id is percent-encoded in the path and encoded again in the canonical request.
      await good.send(new InvokeModelCommand({ modelId: TITAN_V2, body: JSON.stringify({ inputText: 'signed' }) }));
      const error = await failure(bad.send(new InvokeModelCommand({ modelId: TITAN_V2, body: JSON.stringify({ inputText: 'signed' }) })));
      expect(error.name).toBe('InvalidSignatureException');
      expect(error.message).toContain('does not match the signature you provided');
      expect(strict.requests.map((r) => r.status)).toEqual([200, 403]);
    } finally {
      good.destroy();
      bad.destroy();
      await strict.close();
    }
  });
});

describe('Claude', () => {
  it('answers Converse from the prompt’s sources with [n] markers and usage', async () => {
    const out = await client.send(
      new ConverseCommand({
        modelId: CLAUDE,
        system: [{ text: 'Answer only from the sources and cite them as [n].' }],
        messages: [{ role: 'user', content: [{ text: QUESTION }] }],
        inferenceConfig: { maxTokens: 512 },
      }),
    );
    const text = out.output?.message?.content?.[0]?.text ?? '';
    expect(text).toBe('Employees receive 25 days of paid annual leave per year. [1]');
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage?.inputTokens).toBeGreaterThan(30);
    expect(out.usage?.outputTokens).toBe(Math.ceil(11 * 1.3)); // ten words and the marker
    expect(out.usage?.totalTokens).toBe((out.usage?.inputTokens ?? 0) + (out.usage?.outputTokens ?? 0));
  });

  it('says the sources do not contain the answer when no sentence shares a content word', async () => {
    const out = await client.send(
      new ConverseCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: `${PROMPT_SOURCES}\n\nQuestion: Who won the 1998 World Cup?` }] }] }),
    );
    expect(out.output?.message?.content?.[0]?.text).toBe(NO_ANSWER);
  });

  it('rewrites a follow-up into a standalone query from the previous user turn', async () => {
    const out = await client.send(
      new ConverseCommand({
        modelId: `us.${CLAUDE}`,
        system: [{ text: 'Rewrite the last question as a standalone search query.' }],
        messages: [
          { role: 'user', content: [{ text: 'How much annual leave do employees get?' }] },
          { role: 'assistant', content: [{ text: '25 days [1]' }] },
          { role: 'user', content: [{ text: 'And when does it expire?' }] },
        ],
      }),
    );
    expect(out.output?.message?.content?.[0]?.text).toBe('And when does it expire? How much annual leave do employees get?');
    expect(emulator.requests[0]?.modelId).toBe(`us.${CLAUDE}`);
  });

  it('understands the prompts our own prompt builders write', async () => {
    const converse = async (prompt: { system: string; messages: ChatTurn[] }) => {
      const out = await client.send(
        new ConverseCommand({
          modelId: CLAUDE,
          system: [{ text: prompt.system }],
          messages: prompt.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] })),
        }),
      );
      return out.output?.message?.content?.[0]?.text;
    };
    const sources = [
      { n: 1, chunkId: 1, documentId: 1, path: 'hr/notice.md', text: 'Employees give 30 days written notice. Notice starts when the manager receives it.', score: 1 },
      { n: 2, chunkId: 2, documentId: 2, path: 'it/laptops.md', text: 'Laptops are replaced every three years.', score: 0.5 },
    ];
    const grounded = buildGroundedPrompt({ question: 'How often are laptops replaced?', sources, contextTokens: 200_000, maxOutputTokens: 512, maxSourceTokens: 6_000 });
    expect(await converse(grounded)).toBe('Laptops are replaced every three years. [2]');
    const rewrite = buildRewritePrompt({
      question: 'And for contractors?',
      history: [
        { role: 'user', content: 'How long is the notice period?' },
        { role: 'assistant', content: 'Thirty days [1].' },
      ],
    });
    expect(await converse(rewrite)).toBe('And for contractors? How long is the notice period?');
  });

  it('streams ConverseStream in several deltas that add up to the Converse answer', async () => {
    const messages = [{ role: 'user' as const, content: [{ text: QUESTION }] }];
    const whole = await client.send(new ConverseCommand({ modelId: CLAUDE, messages }));
    const out = await client.send(new ConverseStreamCommand({ modelId: CLAUDE, messages }));
    const kinds: string[] = [];
    let text = '';
    let usage: { inputTokens?: number; outputTokens?: number } | undefined;
    for await (const event of out.stream!) {
      kinds.push(Object.entries(event).find(([, value]) => value !== undefined)![0]);
      text += event.contentBlockDelta?.delta?.text ?? '';
      usage = event.metadata?.usage ?? usage;
    }
    expect(kinds[0]).toBe('messageStart');
    expect(kinds.filter((k) => k === 'contentBlockDelta').length).toBeGreaterThanOrEqual(3);
    expect(kinds.slice(-3)).toEqual(['contentBlockStop', 'messageStop', 'metadata']);
    expect(text).toBe(whole.output?.message?.content?.[0]?.text);
    expect(usage).toMatchObject({ inputTokens: whole.usage?.inputTokens, outputTokens: whole.usage?.outputTokens });
  });

  it('stops a stream when the client aborts mid-way', async () => {
    const controller = new AbortController();
    const out = await client.send(new ConverseStreamCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: QUESTION }] }] }), {
      abortSignal: controller.signal,
    });
    let deltas = 0;
    let stopped = false;
    // The SDK may end the iteration quietly or throw on abort; either way no more events arrive.
    try {
      for await (const event of out.stream!) {
        if (event.contentBlockDelta && ++deltas === 1) controller.abort();
        stopped ||= event.messageStop !== undefined;
      }
    } catch {
      // aborted
    }
    expect(deltas).toBeLessThan(3);
    expect(stopped).toBe(false);
  });

  it('answers InvokeModel and InvokeModelWithResponseStream with Anthropic messages bodies', async () => {
    const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 300, system: 'Cite sources as [n].', messages: [{ role: 'user', content: QUESTION }] });
    const whole = await invokeJson(CLAUDE, JSON.parse(body));
    expect(whole).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: expect.stringContaining('[1]') }] });

    const out = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: CLAUDE, contentType: 'application/json', body }));
    const events: Array<Record<string, unknown>> = [];
    for await (const part of out.body!) {
      if (part.chunk?.bytes) events.push(JSON.parse(new TextDecoder().decode(part.chunk.bytes)) as Record<string, unknown>);
    }
    const types = events.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const text = events.map((e) => (e.delta as { text?: string } | undefined)?.text ?? '').join('');
    expect(text).toBe((whole.content as Array<{ text: string }>)[0]!.text);
    expect(events.at(-1)?.['amazon-bedrock-invocationMetrics']).toMatchObject({ outputTokenCount: expect.any(Number) });
  });

  it('rejects an Anthropic body without anthropic_version, and Converse on an embedding model', async () => {
    const missing = await failure(invokeJson(CLAUDE, { max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(missing.message).toContain('#: required key [anthropic_version] not found');
    const wrongModel = await failure(client.send(new ConverseCommand({ modelId: TITAN_V2, messages: [{ role: 'user', content: [{ text: 'hi' }] }] })));
    expect(wrongModel.name).toBe('ValidationException');
  });

  it('finds sources in both <source n> blocks and [n] lines', () => {
    expect(findSources(PROMPT_SOURCES).map((s) => s.n)).toEqual(['1', '2']);
    expect(findSources('Sources:\n[1] First source text.\ncontinued here.\n\n[2] Second.').map((s) => s.text)).toEqual([
      'First source text.\ncontinued here.',
      'Second.',
    ]);
  });
});

describe('fault injection', () => {
  it('throttles past the rpm quota with ThrottlingException, which maps to a retryable throttle', async () => {
    emulator.setFaults({ rpm: 120 }); // 2 per second, one second of burst
    await invokeJson(TITAN_V2, { inputText: 'one' });
    await invokeJson(TITAN_V2, { inputText: 'two' });
    const error = await failure(invokeJson(TITAN_V2, { inputText: 'three' }));
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata?.httpStatusCode).toBe(429);
    expect(error.message).toBe('Too many requests, please wait before trying again.');
    expect(toModelCallError(error, { modelId: TITAN_V2 })).toMatchObject({ reason: 'throttled', isRetryable: true });
    expect(emulator.stats).toMatchObject({ requests: 3, throttled: 1, embeddedTexts: 2 });
  });

  it('fails errorRate of calls, alternating ServiceUnavailable and ModelNotReady', async () => {
    emulator.setFaults({ errorRate: 1 });
    const first = await failure(invokeJson(TITAN_V2, { inputText: 'x' }));
    const second = await failure(invokeJson(TITAN_V2, { inputText: 'x' }));
    expect([first.name, first.$metadata?.httpStatusCode]).toEqual(['ServiceUnavailableException', 503]);
    expect([second.name, second.$metadata?.httpStatusCode]).toEqual(['ModelNotReadyException', 429]);
    expect(toModelCallError(first, { modelId: TITAN_V2 })).toMatchObject({ isRetryable: true });
  });

  it('lets the core retry function repeat injected errors until a call gets through (the SDK makes one attempt)', async () => {
    // Seeded: the second call fails once with ServiceUnavailable and its retry succeeds.
    emulator.setFaults({ errorRate: 0.3 });
    for (let i = 0; i < 4; i++) {
      await retryModelCall(() => invokeJson(TITAN_V2, { inputText: `retry ${i}` }).catch((e: unknown) => Promise.reject(toModelCallError(e, { modelId: TITAN_V2 }))), { sleep: async () => {} });
    }
    expect(emulator.stats).toMatchObject({ embeddedTexts: 4, errors: 1, requests: 5 });
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 503, 200, 200, 200]);
  });

  it('adds latency per call', async () => {
    emulator.setFaults({ latencyMs: 60 });
    const started = performance.now();
    await invokeJson(TITAN_V2, { inputText: 'slow' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('serves control endpoints over HTTP/1.1: stats, faults and reset', async () => {
    await invokeJson(TITAN_V2, { inputText: 'counted' });
    const stats = (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ requests: 1, byRoute: { invoke: 1 }, byModel: { [TITAN_V2]: 1 }, embeddedTexts: 1, throttled: 0 });

    const set = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ throttleRate: 1 }) });
    expect(await set.json()).toMatchObject({ throttleRate: 1 });
    expect((await failure(invokeJson(TITAN_V2, { inputText: 'x' }))).name).toBe('ThrottlingException');
    const invalid = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 2 }) });
    expect(invalid.status).toBe(400);

    await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' });
    expect(emulator.stats.requests).toBe(0);
    expect(emulator.requests).toEqual([]);
  });

  it('answers a model call over HTTP/1.1 too (curl with a bearer token)', async () => {
    const res = await fetch(`${emulator.url}/model/${encodeURIComponent(TITAN_V2)}/invoke`, {
      method: 'POST',
      headers: { authorization: 'Bearer ABSKexample', 'content-type': 'application/json' },
      body: JSON.stringify({ inputText: 'curl' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amzn-bedrock-input-token-count')).toBe('2');
  });
});

describe('kb emulator', () => {
  it('prints the URL, serves until the signal aborts, and exits 0', async () => {
    const controller = new AbortController();
    let stdout = '';
    const ctx = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, env: {}, cwd: process.cwd(), signal: controller.signal };
    const exit = runEmulatorCommand([], { port: 0, rpm: 5 }, ctx);
    await expect.poll(() => stdout).toMatch(/^Bedrock emulator listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const url = stdout.trim().split(' ').at(-1)!;
    const stats = (await (await fetch(`${url}/_emulator/stats`)).json()) as { faults: { rpm: number } };
    expect(stats.faults.rpm).toBe(5);
    controller.abort();
    await expect(exit).resolves.toBe(0);
  });

  it('rejects an out-of-range flag with a UsageError naming it', async () => {
    const ctx = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: process.cwd(), signal: AbortSignal.abort() };
    await expect(runEmulatorCommand([], { throttleRate: 2 }, ctx)).rejects.toThrow(UsageError);
    await expect(runEmulatorCommand([], { throttleRate: 2 }, ctx)).rejects.toThrow('--throttle-rate must be a number from 0 to 1, got "2".');
  });
});
