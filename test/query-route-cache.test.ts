import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMetrics } from '../src/server/metrics.js';
import { indexedKb, type KbFixture, serve, type Served } from './server-fixture.js';

// POST /v1/query of the app kb serve builds (createKnowledgeBaseApp), with answer.cache and answer.redactPii on,
// over real HTTP: the answer cache in front of answerQuestion and the redacted audit line.
let fixture: KbFixture;
let served: Served;
let url: string;
const lines: string[] = [];
const metrics = createMetrics();

beforeAll(async () => {
  fixture = await indexedKb({ KB_ANSWER_CACHE: 'true', KB_REDACT_PII: 'true' });
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
  served = await serve(fixture, { logger, metrics, server: { auditQuestions: 'text' } });
  url = served.url;
});
afterAll(async () => {
  await served?.close();
  await fixture?.close();
});

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
