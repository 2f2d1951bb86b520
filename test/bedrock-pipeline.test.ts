import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { copyOfData, tempDir } from './temp-dir.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';

useFakeAwsCredentials();

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, maxRecordedRequests: 100_000, streamDelayMs: 2 });
});
afterAll(() => emulator?.close());
beforeEach(() => {
  emulator.reset();
  emulator.setFaults({ latencyMs: 0, rpm: 0, throttleRate: 0, errorRate: 0 });
});

async function kb(args: string[], cwd: string, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    // Backoff waits at most 100 ms here (2 s by default): the same retries, throttles and outage handling, less waiting.
    env: { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url, KB_BEDROCK_MAX_BACKOFF_MS: '100', ...env },
    cwd,
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** Distinct chunk index texts in the kb, and how many times the emulator embedded each successfully. */
function embeddedOnce(kbDir: string): { chunkTexts: number; embeddedOkByText: Map<string, number> } {
  const db = new Database(join(kbDir, 'kb.sqlite'), { readonly: true });
  const texts = new Set(db.prepare('SELECT index_text FROM chunks').pluck().all() as string[]);
  db.close();
  const byText = new Map<string, number>();
  for (const r of emulator.requests) {
    if (r.route !== 'invoke' || r.status !== 200) continue;
    const text = (r.body as { inputText?: string }).inputText;
    if (text !== undefined) byText.set(text, (byText.get(text) ?? 0) + 1);
  }
  for (const t of texts) expect(byText.get(t), `embedded exactly once: ${t.slice(0, 60)}`).toBe(1);
  return { chunkTexts: texts.size, embeddedOkByText: byText };
}

describe('provider bedrock, through the real SDK to the emulator', () => {
  test('index data/ with Titan v2 and ask Claude: cited real files, usage and cost', async () => {
    const data = copyOfData();
    const cwd = dirname(data);
    const indexed = await kb(['index', data, '--json'], cwd);
    expect(indexed.code, indexed.stderr + indexed.stdout).toBe(0);
    const summary = indexed.json();
    expect(summary.embeddingModel).toBe('amazon.titan-embed-text-v2:0@1024');
    expect(summary.files.new).toBe(21);
    expect(summary.embeddingTokens).toBeGreaterThan(1000);
    expect(summary.estimatedCostUsd).toBeGreaterThan(0);
    const titan = emulator.requests.find((r) => r.route === 'invoke');
    expect(titan?.body).toEqual({ inputText: expect.any(String), dimensions: 1024, normalize: true });
    embeddedOnce(join(cwd, '.kb'));

    const asked = await kb(['ask', 'How long is the notice period?', '--json'], cwd);
    expect(asked.code, asked.stderr).toBe(0);
    const answer = asked.json();
    expect(answer.found).toBe(true);
    expect(answer.answer).toMatch(/\[\d+\]/);
    expect(answer.citations.length).toBeGreaterThan(0);
    for (const c of answer.citations) expect(existsSync(join(cwd, c.path)), c.path).toBe(true);
    expect(answer.citations.map((c: { path: string }) => c.path)).toContain('data/hr/notice-periods-and-resignation.md');
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
    expect(answer.usage.outputTokens).toBeGreaterThan(0);
    expect(answer.cost.usd).toBeGreaterThan(0);
    const converse = emulator.requests.find((r) => r.route === 'converse-stream');
    expect((converse?.body as { inferenceConfig?: { maxTokens?: number } }).inferenceConfig?.maxTokens).toBe(1024);

    // The terminal form streams the answer, then sources, usage and cost.
    const text = await kb(['ask', 'How long is the notice period?'], cwd);
    expect(text.stdout).toMatch(/\[1\][\s\S]*Sources:\n\[1\] data\/hr\//);
    expect(text.stdout).toMatch(/input \+ \d+ output tokens, about \$\d/);

    // Nothing relevant: no model call at all.
    const calls = emulator.stats.byRoute['converse-stream'] ?? 0;
    const offTopic = await kb(['ask', 'What is the boiling point of mercury?', '--json'], cwd);
    expect(offTopic.json().found).toBe(false);
    expect(emulator.stats.byRoute['converse-stream'] ?? 0).toBe(calls);
  });

  test('throttling storm (30% throttles and a tight quota): indexing completes, every chunk embedded exactly once', async () => {
    const data = copyOfData();
    const cwd = dirname(data);
    emulator.setFaults({ throttleRate: 0.3, rpm: 1200, latencyMs: 5 });
    const indexed = await kb(['index', data, '--json'], cwd);
    expect(indexed.code, indexed.stdout).toBe(0);
    const summary = indexed.json();
    expect(summary.failures).toEqual([]);
    expect(emulator.stats.throttled).toBeGreaterThan(20);
    expect(summary.embedStats.retries).toBeGreaterThan(20);
    expect(summary.embedStats.throttles).toBeGreaterThan(20);
    const { chunkTexts } = embeddedOnce(join(cwd, '.kb'));
    expect(chunkTexts).toBe(summary.chunks.added);
    expect((await kb(['verify'], cwd)).code).toBe(0);
  }, 180_000);

  test('faults: throttles, 5xx and latency spikes; then the endpoint dies mid-run and the next run resumes', async () => {
    const data = copyOfData();
    const cwd = dirname(data);
    emulator.setFaults({ throttleRate: 0.3, errorRate: 0.05, latencyMs: 20 });
    const spikes = setInterval(() => emulator.setFaults({ latencyMs: emulator.faults.latencyMs === 20 ? 200 : 20 }), 150);
    const first = await kb(['index', data, '--json'], cwd).finally(() => clearInterval(spikes));
    expect(first.code, first.stdout).toBe(0);
    expect(emulator.stats.errors).toBeGreaterThan(0);
    embeddedOnce(join(cwd, '.kb'));

    // Add files, then make the endpoint fail every call part-way through the run.
    for (let i = 0; i < 30; i++) {
      mkdirSync(join(data, 'more'), { recursive: true });
      writeFileSync(join(data, 'more', `note-${i}.md`), `# Note ${i}\n\nThe quarterly figure for region ${i} is ${i * 17} units of widget ${i}.\n`);
    }
    emulator.reset();
    // The endpoint dies after 10 embedding calls of the 30 the new files need: part-way through, whatever the speed.
    emulator.setFaults({ latencyMs: 5, outageAfterCalls: 10 });
    const t0 = Date.now();
    const broken = await kb(['index', data, '--json'], cwd, { KB_BEDROCK_MAX_ATTEMPTS: '2' });
    expect(Date.now() - t0, 'an outage ends the run promptly').toBeLessThan(30_000);
    expect(emulator.stats.errors).toBeGreaterThan(0);
    const brokenSummary = broken.json();
    expect(broken.code).not.toBe(0);
    expect(brokenSummary.stoppedEarly ?? brokenSummary.failures[0]?.reason).toMatch(/unavailable|Bedrock/i);
    const committed = brokenSummary.files.new;
    expect(committed, 'files embedded before the outage are committed').toBeGreaterThan(0);
    expect(committed).toBeLessThan(30);
    const okBefore = emulator.requests.filter((r) => r.status === 200).map((r) => (r.body as { inputText: string }).inputText);

    emulator.reset();
    emulator.setFaults({ errorRate: 0, latencyMs: 0, outageAfterCalls: 0 });
    const resumed = await kb(['index', data, '--json'], cwd);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.json().files.new).toBe(30 - committed);
    // Nothing embedded before the outage is embedded again.
    const again = new Set(emulator.requests.filter((r) => r.status === 200).map((r) => (r.body as { inputText: string }).inputText));
    for (const t of okBefore) expect(again.has(t), `re-embedded: ${t.slice(0, 50)}`).toBe(false);
    expect((await kb(['verify'], cwd)).code).toBe(0);
  }, 180_000);

  test('clear errors: unknown chat model, bad dimension, switching the embedding model on an existing index', async () => {
    const data = copyOfData();
    const cwd = dirname(data);
    expect((await kb(['index', data], cwd)).code).toBe(0);

    const unknown = await kb(['ask', 'How long is the notice period?'], cwd, { KB_CHAT_MODEL: 'anthropic.claude-imaginary-v9:0' });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/anthropic\.claude-imaginary-v9:0 is an unknown model in us-east-1\. Closest known models: anthropic\.claude-/);

    const badDim = await kb(['search', 'notice'], cwd, { KB_EMBEDDING_DIMENSIONS: '300' });
    expect(badDim.code).toBe(1);
    expect(badDim.stderr).toMatch(/dimensions/);

    const switched = await kb(['ask', 'How long is the notice period?'], cwd, { KB_EMBEDDING_MODEL: 'cohere.embed-english-v3' });
    expect(switched.code).toBe(1);
    expect(switched.stderr).toMatch(/built with embedding model amazon\.titan-embed-text-v2:0 \(1024 dimensions\).*cohere\.embed-english-v3.*kb index --rebuild/s);
    const refused = await kb(['index', data], cwd, { KB_EMBEDDING_MODEL: 'cohere.embed-english-v3' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--rebuild/);
    emulator.reset();
    const rebuilt = await kb(['index', data, '--rebuild', '--json'], cwd, { KB_EMBEDDING_MODEL: 'cohere.embed-english-v3' });
    expect(rebuilt.code, rebuilt.stdout).toBe(0);
    expect(rebuilt.json().files.changed).toBe(21);
    expect(emulator.stats.byModel['cohere.embed-english-v3']).toBeGreaterThan(0);
    expect((await kb(['ask', 'How long is the notice period?', '--json'], cwd, { KB_EMBEDDING_MODEL: 'cohere.embed-english-v3' })).json().found).toBe(true);
  });

  test('a query while the endpoint is down fails clearly and quickly, never as "not found"', async () => {
    const data = copyOfData();
    const cwd = dirname(data);
    expect((await kb(['index', data], cwd)).code).toBe(0);
    emulator.setFaults({ errorRate: 1 });
    emulator.reset();
    const t0 = Date.now();
    const down = await kb(['ask', 'How long is the notice period?'], cwd, { KB_BEDROCK_MAX_ATTEMPTS: '2' });
    expect(down.code).toBe(3);
    // The question's embedding is retried under the configured policy: exactly two attempts, then the error.
    expect(emulator.requests.filter((r) => r.route === 'invoke')).toHaveLength(2);
    expect(down.stderr).toMatch(/unavailable|retry later/i);
    expect(down.stdout).not.toMatch(/could not find/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
