import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answerer, AnswerInput } from '../src/answer/answerer.js';
import { openStore } from '../src/store/sqlite-store.js';
import { runCli } from '../src/cli/run-cli.js';
import { ModelCallError, UsageError } from '../src/errors.js';
import { runIndexUnderLock } from '../src/app/run-index.js';
import { acquireIndexLock } from '../src/store/index-lock.js';
import { createEmbedder } from '../src/models/create-embedder.js';
import { loadConfig, type LoadedConfig } from '../src/config.js';
import { openKnowledgeBase } from '../src/app/open-knowledge-base.js';
import { isLoopback, startServer } from '../src/server/start-server.js';
import { documentDetailSchema, documentListSchema, jobSchema, problemSchema, queryResponseSchema, retrieveResponseSchema } from '../src/server/schemas.js';
import type { AnswerResult } from '../src/types.js';
import { indexedKb, indexWithCli, type KbFixture, memoryCtx, serve } from './server-fixture.js';
import { tempDir } from './temp-dir.js';

const QUESTION = 'How long is the notice period?';
const ADMIN_KEY = 'admin-secret-0123456789abcdef';
const READER_KEY = 'reader-secret-0123456789abcdef';
const KEYS_ENV = `ops:admin:${ADMIN_KEY},ci:reader:${READER_KEY}`;

type Json = Record<string, any>;

async function call(url: string, path: string, { method = 'GET', body, key, headers = {} }: { method?: string; body?: unknown; key?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(url + path, {
    method,
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    /* not JSON: metrics, SSE */
  }
  return { status: res.status, headers: res.headers, text, json };
}

function parseSse(text: string): Array<{ event: string; data: Json }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: JSON.parse(data.join('\n')) as Json };
    });
}

function expectProblem(r: { status: number; headers: Headers; json: Json }, status: number) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  problemSchema.parse(r.json);
  expect(r.json.status).toBe(status);
  expect(r.json.instance).toMatch(/^\//);
}

/** Answerer doubles: they implement the real interface and fail loudly on anything not set up. */
const notSetUp = async (): Promise<never> => {
  throw new Error('answerer double: rewriteQuery was not set up for this test');
};

function fixedResult(input: AnswerInput, extra: Partial<AnswerResult> = {}): AnswerResult {
  const s = input.sources[0]!;
  return {
    answer: `Thirty days. [${s.n}]`, found: true, sources: input.sources, model: 'double-model',
    citations: [{ n: s.n, documentId: s.documentId, path: s.path, snippet: s.text.slice(0, 80), score: s.score, supported: true }],
    usage: { inputTokens: 120, outputTokens: 8, embeddingTokens: 0 }, cost: { usd: 0.0015, byModel: { 'double-model': 0.0015 } }, ...extra,
  };
}

/** Streams one token, then waits until its signal aborts; records the abort. */
function slowAnswerer() {
  const state = { started: 0, aborted: 0 };
  const answerer: Answerer = {
    modelId: 'slow-double',
    rewriteQuery: notSetUp,
    async answer({ signal, onToken }) {
      state.started++;
      onToken?.('Thinking');
      return new Promise<AnswerResult>((_resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('slow double: the signal never aborted')), 20_000);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          state.aborted++;
          reject(signal.reason as Error);
        }, { once: true });
      });
    },
  };
  return { answerer, state };
}

/** Holds every answer until release() is called. */
function gatedAnswerer() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const state = { started: 0 };
  const answerer: Answerer = {
    modelId: 'double-model',
    rewriteQuery: notSetUp,
    async answer(input) {
      state.started++;
      await gate;
      return fixedResult(input);
    },
  };
  return { answerer, state, release: () => open() };
}

function throwingAnswerer(error: Error): Answerer {
  return {
    modelId: 'anthropic.claude-double',
    rewriteQuery: notSetUp,
    async answer({ onToken }) {
      onToken?.('Partial ');
      throw error;
    },
  };
}

const throttled = () =>
  new ModelCallError('ThrottlingException: Too many requests', { modelId: 'anthropic.claude-double', statusCode: 429, reason: 'throttled', isRetryable: true, isFatal: false, retryAfterMs: 2500, serviceCode: 'ThrottlingException' });

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let base: KbFixture;
beforeAll(async () => {
  base = await indexedKb();
});
afterAll(() => base?.close());

describe('query', () => {
  it('answers as JSON with citations, usage and timings, and echoes the request id', async () => {
    const s = await serve(base);
    try {
      const r = await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION }, headers: { 'X-Request-Id': 'test-req-1' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-request-id')).toBe('test-req-1');
      const body = queryResponseSchema.parse(r.json);
      expect(body.found).toBe(true);
      expect(body.answer).toMatch(/30 days/);
      expect(body.citations.length).toBeGreaterThan(0);
      expect(body.citations[0]!.path).toMatch(/notice-periods-and-resignation\.md$/);
      expect(body.citations[0]!.snippet.length).toBeGreaterThan(0);
      expect(body.model).toBe('extractive');
      expect(body.usage).toEqual({ inputTokens: 0, outputTokens: 0, embeddingTokens: 0 });
      expect(body.timings.totalMs).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  it('says so, without citations, when nothing is relevant', async () => {
    const s = await serve(base);
    try {
      const r = await call(s.url, '/v1/query', { method: 'POST', body: { question: 'What is the airspeed velocity of an unladen swallow?' } });
      expect(r.status).toBe(200);
      expect(r.json.found).toBe(false);
      expect(r.json.citations).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('takes filters, history and params, and rejects invalid ones naming the field', async () => {
    const s = await serve(base);
    try {
      const purchase = 'Who must approve a purchase over $50,000?';
      const filtered = await call(s.url, '/v1/query', { method: 'POST', body: { question: purchase, filters: { pathPrefix: 'data/finance/' } } });
      expect(filtered.status).toBe(200);
      expect(filtered.json.found).toBe(true);
      expect(filtered.json.citations.length).toBeGreaterThan(0);
      for (const c of filtered.json.citations as Json[]) expect(c.path).toMatch(/^data\/finance\//);
      // The same question kept to hr/ cannot cite the finance policy that answers it.
      const elsewhere = await call(s.url, '/v1/query', { method: 'POST', body: { question: purchase, filters: { pathPrefix: 'data/hr/' } } });
      expect(elsewhere.status).toBe(200);
      for (const c of elsewhere.json.citations as Json[]) expect(c.path).toMatch(/^data\/hr\//);

      const cases: Array<[unknown, string]> = [
        [{ question: QUESTION, topK: 1000 }, 'topK: Too big: expected number to be <=100'],
        [{ question: '' }, 'question: Too small'],
        [{}, 'question: Invalid input: expected string'],
        [{ question: QUESTION, history: [{ role: 'system', content: 'x' }] }, 'history.0.role:'],
        [{ question: QUESTION, filters: { formats: ['exe'] } }, 'filters.formats.0:'],
        [{ question: QUESTION, params: { temperature: 3 } }, 'params.temperature: Too big'],
        [{ question: QUESTION, color: 'red' }, 'Unrecognized key: "color"'],
        [[1, 2], 'body: Invalid input: expected object'],
      ];
      for (const [body, detail] of cases) {
        const r = await call(s.url, '/v1/query', { method: 'POST', body });
        expectProblem(r, 400);
        expect(r.json.detail).toContain(detail);
        expect(r.json.errors.length).toBeGreaterThan(0);
      }
    } finally {
      await s.close();
    }

    // A follow-up: the history reaches the query rewrite, the rewritten query drives retrieval, and the answerer
    // gets the history and the params.
    const calls: { rewrite: Array<{ question: string; history: unknown }>; answer: AnswerInput[] } = { rewrite: [], answer: [] };
    const recording: Answerer = {
      modelId: 'double-model',
      async rewriteQuery(question, history) {
        calls.rewrite.push({ question, history });
        return { query: 'notice period during probation', inputTokens: 0, outputTokens: 0 };
      },
      async answer(input) {
        calls.answer.push(input);
        return fixedResult(input);
      },
    };
    const s2 = await serve(base, { answerer: recording });
    try {
      const history = [{ role: 'user', content: QUESTION }, { role: 'assistant', content: 'It is 30 days.' }];
      const followUp = await call(s2.url, '/v1/query', { method: 'POST', body: { question: 'And during probation?', history, params: { maxTokens: 200, temperature: 0 } } });
      expect(followUp.status).toBe(200);
      expect(calls.rewrite).toEqual([{ question: 'And during probation?', history }]);
      expect(calls.answer).toHaveLength(1);
      expect(calls.answer[0]!.question).toBe('And during probation?');
      expect(calls.answer[0]!.history).toEqual(history);
      expect(calls.answer[0]!.params).toEqual({ maxTokens: 200, temperature: 0 });
      // "And during probation?" alone shares no term with the notice policy; the rewritten query found it.
      expect(calls.answer[0]!.sources[0]!.path).toMatch(/notice-periods/);
      expect(followUp.json.citations[0].path).toMatch(/notice-periods/);
    } finally {
      await s2.close();
    }
  });

  it('limits question length to server.maxQuestionChars, naming the field', async () => {
    const s = await serve(base, { server: { maxQuestionChars: 40 } });
    try {
      const r = await call(s.url, '/v1/query', { method: 'POST', body: { question: 'x'.repeat(41) } });
      expectProblem(r, 400);
      expect(r.json.detail).toBe('question: Too big: expected string to have <=40 characters');
      expect(r.json.errors).toEqual([{ field: 'question', message: 'Too big: expected string to have <=40 characters' }]);
    } finally {
      await s.close();
    }
  });

  it('streams Server-Sent Events: sources, token+, citations, usage, done', async () => {
    const s = await serve(base);
    try {
      for (const how of [{ headers: { Accept: 'text/event-stream' } }, { body: { question: QUESTION, stream: true } }]) {
        const r = await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION }, ...how });
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const events = parseSse(r.text);
        const names = events.map((e) => e.event);
        expect(names[0]).toBe('sources');
        expect(names.slice(-3)).toEqual(['citations', 'usage', 'done']);
        const tokens = names.slice(1, -3);
        expect(tokens.length).toBeGreaterThan(0);
        expect(new Set(tokens)).toEqual(new Set(['token']));
        expect(events[0]!.data.sources[0].path).toMatch(/notice-periods/);
        const text = events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
        expect(text).toMatch(/30 days/);
        expect(events.at(-3)!.data.citations[0].snippet).toBeTruthy();
        expect(events.at(-2)!.data.usage).toEqual({ inputTokens: 0, outputTokens: 0, embeddingTokens: 0 });
        expect(events.at(-1)!.data).toEqual({ found: true, answer: text });
      }
    } finally {
      await s.close();
    }
  });

  it('aborts the model call when the client disconnects mid-stream', async () => {
    const { answerer, state } = slowAnswerer();
    const lines: string[] = [];
    const s = await serve(base, { answerer, logger: pino({ level: 'info' }, { write: (l: string) => lines.push(l) }) });
    try {
      const controller = new AbortController();
      const res = await fetch(`${s.url}/v1/query`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' }, body: JSON.stringify({ question: QUESTION }), signal: controller.signal,
      });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let seen = '';
      while (!seen.includes('event: token')) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before a token: ${seen}`);
        seen += value;
      }
      expect(state.started).toBe(1);
      expect(state.aborted).toBe(0);
      controller.abort();
      await until(() => state.aborted === 1, 'the answerer to see the abort');
      await until(() => lines.some((l) => l.includes('"audit":"query"')), 'the audit line');
      expect(JSON.parse(lines.find((l) => l.includes('"audit":"query"'))!)).toMatchObject({ outcome: 'aborted', status: 499 });
    } finally {
      await s.close();
    }
  });

  it('refuses a query beyond maxConcurrentModelCalls with 503 and Retry-After, without queueing', async () => {
    const { answerer, state, release } = gatedAnswerer();
    const s = await serve(base, { answerer, server: { maxConcurrentModelCalls: 1 } });
    try {
      const first = call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      await until(() => state.started === 1, 'the first answer to start');
      const second = await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      expectProblem(second, 503);
      expect(second.json.code).toBe('OVERLOADED');
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
      release();
      expect((await first).status).toBe(200);
      // The slot is given back.
      expect((await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION } })).status).toBe(200);
    } finally {
      release();
      await s.close();
    }
  });

  it('maps a retryable Bedrock failure to 503 with Retry-After, a permanent one to 502, and mid-stream to an error event', async () => {
    const s = await serve(base, { answerer: throwingAnswerer(throttled()) });
    try {
      const r = await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      expectProblem(r, 503);
      expect(r.headers.get('retry-after')).toBe('3');
      expect(r.json.code).toBe('MODEL_THROTTLED');
      // The model error's own message, once: no "retry later.). Retry later." wrapping.
      expect(r.json.detail).toBe('ThrottlingException: Too many requests');

      const streamed = await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION, stream: true } });
      expect(streamed.status).toBe(200);
      const events = parseSse(streamed.text);
      expect(events.map((e) => e.event)).toEqual(['sources', 'token', 'error']);
      expect(problemSchema.parse(events.at(-1)!.data)).toMatchObject({ status: 503, code: 'MODEL_THROTTLED' });

      const metrics = await call(s.url, '/metrics');
      expect(metrics.text).toMatch(/kb_model_throttles_total\{model="anthropic.claude-double"\} 2/);
    } finally {
      await s.close();
    }
    const denied = new ModelCallError('AccessDeniedException: not allowed', { modelId: 'm', statusCode: 403, reason: 'access-denied', isRetryable: false, isFatal: true, serviceCode: 'AccessDeniedException' });
    const s2 = await serve(base, { answerer: throwingAnswerer(denied) });
    try {
      const r = await call(s2.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      expectProblem(r, 502);
      expect(r.headers.get('retry-after')).toBeNull();
    } finally {
      await s2.close();
    }
  });

  it('hides unexpected errors behind a generic 500 that names the request id', async () => {
    const s = await serve(base, { answerer: throwingAnswerer(new Error('secret internal detail')) });
    try {
      const r = await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      expectProblem(r, 500);
      expect(r.json.detail).not.toContain('secret');
      expect(r.json.requestId).toBe(r.headers.get('x-request-id'));
    } finally {
      await s.close();
    }
  });
});

describe('retrieve and documents', () => {
  it('retrieves ranked chunks, honours topK and filters', async () => {
    const s = await serve(base);
    try {
      const r = await call(s.url, '/v1/retrieve', { method: 'POST', body: { query: 'notice period', topK: 3 } });
      expect(r.status).toBe(200);
      const body = retrieveResponseSchema.parse(r.json);
      expect(body.chunks.length).toBeGreaterThan(0);
      expect(body.chunks.length).toBeLessThanOrEqual(3);
      expect(body.chunks[0]!.path).toMatch(/notice-periods/);
      expect(body.chunks[0]!.score).toBeGreaterThanOrEqual(body.chunks.at(-1)!.score);
      const filtered = await call(s.url, '/v1/retrieve', { method: 'POST', body: { query: 'policy', filters: { pathGlob: 'data/it/**', formats: ['markdown'] } } });
      expect(filtered.json.chunks.length).toBeGreaterThan(0);
      for (const c of filtered.json.chunks as Json[]) expect(c.path).toMatch(/^data\/it\/.*\.md$/);
      const bad = await call(s.url, '/v1/retrieve', { method: 'POST', body: { query: 'x', topK: 0 } });
      expectProblem(bad, 400);
      expect(bad.json.detail).toBe('topK: Too small: expected number to be >=1');
    } finally {
      await s.close();
    }
  });

  it('lists documents in pages and gets one with its chunks', async () => {
    const s = await serve(base);
    try {
      const page1 = documentListSchema.parse((await call(s.url, '/v1/documents?limit=5')).json);
      expect(page1.total).toBe(21);
      expect(page1.documents).toHaveLength(5);
      const last = documentListSchema.parse((await call(s.url, '/v1/documents?limit=5&offset=20')).json);
      expect(last.documents).toHaveLength(1);
      expect(new Set([...page1.documents, ...last.documents].map((d) => d.id)).size).toBe(6);
      expect((await call(s.url, '/v1/documents?pathPrefix=&limit=&offset=')).json).toMatchObject({ total: 21, limit: 50, offset: 0 });
      const hr = (await call(s.url, '/v1/documents?pathPrefix=data/hr/')).json;
      expect(hr.total).toBe(7);
      expect(JSON.stringify(hr)).not.toContain(base.dir); // no absolute server paths

      const doc = documentDetailSchema.parse((await call(s.url, `/v1/documents/${page1.documents[0]!.id}`)).json);
      expect(doc.chunks.length).toBe(doc.chunkCount);
      expect(doc.chunks[0]!.text.length).toBeGreaterThan(0);

      expectProblem(await call(s.url, '/v1/documents/99999'), 404);
      const badId = await call(s.url, '/v1/documents/abc');
      expectProblem(badId, 400);
      expect(badId.json.detail).toMatch(/^id: /);
      const badLimit = await call(s.url, '/v1/documents?limit=0');
      expectProblem(badLimit, 400);
      expect(badLimit.json.detail).toBe('limit: Too small: expected number to be >=1');
      expectProblem(await call(s.url, '/v1/nope'), 404);
    } finally {
      await s.close();
    }
  });

  it('deletes a document under the index lock and updates the vector index (409 while the lock is held)', async () => {
    const kb = await indexedKb();
    const s = await serve(kb);
    try {
      const list = (await call(s.url, '/v1/documents?pathPrefix=data/hr/notice')).json;
      const id = list.documents[0].id as number;
      const release = await acquireIndexLock(kb.kbDir);
      const locked = await call(s.url, `/v1/documents/${id}`, { method: 'DELETE' });
      release();
      expectProblem(locked, 409);
      expect(locked.json.code).toBe('INDEX_LOCKED');

      const r = await call(s.url, `/v1/documents/${id}`, { method: 'DELETE' });
      expect(r.status).toBe(200);
      expect(r.json.removed).toEqual({ id, path: 'data/hr/notice-periods-and-resignation.md' });
      expect(r.json.chunks).toBeGreaterThan(0);
      expectProblem(await call(s.url, `/v1/documents/${id}`), 404);
      expectProblem(await call(s.url, `/v1/documents/${id}`, { method: 'DELETE' }), 404);
      const after = await call(s.url, '/v1/retrieve', { method: 'POST', body: { query: 'notice period resignation' } });
      for (const c of after.json.chunks as Json[]) expect(c.documentId).not.toBe(id);
      // The saved vector index was updated in place and matches the database.
      expect((await kb.kb.retriever.warm()).rebuilt).toBe(false);
    } finally {
      await s.close();
      await kb.close();
    }
  });

  it('sees what a separate kb index run wrote, without a restart', async () => {
    const kb = await indexedKb();
    const s = await serve(kb);
    try {
      expect((await call(s.url, '/v1/retrieve', { method: 'POST', body: { query: 'zorblatt quokka' } })).json.chunks).toEqual([]);
      const extra = join(kb.dir, 'extra');
      mkdirSync(extra);
      writeFileSync(join(extra, 'zorblatt-quokka.md'), '# Zorblatt quokka\n\nEvery employee may take a zorblatt quokka of twelve weeks after five years of service.\n');
      writeFileSync(join(extra, 'second.md'), '# Second\n\nAnother new document about badge photos and lanyards.\n');
      await indexWithCli(extra, kb.kbDir, kb.dir);

      const docs = (await call(s.url, '/v1/documents?pathPrefix=extra/')).json;
      expect(docs.total).toBe(2);
      const found = (await call(s.url, '/v1/retrieve', { method: 'POST', body: { query: 'zorblatt quokka' } })).json;
      expect(found.chunks[0].path).toBe('extra/zorblatt-quokka.md');
      const answer = (await call(s.url, '/v1/query', { method: 'POST', body: { question: 'How long is the zorblatt quokka?' } })).json;
      expect(answer.answer).toMatch(/twelve weeks/);
    } finally {
      await s.close();
      await kb.close();
    }
  });
});

describe('index jobs', () => {
  it('runs a background job: 202, progress, succeeded; a second request while it runs is 409 naming it', async () => {
    const kb = await indexedKb();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const s = await serve(kb, { indexJobs: { runIndex: async (target, options) => (await gate, runIndexUnderLock(target, options)) } });
    try {
      writeFileSync(join(kb.dataDir, 'hr', 'new-policy.md'), '# Bicycle allowance\n\nEmployees who cycle to work get a bicycle allowance of 20 euros a month.\n');
      const started = await call(s.url, '/v1/index', { method: 'POST' });
      expect(started.status).toBe(202);
      const jobId = started.json.jobId as string;
      expect(started.headers.get('location')).toBe(`/v1/jobs/${jobId}`);
      const running = jobSchema.parse((await call(s.url, `/v1/jobs/${jobId}`)).json);
      expect(running.status).toBe('running');

      const second = await call(s.url, '/v1/index', { method: 'POST' });
      expectProblem(second, 409);
      expect(second.json.jobId).toBe(jobId);
      const deleteWhileRunning = await call(s.url, '/v1/documents/1', { method: 'DELETE' });
      expectProblem(deleteWhileRunning, 409);
      expect(deleteWhileRunning.json.detail).toMatch(/index job of this server is running/);

      open();
      let job: Json = {};
      await until(async () => (job = (await call(s.url, `/v1/jobs/${jobId}`)).json).status !== 'running', 'the job to finish');
      jobSchema.parse(job);
      expect(job.status).toBe('succeeded');
      expect(job.progress).toEqual({ done: 1, total: 1 });
      expect(job.summary.files.new).toBe(1);
      expect(job.errors).toEqual([]);
      expect((await call(s.url, '/v1/documents?pathPrefix=data/hr/new-policy')).json.total).toBe(1);
      // Finished: another job may start.
      const again = await call(s.url, '/v1/index', { method: 'POST' });
      expect(again.status).toBe(202);
      await until(async () => (await call(s.url, `/v1/jobs/${again.json.jobId}`)).json.status === 'succeeded', 'the second job');

      expectProblem(await call(s.url, '/v1/jobs/00000000-0000-4000-8000-000000000000'), 404);
      const badJob = await call(s.url, '/v1/jobs/not-a-uuid');
      expectProblem(badJob, 400);
      expect(badJob.json.detail).toMatch(/^id: /);
    } finally {
      open();
      await s.close();
      await kb.close();
    }
  });

  it('reports files that fail as a partial job with errors', async () => {
    const kb = await indexedKb();
    const s = await serve(kb);
    try {
      writeFileSync(join(kb.dataDir, 'broken.pdf'), 'this is not a pdf');
      const started = await call(s.url, '/v1/index', { method: 'POST' });
      let job: Json = {};
      await until(async () => (job = (await call(s.url, `/v1/jobs/${started.json.jobId}`)).json).status !== 'running', 'the job to finish');
      expect(job.status).toBe('partial');
      expect(job.errors).toEqual([expect.objectContaining({ path: 'data/broken.pdf' })]);
    } finally {
      await s.close();
      await kb.close();
    }
  });

  it('keeps answering consistently while an index job writes', async () => {
    const kb = await indexedKb();
    // The job's embedder lets its first batch through, then holds every later one until the test has run its
    // queries: "during the job" is an observed state, not a guess about how long indexing takes.
    let reachedGate!: () => void;
    const gateReached = new Promise<void>((resolve) => (reachedGate = resolve));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let embedCalls = 0;
    const gatedEmbedder = async (config: LoadedConfig) => {
      const real = await createEmbedder(config);
      return Object.assign(Object.create(real) as typeof real, {
        embed: async (texts: string[], options: Parameters<typeof real.embed>[1]) => {
          if (++embedCalls > 1) {
            reachedGate();
            await gate;
          }
          return real.embed(texts, options);
        },
      });
    };
    const s = await serve(kb, { server: { rateLimitPerMinute: 100_000 }, indexJobs: { createEmbedder: gatedEmbedder } });
    try {
      const extra = join(kb.dataDir, 'teams');
      mkdirSync(extra);
      for (let i = 0; i < 150; i++) {
        writeFileSync(join(extra, `team-${i}.md`), `# Team ${i} handbook\n\nThe notice period for team ${i} contractors is ${i + 10} days. Contractors in team ${i} give notice in writing.\n`);
      }
      writeFileSync(join(kb.dataDir, 'hr', 'notice-periods-and-resignation.md'), '# Notice Periods and Resignation\n\n## Notice periods\n\nThe notice period for employees is 45 days from now on.\n');
      const started = await call(s.url, '/v1/index', { method: 'POST' });
      expect(started.status).toBe(202);
      const jobId = started.json.jobId as string;
      const results: Array<Awaited<ReturnType<typeof call>>> = [];
      const ask = (c: number) => call(s.url, c % 2 ? '/v1/retrieve' : '/v1/query', { method: 'POST', body: c % 2 ? { query: 'notice period contractors' } : { question: QUESTION } });
      await gateReached;
      // Four clients, three rounds each, while the job is held mid-run.
      await Promise.all(Array.from({ length: 4 }, async (_, c) => {
        for (let i = 0; i < 3; i++) results.push(await ask(c));
      }));
      expect((await call(s.url, `/v1/jobs/${jobId}`)).json.status).toBe('running');
      openGate();
      let jobDone = false;
      const pollJob = (async () => {
        while ((await call(s.url, `/v1/jobs/${jobId}`)).json.status === 'running') await sleep(10);
        jobDone = true;
      })();
      const clients = Array.from({ length: 4 }, async (_, c) => {
        for (let i = 0; !jobDone || i < 3; i++) results.push(await ask(c));
      });
      await Promise.all([pollJob, ...clients]);
      expect((await call(s.url, `/v1/jobs/${jobId}`)).json.status).toBe('succeeded');
      expect(embedCalls).toBeGreaterThan(1);
      const statuses = new Set(results.map((r) => r.status));
      expect(statuses).toEqual(new Set([200]));
      const cited = new Map<number, string>();
      for (const r of results) for (const c of [...(r.json.citations ?? []), ...(r.json.chunks ?? [])] as Json[]) cited.set(c.documentId, c.path);
      expect(cited.size).toBeGreaterThan(1);
      for (const [id, path] of cited) {
        const doc = await call(s.url, `/v1/documents/${id}`);
        expect(doc.status).toBe(200);
        expect(doc.json.path).toBe(path);
      }
      const changed = (await call(s.url, '/v1/retrieve', { method: 'POST', body: { query: 'notice period employees', filters: { pathPrefix: 'data/hr/notice' } } })).json;
      expect(changed.chunks[0].text).toMatch(/45 days/);
    } finally {
      await s.close();
      await kb.close();
    }
  });

  it('needs configured roots, or roots an earlier run recorded', async () => {
    const dir = tempDir();
    const config = loadConfig({ cwd: dir, env: {}, flags: { kbDir: join(dir, '.kb'), roots: [] } });
    openStore(config.kbDir).close(); // an empty knowledge base, never indexed
    const kb = await openKnowledgeBase(config);
    const s = await serve({ dir, dataDir: dir, kbDir: config.kbDir, config, kb, close: () => kb.close() });
    try {
      const r = await call(s.url, '/v1/index', { method: 'POST' });
      expectProblem(r, 400);
      expect(r.json.detail).toMatch(/roots/);
    } finally {
      await s.close();
      await kb.close();
    }
  });
});

describe('security', () => {
  it('enforces keys and roles: 401 without or with a wrong key, 403 for a reader on admin routes', async () => {
    const s = await serve(base, { env: { apiKeys: KEYS_ENV } });
    try {
      const noKey = await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      expectProblem(noKey, 401);
      expect(noKey.headers.get('www-authenticate')).toBe('Bearer realm="kb"');
      const wrong = await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION }, key: 'wrong-key-0123456789abcdef' });
      expectProblem(wrong, 401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="kb", error="invalid_token"');
      expectProblem(await call(s.url, '/v1/documents', { headers: { Authorization: `Basic ${Buffer.from(`x:${READER_KEY}`).toString('base64')}` } }), 401);

      const readerRoutes: Array<[string, string, unknown?]> = [
        ['POST', '/v1/query', { question: QUESTION }],
        ['POST', '/v1/retrieve', { query: 'notice' }],
        ['GET', '/v1/documents'],
        ['GET', '/v1/documents/1'],
        ['GET', '/metrics'],
      ];
      for (const [method, path, body] of readerRoutes) {
        expectProblem(await call(s.url, path, { method, body }), 401);
        expect((await call(s.url, path, { method, body, key: READER_KEY })).status).toBe(200);
        expect((await call(s.url, path, { method, body, key: ADMIN_KEY })).status).toBe(200);
      }
      const adminRoutes: Array<[string, string]> = [
        ['DELETE', '/v1/documents/99999'],
        ['POST', '/v1/index'],
        ['GET', '/v1/jobs/00000000-0000-4000-8000-000000000000'],
      ];
      for (const [method, path] of adminRoutes) {
        expectProblem(await call(s.url, path, { method }), 401);
        const forbidden = await call(s.url, path, { method, key: READER_KEY });
        expectProblem(forbidden, 403);
        expect(forbidden.json.detail).toMatch(/admin/);
      }
      // Admin passes auth and reaches the route (404s: no such document or job; POST /v1/index is tested elsewhere).
      expect((await call(s.url, '/v1/documents/99999', { method: 'DELETE', key: ADMIN_KEY })).status).toBe(404);
      expect((await call(s.url, '/v1/jobs/00000000-0000-4000-8000-000000000000', { key: ADMIN_KEY })).status).toBe(404);

      // Public: probes, the page, its config and the API description.
      for (const path of ['/healthz', '/readyz', '/', '/app.js', '/app.css', '/openapi.json']) expect((await call(s.url, path)).status).toBe(200);
      expect((await call(s.url, '/v1/config')).json).toMatchObject({ authRequired: true });
    } finally {
      await s.close();
    }
  });

  it('logs an audit line per query with the key id and question hash, and never a key', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const s = await serve(base, { env: { apiKeys: KEYS_ENV }, logger });
    try {
      await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION }, key: READER_KEY });
      await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION }, key: 'wrong-key-0123456789abcdef' });
      await call(s.url, '/v1/documents', { key: ADMIN_KEY });
      const audits = lines.map((l) => JSON.parse(l) as Json).filter((l) => l.audit === 'query');
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({
        keyId: 'ci', outcome: 'answered', status: 200, model: 'extractive', tokens: { input: 0, output: 0, embedding: 0 },
        questionSha256: createHash('sha256').update(QUESTION).digest('hex'),
      });
      expect(audits[0]!.documentsCited[0].path).toMatch(/notice-periods/);
      expect(audits[0]!.reqId).toBeTruthy();
      const all = lines.join('\n');
      for (const secret of [ADMIN_KEY, READER_KEY, 'wrong-key-0123456789abcdef']) expect(all).not.toContain(secret);
      expect(all).not.toContain(QUESTION); // hashed, not kept
      expect(all).not.toContain('30 days'); // document text only at debug level
    } finally {
      await s.close();
    }
    const textLines: string[] = [];
    const s2 = await serve(base, { server: { auditQuestions: 'text' }, logger: pino({ level: 'debug' }, { write: (l: string) => textLines.push(l) }) });
    try {
      await call(s2.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      const audit = textLines.map((l) => JSON.parse(l) as Json).find((l) => l.audit === 'query')!;
      expect(audit).toMatchObject({ keyId: 'anonymous', question: QUESTION });
      expect(textLines.some((l) => JSON.parse(l).level === 20 && l.includes('30 days'))).toBe(true);
    } finally {
      await s2.close();
    }
  });

  it('rejects an oversized body with 413, malformed JSON with 400 and a non-JSON body with 415', async () => {
    const s = await serve(base, { server: { maxBodyBytes: 1024 } });
    try {
      const big = await call(s.url, '/v1/query', { method: 'POST', body: { question: 'x'.repeat(5000) } });
      expectProblem(big, 413);
      expect(big.json.detail).toMatch(/1024 bytes/);
      const malformed = await call(s.url, '/v1/query', { method: 'POST', body: '{"question": "unterminated' });
      expectProblem(malformed, 400);
      expect(malformed.json.code).toBe('MALFORMED_JSON');
      const text = await call(s.url, '/v1/retrieve', { method: 'POST', body: 'query=notice', headers: { 'Content-Type': 'text/plain' } });
      expectProblem(text, 415);
    } finally {
      await s.close();
    }
  });

  it('rate-limits per key with 429 and Retry-After', async () => {
    const s = await serve(base, { env: { apiKeys: KEYS_ENV }, server: { rateLimitPerMinute: 3 } });
    try {
      for (let i = 0; i < 3; i++) expect((await call(s.url, '/v1/documents?limit=1', { key: READER_KEY })).status).toBe(200);
      const limited = await call(s.url, '/v1/documents?limit=1', { key: READER_KEY });
      expectProblem(limited, 429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.json.detail).toContain('"ci"');
      // Another key has its own budget.
      expect((await call(s.url, '/v1/documents?limit=1', { key: ADMIN_KEY })).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('rate-limits per client address when auth is off', async () => {
    const s = await serve(base, { server: { rateLimitPerMinute: 2 } });
    try {
      await call(s.url, '/v1/documents');
      await call(s.url, '/v1/documents');
      expectProblem(await call(s.url, '/v1/documents'), 429);
    } finally {
      await s.close();
    }
  });

  it('sends security headers with a CSP that allows only same-origin script and style', async () => {
    const s = await serve(base);
    try {
      const page = await call(s.url, '/');
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(page.headers.get('x-powered-by')).toBeNull();
      expect(page.text).not.toMatch(/<script>|<style>|style="/); // nothing inline for the CSP to block
      expect(page.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await s.close();
    }
  });

  it('answers CORS only for configured origins', async () => {
    const none = await serve(base);
    try {
      const r = await call(none.url, '/v1/documents', { headers: { Origin: 'https://intranet.example' } });
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await none.close();
    }
    const s = await serve(base, { server: { corsOrigins: ['https://intranet.example'] } });
    try {
      const allowed = await call(s.url, '/v1/documents', { headers: { Origin: 'https://intranet.example' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://intranet.example');
      const preflight = await call(s.url, '/v1/query', { method: 'OPTIONS', headers: { Origin: 'https://intranet.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const other = await call(s.url, '/v1/documents', { headers: { Origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.headers.get('vary')).toMatch(/Origin/);
    } finally {
      await s.close();
    }
  });

  it('refuses to listen beyond loopback without keys unless told it is insecure on purpose', async () => {
    const app = () => {};
    await expect(startServer({ app, host: '0.0.0.0', port: 0, authEnabled: false })).rejects.toThrow(UsageError);
    await expect(startServer({ app, host: '192.0.2.10', port: 0, authEnabled: false })).rejects.toThrow(/KB_API_KEYS/);
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com'].some(isLoopback)).toBe(false);
    const local = await startServer({ app, host: '127.0.0.1', port: 0, authEnabled: false });
    await local.close();
  });

  it('rejects malformed KB_API_KEYS without echoing the key', async () => {
    const { parseApiKeys } = await import('../src/server/api-keys.js');
    expect(parseApiKeys('a:reader:0123456789abcdef0123')).toEqual([{ id: 'a', role: 'reader', keySha256: createHash('sha256').update('0123456789abcdef0123').digest('hex') }]);
    expect(parseApiKeys('a:admin:with:colons-0123456789')[0]!.keySha256).toBe(createHash('sha256').update('with:colons-0123456789').digest('hex'));
    expect(() => parseApiKeys('a:owner:0123456789abcdef0123')).toThrow(/role must be reader or admin/);
    expect(() => parseApiKeys('a:reader:short-secret')).toThrow(/shorter than 16/);
    try {
      parseApiKeys('a:reader:short-secret');
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret');
    }
    expect(() => parseApiKeys('nocolons')).toThrow(/id:role:key/);
  });
});

describe('operations', () => {
  it('reports health, readiness and Prometheus metrics', async () => {
    const s = await serve(base, { answerer: { modelId: 'double-model', rewriteQuery: notSetUp, answer: async (input) => fixedResult(input) } });
    try {
      expect((await call(s.url, '/healthz')).json).toEqual({ status: 'ok' });
      const ready = await call(s.url, '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.json.status).toBe('ready');
      expect(ready.json.checks.store).toMatch(/^ok \(21 documents/);
      await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      await call(s.url, '/v1/query', { method: 'POST', body: { question: QUESTION } });
      await call(s.url, '/v1/query', { method: 'POST', body: { question: '' } });
      await call(s.url, '/v1/documents/12345');
      const m = await call(s.url, '/metrics');
      expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(m.text).toContain('kb_http_requests_total{method="POST",route="/v1/query",status="200"} 2');
      expect(m.text).toContain('kb_http_requests_total{method="POST",route="/v1/query",status="400"} 1');
      expect(m.text).toContain('kb_http_requests_total{method="GET",route="/v1/documents/:id",status="404"} 1');
      expect(m.text).toMatch(/kb_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/v1\/query",status="200"\} \d/);
      expect(m.text).toContain('kb_model_tokens_total{model="double-model",kind="input"} 240');
      expect(m.text).toContain('kb_model_tokens_total{model="double-model",kind="output"} 16');
      expect(m.text).toContain('kb_model_cost_usd_total{model="double-model"} 0.003');
      expect(m.text).toContain('kb_documents 21');
      expect(m.text).toMatch(/kb_chunks \d{3}/);
      expect(m.text).toContain('# TYPE kb_embedding_calls_total counter');
      expect(m.text).toContain('# TYPE kb_model_throttles_total counter');
    } finally {
      await s.close();
    }
  });

  it('reports not ready when the provider cannot be reached, and caches the probe', async () => {
    const kb = await indexedKb();
    let probes = 0;
    const embed = kb.kb.embedder.embed.bind(kb.kb.embedder);
    const config = { ...kb.config, provider: 'bedrock' as const };
    const failing = { ...kb, config, kb: { ...kb.kb, embedder: Object.assign(Object.create(kb.kb.embedder) as typeof kb.kb.embedder, { embed: async () => { probes++; throw new Error('connect ECONNREFUSED'); } }) } };
    const s = await serve(failing);
    try {
      const r = await call(s.url, '/readyz');
      expect(r.status).toBe(503);
      expect(r.json.checks.provider).toMatch(/unreachable: connect ECONNREFUSED/);
      await call(s.url, '/readyz');
      expect(probes).toBe(1);
      // The store is fine and the process is alive: only the provider check fails, and liveness stays up.
      expect(r.json.checks.store).toMatch(/^ok/);
      expect((await call(s.url, '/healthz')).status).toBe(200);
      // A provider that answers makes the next uncached probe ready.
      const s2 = await serve({ ...kb, config, kb: { ...kb.kb, embedder: Object.assign(Object.create(kb.kb.embedder) as typeof kb.kb.embedder, { embed: async (...args: Parameters<typeof embed>) => { probes++; return embed(...args); } }) } });
      try {
        const ok = await call(s2.url, '/readyz');
        expect(ok.status).toBe(200);
        expect(ok.json.checks.provider).toMatch(/^ok/);
        expect(probes).toBe(2);
      } finally {
        await s2.close();
      }
    } finally {
      await s.close();
      await kb.close();
    }
  });

  it('describes every route in /openapi.json (OpenAPI 3.1)', async () => {
    const s = await serve(base);
    try {
      const doc = (await call(s.url, '/openapi.json')).json;
      expect(doc.openapi).toBe('3.1.0');
      const routes = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, ops]) => Object.keys(ops).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`));
      expect(routes.sort()).toEqual(
        [
          'POST /v1/query', 'POST /v1/retrieve', 'GET /v1/documents', 'GET /v1/documents/{id}', 'DELETE /v1/documents/{id}', 'POST /v1/index', 'GET /v1/jobs/{id}',
          'GET /v1/config', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', 'GET /', 'GET /app.js', 'GET /app.css',
        ].sort(),
      );
      const query = doc.paths['/v1/query'].post.requestBody.content['application/json'].schema;
      expect(query.required).toEqual(['question']);
      expect(query.properties.topK.maximum).toBe(100);
      expect(query.properties.question.maxLength).toBe(2000);
      expect(doc.components.securitySchemes.bearer.scheme).toBe('bearer');
    } finally {
      await s.close();
    }
  });

  it('kb serve listens, serves and stops on abort', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    const ctx = memoryCtx(dir, controller.signal);
    const done = runCli(['serve', '--kb-dir', base.kbDir, '--port', '0'], ctx);
    await until(() => ctx.out.join('').includes('http://'), 'the server to listen');
    const url = /http:\/\/[\d.]+:\d+/.exec(ctx.out.join(''))![0];
    expect((await call(url, '/v1/documents?limit=1')).json.total).toBe(21);
    controller.abort();
    expect(await done).toBe(0);
    expect(ctx.err.join('')).toContain('"msg":"listening"');

    const refused = memoryCtx(dir, AbortSignal.abort());
    expect(await runCli(['serve', '--kb-dir', base.kbDir, '--host', '0.0.0.0', '--port', '0'], refused)).toBe(1);
    expect(refused.err.join('')).toMatch(/Refusing to serve on 0.0.0.0 without API keys/);
  });
});
