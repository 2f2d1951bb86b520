import { BedrockRuntimeClient, ApplyGuardrailCommand } from '@aws-sdk/client-bedrock-runtime';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion } from '../src/answer/answer-question.js';
import { createBedrockAnswerer } from '../src/answer/create-bedrock-answerer.js';
import type { LoadedConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { interventionFromTrace } from '../src/models/guardrail-reason.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { runCli } from '../src/cli/run-cli.js';
import { indexedKb, type KbFixture, memoryCtx, serve, type Served } from './server-fixture.js';

useFakeAwsCredentials();

const QUESTION = 'How many days of paid time off do full-time employees get each year?';
const BLOCKED = `${QUESTION} Also tell me about project-falcon.`;
const GUARDRAIL = { id: 'gr-kb', version: '1', trace: 'enabled' as const, checkInput: false };
let emulator: Emulator;
let fixture: KbFixture;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, streamDelayMs: 0, guardrails: { 'gr-kb': { deniedWords: ['project-falcon'], blockedInputMessage: 'This question is outside what the assistant may discuss.' } } });
  fixture = await indexedKb();
});
afterAll(async () => {
  fixture.close();
  await emulator.close();
});
afterEach(() => emulator.reset());

function bedrockConfig(guardrail: Partial<typeof GUARDRAIL> = {}): LoadedConfig {
  const c = fixture.config;
  return { ...c, provider: 'bedrock', answer: { ...c.answer, guardrail: { ...GUARDRAIL, ...guardrail } }, bedrock: { ...c.bedrock, region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1 } };
}

function parseSse(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text.split('\n\n').filter((b) => b.trim() && !b.startsWith(':')).map((block) => {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    return { event, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
  });
}

describe('guardrails through Converse', () => {
  let served: Served;
  const logLines: string[] = [];
  beforeAll(async () => {
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));
    served = await serve(fixture, { answerer: createBedrockAnswerer(bedrockConfig()), logger });
  });
  afterAll(() => served.close());
  const post = (body: unknown, accept = 'application/json') =>
    fetch(`${served.url}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });

  it('an intervention surfaces in the JSON answer with the reason from the trace; the request asked for the trace', async () => {
    const res = await post({ question: BLOCKED });
    expect(res.status).toBe(200);
    const out = (await res.json()) as Record<string, unknown>;
    expect(out).toMatchObject({ found: false, answer: 'This question is outside what the assistant may discuss.', citations: [], guardrail: { action: 'intervened', source: 'input', reason: 'denied word "project-falcon"' } });
    const converse = emulator.requests.find((r) => r.route === 'converse-stream')!;
    expect((converse.body as { guardrailConfig: unknown }).guardrailConfig).toEqual({ guardrailIdentifier: 'gr-kb', guardrailVersion: '1', trace: 'enabled' });
    const audit = logLines.map((l) => JSON.parse(l) as { audit?: string; guardrail?: unknown }).find((l) => l.audit === 'query');
    expect(audit?.guardrail).toEqual({ source: 'input', reason: 'denied word "project-falcon"' });
  });

  it('and in the SSE stream: the done event carries it', async () => {
    const res = await post({ question: BLOCKED }, 'text/event-stream');
    const events = parseSse(await res.text());
    const done = events.find((e) => e.event === 'done')!;
    expect(done.data).toMatchObject({ found: false, guardrail: { action: 'intervened', source: 'input', reason: 'denied word "project-falcon"' } });
    expect(events.filter((e) => e.event === 'token').map((e) => e.data.text).join('')).toBe('This question is outside what the assistant may discuss.');
  });

  it('a question the guardrail allows is answered as usual, without a guardrail field', async () => {
    const out = (await (await post({ question: QUESTION })).json()) as Record<string, unknown>;
    expect(out.found).toBe(true);
    expect(out.guardrail).toBeUndefined();
  });

  it('a follow-up the guardrail blocks is searched as asked (not as the guardrail\'s message) and answered with the intervention', async () => {
    const history = [{ role: 'user' as const, content: 'Hello' }, { role: 'assistant' as const, content: 'Hi, ask me about HR policies.' }];
    const result = await answerQuestion({ question: BLOCKED, history, retriever: fixture.kb.retriever, answerer: createBedrockAnswerer(bedrockConfig()), minCoverage: 0 });
    expect(result.query).toBe(BLOCKED);
    expect(result.guardrail).toMatchObject({ source: 'input', reason: 'denied word "project-falcon"' });
  });

  it('reads an output intervention from the trace too', () => {
    const trace = { inputAssessment: { g: {} }, outputAssessments: { g: [{ topicPolicy: { topics: [{ name: 'Legal advice', type: 'DENY' as const, action: 'BLOCKED' as const, detected: true }] } }] } };
    expect(interventionFromTrace(trace)).toEqual({ action: 'intervened', source: 'output', reason: 'denied topic "Legal advice"' });
    expect(interventionFromTrace(undefined).reason).toMatch(/enable its trace/);
  });
});

describe('kb ask', () => {
  it('prints the intervention and its reason, and keeps it in --json', async () => {
    const env = { KB_PROVIDER: 'bedrock', KB_EMBEDDING_MODEL: 'local-hash-v1', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url, KB_GUARDRAIL_ID: 'gr-kb', KB_GUARDRAIL_VERSION: '1' };
    const ask = async (...flags: string[]) => {
      const ctx = { ...memoryCtx(fixture.dir), env };
      const code = await runCli(['ask', BLOCKED, '--kb-dir', fixture.kbDir, ...flags], ctx);
      return { code, out: ctx.out.join(''), err: ctx.err.join('') };
    };
    const text = await ask();
    expect(text.err).toBe('');
    expect(text.out).toContain('This question is outside what the assistant may discuss.');
    expect(text.out).toContain('Guardrail intervened on the input: denied word "project-falcon"');
    const json = JSON.parse((await ask('--json')).out) as { guardrail: unknown };
    expect(json.guardrail).toEqual({ action: 'intervened', source: 'input', reason: 'denied word "project-falcon"' });
  });
});

describe('ApplyGuardrail before retrieval (checkInput)', () => {
  it('blocks the question with ApplyGuardrail: no retrieval, no model call', async () => {
    const config = bedrockConfig({ checkInput: true });
    const answerer = createBedrockAnswerer(config);
    let retrieved = 0;
    const retriever = { retrieve: async (...args: Parameters<typeof fixture.kb.retriever.retrieve>) => (retrieved++, fixture.kb.retriever.retrieve(...args)) };
    const result = await answerQuestion({ question: BLOCKED, retriever, answerer, minCoverage: config.retrieval.minCoverage });
    expect(result).toMatchObject({ found: false, answer: 'This question is outside what the assistant may discuss.', guardrail: { action: 'intervened', source: 'input', reason: 'denied word "project-falcon"' } });
    expect(retrieved).toBe(0);
    expect(emulator.requests.map((r) => r.route)).toEqual(['apply-guardrail']);
    expect(emulator.requests[0]).toMatchObject({ path: '/guardrail/gr-kb/version/1/apply', body: { source: 'INPUT', content: [{ text: { text: BLOCKED } }] } });

    const allowed = await answerQuestion({ question: QUESTION, retriever, answerer, minCoverage: config.retrieval.minCoverage });
    expect(allowed.found).toBe(true);
    expect(emulator.requests.map((r) => r.route)).toEqual(['apply-guardrail', 'apply-guardrail', 'converse-stream']);
  });

  it('with answer.redactPii, the question reaches ApplyGuardrail redacted', async () => {
    const base = bedrockConfig({ checkInput: true });
    const answerer = createBedrockAnswerer({ ...base, answer: { ...base.answer, redactPii: true } });
    await answerer.checkInput!('Is jane.doe@example.com on project-falcon?');
    const sent = JSON.stringify(emulator.requests[0]!.body);
    expect(sent).not.toContain('jane.doe@example.com');
    expect(sent).toContain('<EMAIL_1>');
  });

  it('the emulator answers ApplyGuardrail in the real shape and refuses a bad version', async () => {
    const sdk = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, maxAttempts: 1 });
    const out = await sdk.send(new ApplyGuardrailCommand({ guardrailIdentifier: 'other', guardrailVersion: 'DRAFT', source: 'OUTPUT', content: [{ text: { text: 'a guardrail-test-marker here' } }] }));
    expect(out).toMatchObject({ action: 'GUARDRAIL_INTERVENED', outputs: [{ text: expect.any(String) }], assessments: [{ wordPolicy: { customWords: [{ match: 'guardrail-test-marker', action: 'BLOCKED', detected: true }] } }], usage: { wordPolicyUnits: 1 } });
    expect((await sdk.send(new ApplyGuardrailCommand({ guardrailIdentifier: 'other', guardrailVersion: '3', source: 'INPUT', content: [{ text: { text: 'fine' } }] }))).action).toBe('NONE');
    await expect(sdk.send(new ApplyGuardrailCommand({ guardrailIdentifier: 'other', guardrailVersion: 'v1', source: 'INPUT', content: [{ text: { text: 'x' } }] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
