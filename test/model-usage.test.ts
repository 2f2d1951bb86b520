import { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBedrockAnswerer } from '../src/answer/create-bedrock-answerer.js';
import { openKnowledgeBase } from '../src/app/open-knowledge-base.js';
import { runCli } from '../src/cli/run-cli.js';
import { loadConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { resolveModelId } from '../src/models/model-catalog.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { serve } from './server-fixture.js';
import { copyOfData } from './temp-dir.js';

useFakeAwsCredentials();

const EMBED = 'amazon.titan-embed-text-v2:0';
const CHAT = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const QUESTION = 'How many days of notice must employees give before resigning?';
const price = (id: string) => resolveModelId(id)!.model.price;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, streamDelayMs: 1, maxRecordedRequests: 100_000 });
});
afterAll(() => emulator?.close());

async function kb(args: string[], cwd: string) {
  let stdout = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: () => true },
    env: { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url },
    cwd,
  });
  return { code, stdout };
}

/** Emulator counters over one action: what the service says it was asked for. */
async function measured<T>(action: () => Promise<T>): Promise<{ result: T; input: number; output: number; embedTexts: number }> {
  emulator.reset();
  const result = await action();
  return { result, input: emulator.stats.inputTokens, output: emulator.stats.outputTokens, embedTexts: emulator.stats.embeddedTexts };
}

describe('usage and cost are what the service reported, priced from the catalogue', () => {
  it('index summary (--json), ask --json, /metrics and the audit line', async () => {
    const data = copyOfData();
    const cwd = dirname(data);

    // Index: the reported token count is the service's, and the cost prices exactly that.
    const index = await measured(() => kb(['index', data, '--json'], cwd));
    expect(index.result.code).toBe(0);
    const summary = JSON.parse(index.result.stdout) as { embeddingTokens: number; estimatedCostUsd: number };
    expect(summary.embeddingTokens).toBe(index.input);
    expect(summary.estimatedCostUsd).toBeCloseTo((index.input / 1000) * price(EMBED).inputPer1k, 12);

    // Ask: chat tokens and the question's embedding tokens, each priced at its own model's rate.
    const ask = await measured(() => kb(['ask', QUESTION, '--json'], cwd));
    const answer = JSON.parse(ask.result.stdout) as { usage: { inputTokens: number; outputTokens: number; embeddingTokens: number }; cost: { usd: number; byModel: Record<string, number> } };
    expect(ask.embedTexts).toBe(1);
    expect(answer.usage.embeddingTokens).toBeGreaterThan(0);
    expect(answer.usage.inputTokens + answer.usage.embeddingTokens).toBe(ask.input);
    expect(answer.usage.outputTokens).toBe(ask.output);
    const chatUsd = (answer.usage.inputTokens / 1000) * price(CHAT).inputPer1k + (answer.usage.outputTokens / 1000) * price(CHAT).outputPer1k;
    const embedUsd = (answer.usage.embeddingTokens / 1000) * price(EMBED).inputPer1k;
    expect(answer.cost.byModel[CHAT]).toBeCloseTo(chatUsd, 12);
    expect(answer.cost.byModel[EMBED]).toBeCloseTo(embedUsd, 12);
    expect(answer.cost.usd).toBeCloseTo(chatUsd + embedUsd, 12);

    // The server: /metrics and the audit line carry the same figures.
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const config = loadConfig({ cwd, env: { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url }, flags: { kbDir: join(cwd, '.kb') } });
    const opened = await openKnowledgeBase(config);
    const served = await serve({ dir: cwd, dataDir: data, kbDir: config.kbDir, config, kb: opened, close: () => opened.close() }, { answerer: createBedrockAnswerer(config), logger });
    try {
      const viaHttp = await measured(async () => {
        const res = await fetch(`${served.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: QUESTION }) });
        return (await res.json()) as typeof answer;
      });
      const metrics = await (await fetch(`${served.url}/metrics`)).text();
      const metric = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
      expect(metric('kb_model_tokens_total', `model="${CHAT}",kind="input"`)).toBe(viaHttp.result.usage.inputTokens);
      expect(metric('kb_model_tokens_total', `model="${CHAT}",kind="output"`)).toBe(viaHttp.output);
      expect(metric('kb_model_tokens_total', `model="${EMBED}",kind="embedding"`)).toBe(viaHttp.input - viaHttp.result.usage.inputTokens);
      expect(metric('kb_embedding_calls_total', `model="${EMBED}"`)).toBe(1);
      expect(metric('kb_model_cost_usd_total', `model="${CHAT}"`)).toBeCloseTo(viaHttp.result.cost.byModel[CHAT]!, 12);
      expect(metric('kb_model_cost_usd_total', `model="${EMBED}"`)).toBeCloseTo(viaHttp.result.cost.byModel[EMBED]!, 12);
      const audit = lines.map((l) => JSON.parse(l) as { audit?: string; tokens?: Record<string, number> }).find((l) => l.audit === 'query');
      expect(audit?.tokens).toEqual({ input: viaHttp.result.usage.inputTokens, output: viaHttp.output, embedding: viaHttp.input - viaHttp.result.usage.inputTokens });
    } finally {
      await served.close();
      await opened.close();
    }
  }, 120_000);
});
