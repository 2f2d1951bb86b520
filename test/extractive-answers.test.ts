import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion, type AnsweredQuestion } from '../src/answer/answer-question.js';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { NOT_FOUND_TEXT } from '../src/answer/not-found-answer.js';
import { loadConfig } from '../src/config.js';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever, type Retriever } from '../src/retrieve/create-retriever.js';
import { defaultWeights } from '../src/retrieve/default-weights.js';
import type { KbStore } from '../src/store/kb-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { DATA_DIR } from './temp-dir.js';

// Markdown written the way real documentation sets are (AWS docs: `\.` escapes, `<a name>` anchors, links,
// emphasis, tables, fenced code), indexed with the demo data through the real indexer.
const ANSWERS_DIR = join(import.meta.dirname, 'fixtures', 'answers');
const DEMO_QUESTIONS = (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'questions.json'), 'utf8')) as Array<{ question: string }>).map((q) => q.question);
const MARKUP = /\*\*|__|\\[\\`*_{}[\]()#+\-.!|<>]|<\/?[a-z][^>]*>|\]\(|`|^#{1,6}\s|\||&[a-z]+;/m;

const config = loadConfig({ env: {}, cwd: tmpdir() });
const embedder = new LocalHashEmbeddings();
const answerer = createExtractiveAnswerer();
let kbDir: string;
let store: KbStore;
let retriever: Retriever;

beforeAll(async () => {
  kbDir = mkdtempSync(join(tmpdir(), 'kb-answers-'));
  store = openSqliteKbStore(kbDir);
  const summary = await indexFolders({ roots: [DATA_DIR, ANSWERS_DIR], store, embedder, chunking: config.chunking, ingest: config.ingest });
  expect(summary.failures).toEqual([]);
  retriever = createRetriever({ store, embedder, settings: { topK: config.retrieval.topK, candidates: config.retrieval.candidates, ...defaultWeights(embedder) } });
});

afterAll(async () => {
  await store?.close();
  if (kbDir) rmSync(kbDir, { recursive: true, force: true });
});

const ask = (question: string) => answerQuestion({ question, retriever, answerer, minCoverage: config.retrieval.minCoverage });
const found = async (question: string) => {
  const result = await ask(question);
  expect(result.found, `${question}\n${result.answer}`).toBe(true);
  return result;
};

const QUESTIONS = [
  ...DEMO_QUESTIONS,
  'What is the maximum size of a single document?',
  'What error does the service return when I exceed the query rate?',
  'How do I install the command line tool with the package manager?',
  'How do I uninstall the package?',
  'Where does the installer write its settings?',
];

describe('extractive answers over indexed documents', () => {
  it('contain no Markdown or HTML syntax', async () => {
    for (const question of QUESTIONS) {
      const { answer } = await found(question);
      expect(answer, question).not.toMatch(MARKUP);
    }
  });

  it('quote a table row with its column headers', async () => {
    const result = await found('What is the maximum size of a single document?');
    expect(result.answer).toMatch(/Maximum size of a single document/);
    expect(result.answer).toMatch(/Default: 50 MB/);
    expect(result.citations[0]?.path).toBe('answers/search-service-quotas.md');
  });

  it('resolve escapes and emphasis instead of quoting them', async () => {
    const result = await found('What error does the service return when I exceed the query rate?');
    expect(result.answer).toContain('the service returns a ThrottlingException error (HTTP status 429).');
  });

  it('never quote a heading or a code line', async () => {
    for (const question of ['How do I install the command line tool with the package manager?', 'Where does the installer write its settings?']) {
      const { answer } = await found(question);
      for (const notQuoted of ['Installing the command line tool', 'Install with the package manager', 'npm install', 'search-cli configure']) expect(answer, question).not.toContain(notQuoted);
    }
  });

  it('append no punctuation to a quoted line', async () => {
    const result = await found('How do I uninstall the package?');
    expect(result.answer).toMatch(/Remove the package with the same package manager that installed it( \[1\]|\n)/);
    expect(result.answer).not.toMatch(/installed it\./);
  });

  it('number the sources in the order they are cited, without gaps, cited sources first', async () => {
    for (const question of QUESTIONS) {
      const result = await found(question);
      expectNumberedInCitationOrder(result);
    }
  });

  it('refuse a question the documents do not cover', async () => {
    for (const question of ['What is the capital of Australia?', 'Who painted the Mona Lisa?', 'What is the speed of light?']) {
      const result = await ask(question);
      expect(result.found, `${question}\n${result.answer}`).toBe(false);
      expect(result.answer).toBe(NOT_FOUND_TEXT);
      expect(result.citations).toEqual([]);
    }
  });
});

function expectNumberedInCitationOrder(result: AnsweredQuestion): void {
  const markers = [...new Set([...result.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])))];
  const k = result.citations.length;
  const oneToK = Array.from({ length: k }, (_, i) => i + 1);
  expect(markers, result.answer).toEqual(oneToK);
  expect(result.citations.map((c) => c.n)).toEqual(oneToK);
  expect(result.sources.map((s) => s.n)).toEqual(Array.from({ length: result.sources.length }, (_, i) => i + 1));
  expect(result.sources.slice(0, k).map((s) => s.path)).toEqual(result.citations.map((c) => c.path));
}
