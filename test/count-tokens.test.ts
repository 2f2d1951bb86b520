import { BedrockRuntimeClient, ConverseCommand, CountTokensCommand } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLlmAnswerer } from '../src/answer/llm-answerer.js';
import { configSchema, type KbConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { createBedrockChatModel } from '../src/models/bedrock-chat.js';
import { withPiiRedaction } from '../src/pii/redacting-chat-model.js';
import type { Source } from '../src/types.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';

useFakeAwsCredentials();

const HAIKU_35 = 'anthropic.claude-3-5-haiku-20241022-v1:0';
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, streamDelayMs: 0 });
});
afterAll(() => emulator.close());
afterEach(() => emulator.reset());

function config(answer: Partial<KbConfig['answer']> = {}): KbConfig {
  const base = configSchema.parse({ provider: 'bedrock' });
  return { ...base, answer: { ...base.answer, model: HAIKU_35, ...answer }, bedrock: { ...base.bedrock, region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1 } };
}

// Short words: the emulator's tokenizer (1.3 per word) counts these at about 2.6 times the chars/4 estimate.
const FILLER = Array.from({ length: 150 }, (_, i) => `a${i % 10} b`).join(' ');
const sources: Source[] = Array.from({ length: 12 }, (_, i) => ({
  n: i + 1, chunkId: i + 1, documentId: i + 1, path: `hr/policy-${i + 1}.md`, score: 1 / (i + 1),
  text: `Employees must give ${30 + i} days written notice before resigning. ${FILLER}`,
}));
const QUESTION = 'How many days of notice must employees give before resigning?';
const TIGHT = { contextTokens: 4000, maxTokens: 300, maxSourceTokens: 100_000 };

describe('CountTokens', () => {
  it('the emulator counts what Converse then bills, and refuses a model without token counting', async () => {
    const sdk = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1 });
    const prompt = { system: [{ text: 'Answer briefly.' }], messages: [{ role: 'user' as const, content: [{ text: `Sources: ${FILLER} Question: notice?` }] }] };
    const counted = await sdk.send(new CountTokensCommand({ modelId: HAIKU_35, input: { converse: prompt } }));
    const billed = await sdk.send(new ConverseCommand({ modelId: HAIKU_35, ...prompt, inferenceConfig: { maxTokens: 50 } }));
    expect(counted.inputTokens).toBeGreaterThan(300);
    expect(counted.inputTokens).toBe(billed.usage?.inputTokens);
    await expect(sdk.send(new CountTokensCommand({ modelId: 'amazon.nova-micro-v1:0', input: { converse: prompt } }))).rejects.toMatchObject({ name: 'ValidationException' });
    const invokeBody = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, system: 'Answer briefly.', messages: [{ role: 'user', content: `Sources: ${FILLER} Question: notice?` }] };
    const viaInvoke = await sdk.send(new CountTokensCommand({ modelId: HAIKU_35, input: { invokeModel: { body: new TextEncoder().encode(JSON.stringify(invokeBody)) } } }));
    expect(viaInvoke.inputTokens).toBe(counted.inputTokens);
    expect(emulator.requests[0]).toMatchObject({ route: 'count-tokens', path: `/model/${encodeURIComponent(HAIKU_35)}/count-tokens`, body: { input: { converse: prompt } } });
  });

  it('the emulator refuses a prompt that does not fit the model\'s context with its maxTokens, as Bedrock does', async () => {
    const sdk = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1 });
    const words = 'a '.repeat(153_000); // 198,900 tokens at 1.3 per word: fits 200k alone, not with 2,000 more for the answer
    const send = (maxTokens: number) => sdk.send(new ConverseCommand({ modelId: HAIKU_35, messages: [{ role: 'user', content: [{ text: words }] }], inferenceConfig: { maxTokens } }));
    await expect(send(2000)).rejects.toMatchObject({ name: 'ValidationException', message: 'Input is too long for requested model.' });
    expect((await send(100)).stopReason).toBe('end_turn');
  });

  it('with PII redaction, CountTokens counts the redacted prompt and never sees the identifier', async () => {
    const model = withPiiRedaction(createBedrockChatModel({ config: config() }));
    const counted = await model.countTokens!({ system: 'Answer.', messages: [{ role: 'user', content: 'Mail jane.doe@example.com about notice.' }] });
    expect(counted).toBeGreaterThan(0);
    const sent = JSON.stringify(emulator.requests[0]!.body);
    expect(sent).not.toContain('jane.doe@example.com');
    expect(sent).toContain('<EMAIL_1>');
  });

  it('the chat model offers countTokens only where the catalogue says the model supports it', () => {
    expect(createBedrockChatModel({ config: config() }).countTokens).toBeTypeOf('function');
    expect(createBedrockChatModel({ config: config({ model: 'us.anthropic.claude-sonnet-4-20250514-v1:0' }) }).countTokens).toBeTypeOf('function');
    expect(createBedrockChatModel({ config: config({ model: 'anthropic.claude-3-haiku-20240307-v1:0' }) }).countTokens).toBeUndefined();
    expect(createBedrockChatModel({ config: config({ model: 'amazon.nova-micro-v1:0' }) }).countTokens).toBeUndefined();
  });

  it('a prompt near the budget is counted first and packed to the real budget, so it fits', async () => {
    const cfg = config(TIGHT);
    const model = createBedrockChatModel({ config: cfg });
    const answerer = createLlmAnswerer({ chat: model.chat, config: cfg, countTokens: model.countTokens! });
    const result = await answerer.answer({ question: QUESTION, sources });
    const routes = emulator.requests.map((r) => r.route);
    expect(routes[0]).toBe('count-tokens');
    expect(routes.at(-1)).toBe('converse-stream');
    expect(result.usage.inputTokens + TIGHT.maxTokens).toBeLessThanOrEqual(TIGHT.contextTokens);
    // Packed to the budget, not just under it: within one source of the limit.
    expect(result.usage.inputTokens).toBeGreaterThan(TIGHT.contextTokens - TIGHT.maxTokens - 600);
    expect(result.found).toBe(true);
  });

  it('without the count, the chars/4 estimate overfills the same window (why the count is needed)', async () => {
    const cfg = config(TIGHT);
    const answerer = createLlmAnswerer({ chat: createBedrockChatModel({ config: cfg }).chat, config: cfg });
    const result = await answerer.answer({ question: QUESTION, sources });
    expect(emulator.stats.byRoute['count-tokens']).toBeUndefined();
    expect(result.usage.inputTokens + TIGHT.maxTokens).toBeGreaterThan(TIGHT.contextTokens);
  });

  it('when the count is below the estimate, more sources are packed than the estimate allowed', async () => {
    // Long words: about 1.3 tokens per 20 characters, a quarter of the chars/4 estimate.
    const long = sources.map((s) => ({ ...s, text: `${s.text.slice(0, 60)} ${'internationalisation '.repeat(60)}` }));
    const cfg = config({ contextTokens: 2000, maxTokens: 300, maxSourceTokens: 100_000 });
    const model = createBedrockChatModel({ config: cfg });
    const estimated = await createLlmAnswerer({ chat: model.chat, config: cfg }).answer({ question: QUESTION, sources: long });
    const counted = await createLlmAnswerer({ chat: model.chat, config: cfg, countTokens: model.countTokens! }).answer({ question: QUESTION, sources: long });
    expect(emulator.stats.byRoute['count-tokens']).toBeGreaterThanOrEqual(2);
    expect(counted.usage.inputTokens).toBeGreaterThan(estimated.usage.inputTokens * 1.5);
    expect(counted.usage.inputTokens + 300).toBeLessThanOrEqual(2000);
  });

  it('a prompt far below the budget costs no count', async () => {
    const cfg = config();
    const model = createBedrockChatModel({ config: cfg });
    const answerer = createLlmAnswerer({ chat: model.chat, config: cfg, countTokens: model.countTokens! });
    await answerer.answer({ question: QUESTION, sources: sources.slice(0, 2) });
    expect(emulator.stats.byRoute).toEqual({ 'converse-stream': 1 });
  });
});
