import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { AnswerCacheError, openAnswerCache } from '../src/answer/answer-cache.js';
import type { AnsweredQuestion } from '../src/answer/answer-question.js';
import type { Answerer } from '../src/answer/answerer.js';
import { answerCacheFile, createCachedAsk } from '../src/answer/create-cached-ask.js';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { openKnowledgeBase } from '../src/app/open-knowledge-base.js';
import { runCli } from '../src/cli/run-cli.js';
import { loadConfig } from '../src/config.js';
import { startEmulator, type Emulator } from '../src/emulator/create-emulator.js';
import { useFakeAwsCredentials } from './fake-aws-credentials.js';
import { copyOfData, tempDir } from './temp-dir.js';

useFakeAwsCredentials();

const NOTICE = join('docs', 'hr', 'notice-periods-and-resignation.md');

/** A copy of the sample data as ./docs of a fresh folder. */
function makeDocs(): string {
  const data = copyOfData();
  const cwd = dirname(data);
  renameSync(data, join(cwd, 'docs'));
  return cwd;
}

async function kb(args: string[], cwd: string, env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    env,
    cwd,
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as AnsweredQuestion };
}

describe('answer cache over the real SDK and the emulator (kb ask)', () => {
  let emulator: Emulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, streamDelayMs: 1 });
    env = { KB_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', KB_BEDROCK_ENDPOINT: emulator.url, KB_BEDROCK_MAX_BACKOFF_MS: '100', KB_ANSWER_CACHE: 'true' };
  });
  afterAll(() => emulator?.close());
  beforeEach(() => emulator.reset());

  test('a repeated question makes no emulator call and says cached with cost 0; kb index changing a document makes it a miss', async () => {
    const cwd = makeDocs();
    expect((await kb(['index', 'docs'], cwd, env)).code).toBe(0);

    emulator.reset();
    const first = await kb(['ask', 'How long is the notice period?', '--json'], cwd, env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ found: true, cached: false });
    expect(first.json().cost?.usd).toBeGreaterThan(0);
    expect(emulator.stats.requests).toBeGreaterThanOrEqual(2); // the query embedding and the answer

    emulator.reset();
    const again = await kb(['ask', '  how long is the NOTICE period ', '--json'], cwd, env);
    expect(again.code, again.stderr).toBe(0);
    const hit = again.json();
    expect(emulator.stats.requests).toBe(0);
    expect(hit).toMatchObject({ cached: true, found: true, answer: first.json().answer, cost: { usd: 0 }, usage: { inputTokens: 0, outputTokens: 0, embeddingTokens: 0 } });
    expect(hit.citations).toEqual(first.json().citations);

    // The terminal form says where the answer came from.
    const human = await kb(['ask', 'How long is the notice period?'], cwd, env);
    expect(human.stdout).toContain('30 days');
    expect(first.json().answer).toContain('30 days');
    expect(human.stdout).toContain('From the answer cache: no model call, $0.');
    expect(emulator.stats.requests).toBe(0);

    // Another filter is another question.
    const filtered = await kb(['ask', 'How long is the notice period?', '--path', 'docs/hr/', '--json'], cwd, env);
    expect(filtered.json().cached).toBe(false);
    expect(emulator.stats.requests).toBeGreaterThan(0);

    const policy = readFileSync(join(cwd, NOTICE), 'utf8');
    writeFileSync(join(cwd, NOTICE), policy.replace('The notice period for employees is 30 days', 'The notice period for employees is 45 days'));
    expect((await kb(['index', 'docs'], cwd, env)).code).toBe(0);
    emulator.reset();
    const changed = await kb(['ask', 'How long is the notice period?', '--json'], cwd, env);
    expect(changed.json()).toMatchObject({ cached: false, found: true });
    expect(changed.json().answer).toContain('45 days');
    expect(emulator.requests.some((r) => r.route.startsWith('converse'))).toBe(true);
  });

  test('without answer.cache.enabled every question calls the model', async () => {
    const cwd = makeDocs();
    const off = { ...env, KB_ANSWER_CACHE: 'false' };
    expect((await kb(['index', 'docs'], cwd, off)).code).toBe(0);
    await kb(['ask', 'How long is the notice period?', '--json'], cwd, off);
    emulator.reset();
    const again = await kb(['ask', 'How long is the notice period?', '--json'], cwd, off);
    expect(again.json().cached).toBeUndefined();
    expect(emulator.stats.requests).toBeGreaterThan(0);
  });
});

/** The offline answerer, counting its calls. */
function countingAnswerer(): Answerer & { calls: number } {
  const inner = createExtractiveAnswerer();
  const counted = { calls: 0, modelId: inner.modelId, rewriteQuery: inner.rewriteQuery.bind(inner), answer: (input: Parameters<Answerer['answer']>[0]) => (counted.calls++, inner.answer(input)) };
  return counted;
}

describe('answer cache: TTL, generation and size (offline, real store)', () => {
  test('an entry expires after ttlSeconds on the injected clock; a store write changes the generation', async () => {
    const cwd = makeDocs();
    expect((await kb(['index', 'docs'], cwd, {})).code).toBe(0);
    const config = loadConfig({ cwd, env: { KB_ANSWER_CACHE: 'true', KB_ANSWER_CACHE_TTL_SECONDS: '60' } });
    const opened = await openKnowledgeBase(config, { readonly: true });
    let now = 1_000_000;
    const { ask, close } = createCachedAsk({ config, generation: async () => (await opened.store.indexInfo()).generation, now: () => now });
    const answerer = countingAnswerer();
    const input = { question: 'How long is the notice period?', retriever: opened.retriever, answerer, minCoverage: config.retrieval.minCoverage };
    try {
      expect((await ask(input)).cached).toBe(false);
      expect((await ask(input)).cached).toBe(true);
      now += 59_000;
      expect((await ask(input)).cached).toBe(true);
      expect(answerer.calls).toBe(1);
      now += 1_000;
      expect((await ask(input)).cached).toBe(false);
      expect(answerer.calls).toBe(2);
      expect((await ask({ ...input, history: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] })).cached).toBe(false);

      // Another process removes a document: the generation moves, the entry no longer answers.
      expect((await ask(input)).cached).toBe(true);
      expect((await kb(['remove', 'docs/it/laptop-and-equipment-policy.md'], cwd, {})).code).toBe(0);
      expect((await ask(input)).cached).toBe(false);
    } finally {
      close();
      await opened.close();
    }
  });

  test('maxEntries bounds the file; the least recently used entry goes first', () => {
    const file = answerCacheFile(tempDir());
    let now = 0;
    const cache = openAnswerCache({ file, ttlSeconds: 3600, maxEntries: 3, now: () => ++now });
    const answer = (n: number) => ({ answer: `a${n}` }) as AnsweredQuestion;
    try {
      for (const n of [1, 2, 3]) cache.put(`k${n}`, answer(n));
      expect(cache.get('k1')?.answer).toBe('a1'); // k1 used: k2 is now the least recently used
      cache.put('k4', answer(4));
      expect(cache.size()).toBe(3);
      expect(cache.get('k2')).toBeUndefined();
      expect(['k1', 'k3', 'k4'].map((k) => cache.get(k)?.answer)).toEqual(['a1', 'a3', 'a4']);
      for (let n = 5; n < 50; n++) cache.put(`k${n}`, answer(n));
      expect(cache.size()).toBe(3);
    } finally {
      cache.close();
    }
    // Stored with the knowledge base: a new process sees the entries.
    const reopened = openAnswerCache({ file, ttlSeconds: 3600, maxEntries: 3, now: () => now });
    expect(reopened.get('k49')?.answer).toBe('a49');
    reopened.close();
  });

  test('answer.cache settings come from env and are checked', () => {
    const env = { KB_ANSWER_CACHE: 'true', KB_ANSWER_CACHE_TTL_SECONDS: '600', KB_ANSWER_CACHE_MAX_ENTRIES: '50' };
    expect(loadConfig({ cwd: tempDir(), env }).answer.cache).toEqual({ enabled: true, ttlSeconds: 600, maxEntries: 50 });
    expect(loadConfig({ cwd: tempDir(), env: {} }).answer.cache).toEqual({ enabled: false, ttlSeconds: 86_400, maxEntries: 1_000 });
    expect(() => loadConfig({ cwd: tempDir(), env: { KB_ANSWER_CACHE_TTL_SECONDS: '0' } })).toThrow(/answer\.cache\.ttlSeconds.*KB_ANSWER_CACHE_TTL_SECONDS/);
  });

  test('a cache file that cannot be opened is a typed error naming the file and the way out', () => {
    const kbDir = tempDir();
    mkdirSync(answerCacheFile(kbDir));
    expect(() => openAnswerCache({ file: answerCacheFile(kbDir), ttlSeconds: 1, maxEntries: 1 })).toThrow(AnswerCacheError);
    expect(() => openAnswerCache({ file: answerCacheFile(kbDir), ttlSeconds: 1, maxEntries: 1 })).toThrow(/answer-cache\.sqlite.*KB_ANSWER_CACHE=false/);
  });
});
