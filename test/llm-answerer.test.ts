import { describe, expect, it } from 'vitest';
import { GROUNDED_SYSTEM_PROMPT, REWRITE_SYSTEM_PROMPT } from '../src/answer/build-grounded-prompt.js';
import { createLlmAnswerer, effectiveParams, type ChatFn, type ChatReply, type ChatRequest } from '../src/answer/llm-answerer.js';
import { NOT_FOUND_TEXT } from '../src/answer/not-found-answer.js';
import { rewriteQueryOffline } from '../src/answer/rewrite-query-offline.js';
import { configSchema, type KbConfig } from '../src/config.js';
import { ModelCallError } from '../src/errors.js';
import type { Source } from '../src/types.js';

type Script = ChatReply | ((request: ChatRequest) => ChatReply | Promise<ChatReply>);

/** A chat double: answers from a script, streams each reply in small pieces, records every request, and fails on a call it was not scripted for. */
function recordingChat(...script: Script[]) {
  const calls: ChatRequest[] = [];
  const chat: ChatFn = async (request) => {
    calls.push(request);
    const next = script.shift();
    if (!next) throw new Error(`Unexpected chat call #${calls.length} (system: ${request.system.slice(0, 60)}…)`);
    const reply = typeof next === 'function' ? await next(request) : next;
    for (const piece of reply.text.match(/[\s\S]{1,7}/g) ?? []) request.onToken?.(piece);
    return reply;
  };
  return { chat, calls, remaining: () => script.length };
}

function config(answer: Partial<KbConfig['answer']> = {}): KbConfig {
  const base = configSchema.parse({});
  return { ...base, answer: { ...base.answer, ...answer } };
}

function source(n: number, text: string, extra: Partial<Source> = {}): Source {
  return { n, chunkId: 100 + n, documentId: n, path: `hr/doc-${n}.md`, text, score: 1 / n, ...extra };
}
const sources = [
  source(1, 'Full-time employees are entitled to 25 days of paid annual leave per calendar year.', { page: 2, heading: 'Leave' }),
  source(2, 'Employees must give 30 days notice to their manager before leaving.'),
];
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

describe('createLlmAnswerer.answer', () => {
  it('returns a cited, support-checked answer with usage and cost, streaming tokens as they come', async () => {
    const double = recordingChat({
      text: 'Employees get 25 days of paid annual leave per year [1]. They must give 30 days notice [2].',
      inputTokens: 1200,
      outputTokens: 40,
      stopReason: 'end_turn',
    });
    const tokens: string[] = [];
    const answerer = createLlmAnswerer({ chat: double.chat, config: config() });
    const result = await answerer.answer({ question: 'How much leave and notice?', sources, onToken: (t) => tokens.push(t) });

    expect(answerer.modelId).toBe(MODEL);
    expect(result.answer).toBe('Employees get 25 days of paid annual leave per year [1]. They must give 30 days notice [2].');
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.join('')).toBe(result.answer);
    expect(result.found).toBe(true);
    expect(result.citations.map((c) => [c.n, c.path, c.supported])).toEqual([
      [1, 'hr/doc-1.md', true],
      [2, 'hr/doc-2.md', true],
    ]);
    expect(result.citations[0]).toMatchObject({ page: 2, heading: 'Leave', documentId: 1, score: 1 });
    expect(result.sources).toEqual(sources);
    expect(result.usage).toEqual({ inputTokens: 1200, outputTokens: 40, embeddingTokens: 0 });
    const usd = 1.2 * 0.0008 + 0.04 * 0.004;
    expect(result.cost!.usd).toBeCloseTo(usd, 12);
    expect(result.cost!.byModel).toEqual({ [MODEL]: result.cost!.usd });
    expect(result.model).toBe(MODEL);
    expect(result).not.toHaveProperty('removedMarkers');

    expect(double.calls).toHaveLength(1);
    const [request] = double.calls;
    expect(request!.system).toBe(GROUNDED_SYSTEM_PROMPT);
    expect(request!.messages.at(-1)!.content).toContain('<source n="1" path="hr/doc-1.md" page="2" heading="Leave">');
    expect(request!.messages.at(-1)!.content).toMatch(/Question: How much leave and notice\?$/);
    expect(request!.params).toEqual({ maxTokens: 1024, temperature: 0.2 });
  });

  it('passes per-request params over the configured ones, maxTokens always explicit', async () => {
    const double = recordingChat({ text: 'Leave is 25 days [1].', inputTokens: 10, outputTokens: 5 });
    const answerer = createLlmAnswerer({ chat: double.chat, config: config({ topP: 0.9, topK: 50, stopSequences: ['END'] }) });
    const guardrail = { id: 'gr-1', version: '2' };
    await answerer.answer({ question: 'Leave?', sources, params: { temperature: 0.7, topK: 5, maxTokens: 300, guardrail, topP: undefined } });
    expect(double.calls[0]!.params).toEqual({ temperature: 0.7, topP: 0.9, topK: 5, maxTokens: 300, stopSequences: ['END'], guardrail });
  });

  it('renumbers the sources in the order the model cites them, in the streamed text too', async () => {
    const double = recordingChat({ text: 'They must give 30 days notice [2]. Leave is 25 days per calendar year [1][2].', inputTokens: 10, outputTokens: 5 });
    const tokens: string[] = [];
    const result = await createLlmAnswerer({ chat: double.chat, config: config() }).answer({ question: 'Notice and leave?', sources, onToken: (t) => tokens.push(t) });
    expect(result.answer).toBe('They must give 30 days notice [1]. Leave is 25 days per calendar year [2][1].');
    expect(tokens.join('')).toBe(result.answer);
    expect(result.citations.map((c) => [c.n, c.path])).toEqual([[1, 'hr/doc-2.md'], [2, 'hr/doc-1.md']]);
    expect(result.sources.map((s) => [s.n, s.path])).toEqual([[1, 'hr/doc-2.md'], [2, 'hr/doc-1.md']]);
    expect(result.citations.every((c) => c.supported)).toBe(true);
  });

  it('passes the history and the abort signal through', async () => {
    const double = recordingChat({ text: 'Notice is 30 days [2].', inputTokens: 10, outputTokens: 5 });
    const controller = new AbortController();
    await createLlmAnswerer({ chat: double.chat, config: config() }).answer({
      question: 'And notice?',
      sources,
      history: [
        { role: 'user', content: 'How much leave?' },
        { role: 'assistant', content: 'Leave is 25 days [1].' },
      ],
      signal: controller.signal,
    });
    expect(double.calls[0]!.signal).toBe(controller.signal);
    expect(double.calls[0]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(double.calls[0]!.messages[1]!.content).toBe('Leave is 25 days.');
  });

  it('is not found when the model says the sources do not contain the answer', async () => {
    const double = recordingChat({ text: NOT_FOUND_TEXT, inputTokens: 900, outputTokens: 12 });
    const result = await createLlmAnswerer({ chat: double.chat, config: config() }).answer({ question: 'Parking?', sources });
    expect(result).toMatchObject({ answer: NOT_FOUND_TEXT, found: false, citations: [] });
    expect(result.usage.inputTokens).toBe(900);
  });

  it('is found when the model hedges but still cites valid sources', async () => {
    const double = recordingChat({ text: 'The sources do not contain the exact figure, but leave is 25 days [1].', inputTokens: 9, outputTokens: 9 });
    const result = await createLlmAnswerer({ chat: double.chat, config: config() }).answer({ question: 'Leave?', sources });
    expect(result.found).toBe(true);
  });

  it('removes and counts markers that point to no source', async () => {
    const double = recordingChat({ text: 'Leave is 25 days [1][4]. Parking is free [7].', inputTokens: 9, outputTokens: 9 });
    const result = await createLlmAnswerer({ chat: double.chat, config: config() }).answer({ question: 'Leave?', sources });
    expect(result.answer).toBe('Leave is 25 days [1]. Parking is free.');
    expect(result.removedMarkers).toBe(2);
    expect(result.citations.map((c) => c.n)).toEqual([1]);
  });

  it('flags a citation whose sentence the source does not back', async () => {
    const double = recordingChat({ text: 'Leave is 25 days [1]. Bonuses are paid every December to all staff [2].', inputTokens: 9, outputTokens: 9 });
    const result = await createLlmAnswerer({ chat: double.chat, config: config() }).answer({ question: 'Leave?', sources });
    expect(result.citations.map((c) => [c.n, c.supported])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('does not call the model when no source fits, and says so', async () => {
    const double = recordingChat();
    const tokens: string[] = [];
    const answerer = createLlmAnswerer({ chat: double.chat, config: config({ maxSourceTokens: 5 }) });
    const result = await answerer.answer({ question: 'Leave?', sources, onToken: (t) => tokens.push(t) });
    expect(result).toMatchObject({ answer: NOT_FOUND_TEXT, found: false, citations: [], sources: [] });
    expect(tokens).toEqual([NOT_FOUND_TEXT]);
    const none = await answerer.answer({ question: 'Leave?', sources: [] });
    expect(none.found).toBe(false);
    expect(double.calls).toHaveLength(0);
  });

  it('is not found when a guardrail intervened', async () => {
    const double = recordingChat({ text: 'Sorry, I cannot help with that.', inputTokens: 9, outputTokens: 9, stopReason: 'guardrail_intervened' });
    const result = await createLlmAnswerer({ chat: double.chat, config: config() }).answer({ question: 'Leave?', sources });
    expect(result.found).toBe(false);
  });

  it('estimates usage when the provider reports none, and leaves cost out for an unpriced model', async () => {
    const double = recordingChat({ text: 'Leave is 25 days [1].', inputTokens: 0, outputTokens: 0 });
    const result = await createLlmAnswerer({ chat: double.chat, config: config(), modelId: 'acme.unknown-model' }).answer({ question: 'Leave?', sources });
    expect(result.usage.inputTokens).toBeGreaterThan(100);
    expect(result.usage.outputTokens).toBe(Math.ceil('Leave is 25 days [1].'.length / 4));
    expect(result.cost).toBeUndefined();
    expect(result.model).toBe('acme.unknown-model');
  });

  it('lets a model failure through instead of pretending nothing was found', async () => {
    const failure = new ModelCallError('Bedrock is throttling', { modelId: MODEL, reason: 'throttled', isRetryable: true, isFatal: false });
    const double = recordingChat(() => {
      throw failure;
    });
    await expect(createLlmAnswerer({ chat: double.chat, config: config() }).answer({ question: 'Leave?', sources })).rejects.toBe(failure);
  });
});

describe('createLlmAnswerer.rewriteQuery', () => {
  const history = [
    { role: 'user' as const, content: 'How long is the notice period for employees?' },
    { role: 'assistant' as const, content: 'Employees give 30 days notice [2].' },
  ];

  it('asks the model for a standalone query and returns it with its tokens', async () => {
    const double = recordingChat({ text: 'Query: "notice period for contractors"\n', inputTokens: 80, outputTokens: 7 });
    const guardrail = { id: 'gr', version: '1', trace: 'enabled' as const };
    const answerer = createLlmAnswerer({ chat: double.chat, config: config({ guardrail: { ...guardrail, checkInput: false } }) });
    const rewritten = await answerer.rewriteQuery('And for contractors?', history);
    expect(rewritten).toMatchObject({ query: 'notice period for contractors', inputTokens: 80, outputTokens: 7 });
    expect(rewritten.costUsd).toBeGreaterThan(0); // priced like any other call of the configured model
    const [request] = double.calls;
    expect(request!.system).toBe(REWRITE_SYSTEM_PROMPT);
    expect(request!.system).toContain('standalone');
    expect(request!.messages[0]!.content).toContain('Follow-up question: And for contractors?');
    expect(request!.params).toEqual({ maxTokens: 120, temperature: 0, guardrail });
  });

  it('keeps the question when there is no history, without a model call', async () => {
    const double = recordingChat();
    const answerer = createLlmAnswerer({ chat: double.chat, config: config() });
    expect(await answerer.rewriteQuery('  Leave? ', [])).toEqual({ query: 'Leave?', inputTokens: 0, outputTokens: 0 });
    expect(double.calls).toHaveLength(0);
  });

  it('falls back to the question when the model returns nothing', async () => {
    const double = recordingChat({ text: '  \n', inputTokens: 50, outputTokens: 0 });
    const rewritten = await createLlmAnswerer({ chat: double.chat, config: config() }).rewriteQuery('And for contractors?', history);
    expect(rewritten.query).toBe('And for contractors?');
  });
});

describe('effectiveParams', () => {
  it('starts from config and keeps only set overrides', () => {
    const answer = config({ topK: 10 }).answer;
    expect(effectiveParams(answer)).toEqual({ maxTokens: 1024, temperature: 0.2, topK: 10 });
    expect(effectiveParams(answer, { temperature: 0, maxTokens: undefined })).toEqual({ maxTokens: 1024, temperature: 0, topK: 10 });
  });
});

describe('rewriteQueryOffline', () => {
  it('adds content words of the recent user turns that the question lacks', () => {
    const query = rewriteQueryOffline('And for contractors?', [
      { role: 'user', content: 'How long is the notice period?' },
      { role: 'assistant', content: 'Thirty days [1].' },
    ]);
    expect(query).toBe('And for contractors? long notice period');
  });

  it('uses the most recent user turns first and stays bounded', () => {
    const history = [
      { role: 'user' as const, content: 'ancient topic words here' },
      { role: 'user' as const, content: 'older question about pensions' },
      { role: 'user' as const, content: 'latest question about bonuses' },
    ];
    const query = rewriteQueryOffline('When?', history);
    expect(query).toBe('When? latest question bonuses older pensions');
    const long = rewriteQueryOffline('q', [{ role: 'user', content: Array.from({ length: 40 }, (_, i) => `term${i}x`).join(' ') }]);
    expect(long.split(' ')).toHaveLength(13);
  });

  it('returns the question alone without history', () => {
    expect(rewriteQueryOffline(' Leave? ', [])).toBe('Leave?');
  });
});
