import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { loadConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { emfDocument } from '../src/server/cloudwatch-emf.js';
import { createCloudWatchEmfSink } from '../src/server/cloudwatch-emf-sink.js';
import { createMetrics } from '../src/server/metrics.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { copyOfData, tempDir } from './temp-dir.js';

useFakeAwsCredentials();

type Emf = Record<string, unknown> & {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
};

const UNITS = new Set(['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None']);

/** Parses one line and checks it against the EMF specification's structure; returns the document. */
function parseEmf(line: string): Emf {
  const doc = JSON.parse(line) as Emf;
  expect(Object.keys(doc._aws).sort()).toEqual(['CloudWatchMetrics', 'Timestamp']);
  expect(Number.isInteger(doc._aws.Timestamp)).toBe(true);
  expect(doc._aws.CloudWatchMetrics.length).toBeGreaterThan(0);
  for (const directive of doc._aws.CloudWatchMetrics) {
    expect(Object.keys(directive).sort()).toEqual(['Dimensions', 'Metrics', 'Namespace']);
    expect(directive.Namespace.length).toBeGreaterThan(0);
    expect(directive.Metrics.length).toBeGreaterThan(0);
    expect(directive.Metrics.length).toBeLessThanOrEqual(100);
    for (const set of directive.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const name of set) expect(typeof doc[name], `dimension ${name} is a string member`).toBe('string');
    }
    for (const m of directive.Metrics) {
      expect(UNITS.has(m.Unit), m.Unit).toBe(true);
      expect(typeof doc[m.Name], `metric ${m.Name} is a number member`).toBe('number');
    }
  }
  return doc;
}

const metricsOf = (doc: Emf) => Object.fromEntries(doc._aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => [m.Name, doc[m.Name] as number])));

describe('EMF documents', () => {
  test('the documented structure: metadata, dimension and metric members at the root', () => {
    const doc = parseEmf(JSON.stringify(emfDocument({
      namespace: 'BedrockKb', timestamp: 1_700_000_000_123.4, dimensions: { ModelId: 'm'.repeat(2000) },
      metrics: [{ name: 'Invocations', unit: 'Count', value: 1 }, { name: 'Broken', unit: 'Count', value: Number.NaN }],
    })));
    expect(doc._aws).toEqual({ Timestamp: 1_700_000_000_123, CloudWatchMetrics: [{ Namespace: 'BedrockKb', Dimensions: [['ModelId']], Metrics: [{ Name: 'Invocations', Unit: 'Count' }] }] });
    expect((doc.ModelId as string).length).toBe(1024);
    expect(doc.Broken).toBeUndefined();
  });

  test('a cache hit counts AnswerCacheHits and no invocation; a refusal counts Refusals', () => {
    const lines: string[] = [];
    const metrics = createMetrics({ sink: createCloudWatchEmfSink({ stream: { write: (t: string) => lines.push(t) }, namespace: 'T', now: () => 5 }) });
    metrics.observeAnswer({ model: 'claude', usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, cached: true, found: true });
    metrics.observeAnswer({ model: 'claude', usage: { inputTokens: 0, outputTokens: 0 }, found: false });
    const docs = lines.map(parseEmf);
    expect(docs.map(metricsOf)).toEqual([{ Answers: 1, AnswerCacheHits: 1, Refusals: 0 }, { Answers: 1, AnswerCacheHits: 0, Refusals: 1 }]);
    expect(docs.every((d) => d._aws.Timestamp === 5 && d._aws.CloudWatchMetrics[0]!.Dimensions[0]!.length === 0)).toBe(true);
  });
});

test('server.metrics is prometheus or cloudwatch-emf; a wrong value names the option and its env var', () => {
  expect(loadConfig({ cwd: tempDir(), env: {} }).server).toMatchObject({ metrics: 'prometheus', emfNamespace: 'BedrockKb' });
  expect(loadConfig({ cwd: tempDir(), env: { KB_METRICS: 'cloudwatch-emf', KB_EMF_NAMESPACE: 'Team/Kb' } }).server).toMatchObject({ metrics: 'cloudwatch-emf', emfNamespace: 'Team/Kb' });
  expect(() => loadConfig({ cwd: tempDir(), env: { KB_METRICS: 'datadog' } })).toThrow(/server\.metrics.*KB_METRICS/);
});

describe('kb serve with server.metrics cloudwatch-emf, through the real SDK and the emulator', () => {
  let emulator: Emulator;
  let cwd: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, streamDelayMs: 1 });
    const data = copyOfData();
    cwd = dirname(data);
    env = { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url, KB_BEDROCK_MAX_BACKOFF_MS: '10', KB_BEDROCK_MAX_ATTEMPTS: '1', KB_METRICS: 'cloudwatch-emf', KB_LOG_LEVEL: 'silent' };
    const out: string[] = [];
    const code = await runCli(['index', 'data'], { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) }, env, cwd });
    expect(code, out.join('')).toBe(0);
  });
  afterAll(() => emulator?.close());

  test('per-model Bedrock names with the values of the answer, refusals, throttles; one JSON line each on stdout', async () => {
    const controller = new AbortController();
    const out: string[] = [];
    let listened = () => {};
    const listening = new Promise<void>((resolve) => (listened = resolve));
    const stdout = { write: (t: string) => (out.push(t), out.join('').includes('\n') && listened(), true) };
    const done = runCli(['serve', '--json', '--port', '0'], { stdout, stderr: { write: () => true }, env, cwd, signal: controller.signal });
    try {
      await Promise.race([listening, done.then((code) => Promise.reject(new Error(`kb serve exited ${code}`)))]);
      const { url } = JSON.parse(out.join('').split('\n')[0]!) as { url: string };
      const ask = (question: string) => fetch(`${url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }) });

      const answered = (await (await ask('How long is the notice period?')).json()) as { model: string; usage: { inputTokens: number; outputTokens: number; embeddingTokens: number }; cost: { byModel: Record<string, number> }; found: boolean };
      expect(answered.found).toBe(true);
      const refused = await ask('What is the boiling point of liquid nitrogen on Neptune?');
      expect(refused.status).toBe(200);
      emulator.setFaults({ throttleRate: 1 });
      const throttled = await ask('How long is the notice period?');
      emulator.setFaults({ throttleRate: 0 });
      expect(throttled.status).toBeGreaterThanOrEqual(500);

      const docs = out.join('').split('\n').slice(1).filter(Boolean).map(parseEmf);
      expect(docs.every((d) => d._aws.CloudWatchMetrics.every((c) => c.Namespace === 'BedrockKb'))).toBe(true);
      const byModel = (model: string) => docs.filter((d) => d.ModelId === model).map(metricsOf);

      const chat = byModel(answered.model);
      expect(chat).toHaveLength(1);
      expect(chat[0]).toMatchObject({ Invocations: 1, InputTokenCount: answered.usage.inputTokens, OutputTokenCount: answered.usage.outputTokens, CostUsd: answered.cost.byModel[answered.model] });
      expect(chat[0]!.InvocationLatency).toBeGreaterThan(0);

      const titan = byModel('amazon.titan-embed-text-v2:0');
      expect(titan.filter((m) => m.Invocations === 1).length).toBe(2); // the two questions that were embedded
      expect(titan.find((m) => m.Invocations === 1)!.InputTokenCount).toBeGreaterThan(0);
      expect(titan.filter((m) => m.InvocationThrottles === 1)).toHaveLength(1);

      const answers = docs.filter((d) => d.ModelId === undefined).map(metricsOf);
      expect(answers).toEqual([{ Answers: 1, AnswerCacheHits: 0, Refusals: 0 }, { Answers: 1, AnswerCacheHits: 0, Refusals: 1 }]);
    } finally {
      controller.abort();
      expect(await done).toBe(0);
    }
  });
});
