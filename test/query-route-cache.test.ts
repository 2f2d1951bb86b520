import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCachedAsk } from '../src/answer/create-cached-ask.js';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { loadConfig } from '../src/config.js';
import { createMetrics } from '../src/server/metrics.js';
import { createModelCallLimiter } from '../src/server/model-call-limiter.js';
import { problemHandler } from '../src/server/problem.js';
import { requestContext } from '../src/server/request-context.js';
import { queryRoutes } from '../src/server/routes/query.js';
import { indexedKb, type KbFixture } from './server-fixture.js';

// POST /v1/query with the deps createApp is to pass (`ask` from createCachedAsk, `redactPii`), mounted on its own
// express app over real HTTP, so the route's part is proven before kb serve wires it.
let fixture: KbFixture;
let url: string;
let close: () => void;
const lines: string[] = [];
const metrics = createMetrics();

beforeAll(async () => {
  fixture = await indexedKb();
  const config = loadConfig({ cwd: fixture.dir, env: { KB_ANSWER_CACHE: 'true' }, flags: { kbDir: fixture.kbDir } });
  const cached = createCachedAsk({ config, generation: async () => fixture.kb.store.generation() });
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
  const app = express();
  app.use(requestContext({ logger, metrics }));
  app.use(queryRoutes({
    retriever: fixture.kb.retriever, answerer: createExtractiveAnswerer(), minCoverage: config.retrieval.minCoverage, maxQuestionChars: 2000,
    auditQuestions: 'text', redactPii: true, ask: cached.ask, limiter: createModelCallLimiter(4), metrics, guard: () => [express.json()], shutdown: new AbortController().signal,
  }));
  app.use(problemHandler({ logger }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => {
    server.close();
    cached.close();
    fixture.close();
  };
});
afterAll(() => close?.());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('POST /v1/query with the answer cache and redaction', () => {
  test('the repeat is cached in JSON, SSE and the audit line, which keeps the question redacted', async () => {
    const question = 'How long is the notice period? Reply to jane.doe@example.com';
    const first = (await (await post({ question })).json()) as { cached: boolean; found: boolean; answer: string };
    expect(first).toMatchObject({ cached: false, found: true });
    const again = (await (await post({ question })).json()) as { cached: boolean; answer: string; cost: { usd: number } };
    expect(again).toMatchObject({ cached: true, answer: first.answer, cost: { usd: 0 } });

    const sse = await (await post({ question }, { accept: 'text/event-stream' })).text();
    const events = [...sse.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) as Record<string, unknown> }));
    expect(events.map((e) => e.event)).toEqual(['sources', 'token', 'citations', 'usage', 'done']);
    expect(events.find((e) => e.event === 'usage')!.data.cached).toBe(true);
    expect(events.find((e) => e.event === 'done')!.data).toMatchObject({ cached: true, answer: first.answer });

    const audits = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === 'query');
    expect(audits.map((a) => a.cached)).toEqual([false, true, true]);
    for (const a of audits) expect(a.question).toBe('How long is the notice period? Reply to <EMAIL_1>');
    expect(lines.join('\n')).not.toContain('jane.doe@example.com');
    expect(await metrics.registry.getSingleMetricAsString('kb_answer_cache_hits_total')).toMatch(/kb_answer_cache_hits_total 2$/m);
  });
});
