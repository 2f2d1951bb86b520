import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLlmAnswerer } from '../src/answer/llm-answerer.js';
import { configSchema, type KbConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { createBedrockChatModel } from '../src/models/bedrock-chat.js';
import { costOf } from '../src/models/model-price.js';
import { MODEL_CATALOG } from '../src/models/model-catalog.js';
import type { ChatTurn, Source } from '../src/types.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';

useFakeAwsCredentials();

const HAIKU_35 = 'anthropic.claude-3-5-haiku-20241022-v1:0';
let clock = 1_000_000;
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, streamDelayMs: 0, now: () => clock });
});
afterAll(() => emulator.close());
afterEach(() => emulator.reset());

function config(answer: Partial<KbConfig['answer']> = {}): KbConfig {
  const base = configSchema.parse({ provider: 'bedrock' });
  return { ...base, answer: { ...base.answer, model: HAIKU_35, ...answer }, bedrock: { ...base.bedrock, region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1 } };
}

// About 3,000 estimated tokens of conversation: over Claude 3.5 Haiku's 2,048-token cache minimum.
const paragraph = 'The travel policy covers flights, hotels and meals for trips approved by a manager in advance. ';
const history: ChatTurn[] = [
  { role: 'user', content: `What does the travel policy cover? ${paragraph.repeat(30)}` },
  { role: 'assistant', content: paragraph.repeat(100) },
];
const sources: Source[] = [
  { n: 1, chunkId: 1, documentId: 1, path: 'hr/notice.md', score: 1, text: 'Employees must give 30 days written notice before resigning.' },
  { n: 2, chunkId: 2, documentId: 2, path: 'hr/pto.md', score: 0.5, text: 'Full-time employees receive 25 days of paid time off per year.' },
];
const HAIKU_PRICE = MODEL_CATALOG.find((m) => m.id === HAIKU_35)!.price;

type Block = { text?: string; cachePoint?: { type: string } };
const sentBody = (i: number) => emulator.requests[i]!.body as { system: Block[]; messages: Array<{ content: Block[] }> };

describe('prompt caching', () => {
  it('marks the history with a cache point, writes it on the first question and reads it on the next, priced at the cache rates', async () => {
    const cfg = config();
    const answerer = createLlmAnswerer({ chat: createBedrockChatModel({ config: cfg }).chat, config: cfg });
    const first = await answerer.answer({ question: 'How many days of notice must employees give?', sources, history });
    const body = sentBody(0);
    expect(body.messages[1]!.content.at(-1)).toEqual({ cachePoint: { type: 'default' } });
    expect(body.messages[2]!.content.some((b) => b.cachePoint)).toBe(false);
    // The system prompt alone is under the minimum: no cache point there.
    expect(body.system.some((b) => b.cachePoint)).toBe(false);
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(2048);
    expect(first.usage.cacheReadTokens).toBeUndefined();

    const second = await answerer.answer({ question: 'How many days of paid time off do full-time employees get?', sources, history });
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.cacheWriteTokens).toBeUndefined();
    expect(second.usage.inputTokens).toBeLessThan(500);
    expect(second.cost!.usd).toBeCloseTo(costOf(HAIKU_PRICE, second.usage), 12);
    expect(second.cost!.usd).toBeCloseTo(
      (second.usage.inputTokens * 0.0008 + second.usage.outputTokens * 0.004 + second.usage.cacheReadTokens! * 0.00008) / 1000, 12,
    );
    expect(second.cost!.usd).toBeLessThan(first.cost!.usd / 3);
    expect(emulator.stats.cacheReadInputTokens).toBe(second.usage.cacheReadTokens);
  });

  it('a follow-up question reads the history the previous question cached, and writes only the new turns', async () => {
    const cfg = config();
    const answerer = createLlmAnswerer({ chat: createBedrockChatModel({ config: cfg }).chat, config: cfg });
    const q1 = 'How many days of notice must employees give?';
    const first = await answerer.answer({ question: q1, sources, history });
    const second = await answerer.answer({ question: 'And how much paid time off?', sources, history: [...history, { role: 'user', content: q1 }, { role: 'assistant', content: first.answer }] });
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(second.usage.cacheWriteTokens).toBeLessThan(100);
  });

  it('Converse reports cache write then read on a repeated prefix, and writes again after the cache expires', async () => {
    const sdk = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1 });
    const prefix = paragraph.repeat(120);
    const send = (question: string) =>
      sdk.send(new ConverseCommand({
        modelId: HAIKU_35,
        system: [{ text: prefix }, { cachePoint: { type: 'default' } }],
        messages: [{ role: 'user', content: [{ text: question }] }],
        inferenceConfig: { maxTokens: 50 },
      }));
    const a = (await send('What is covered?')).usage!;
    const b = (await send('Who approves trips?')).usage!;
    expect(a.cacheWriteInputTokens).toBeGreaterThan(2048);
    expect(a.cacheReadInputTokens).toBe(0);
    expect(b).toMatchObject({ cacheReadInputTokens: a.cacheWriteInputTokens, cacheWriteInputTokens: 0 });
    expect(b.totalTokens).toBe(b.inputTokens! + b.outputTokens! + b.cacheReadInputTokens!);
    clock += 6 * 60_000;
    expect((await send('What is covered?')).usage).toMatchObject({ cacheReadInputTokens: 0, cacheWriteInputTokens: a.cacheWriteInputTokens });
  });

  it('sends no cache point for a model without prompt caching, a short prefix, or answer.promptCaching off', async () => {
    for (const answer of [{ model: 'anthropic.claude-3-haiku-20240307-v1:0' }, { promptCaching: false }]) {
      const cfg = config(answer);
      await createLlmAnswerer({ chat: createBedrockChatModel({ config: cfg }).chat, config: cfg }).answer({ question: 'How many days of notice?', sources, history });
    }
    const cfg = config();
    await createLlmAnswerer({ chat: createBedrockChatModel({ config: cfg }).chat, config: cfg }).answer({ question: 'How many days of notice?', sources, history: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] });
    expect(emulator.requests).toHaveLength(3);
    for (const r of emulator.requests) expect(JSON.stringify(r.body)).not.toContain('cachePoint');
    expect(emulator.stats.cacheWriteInputTokens).toBe(0);
  });
});
