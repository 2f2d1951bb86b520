import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion, type AnsweredQuestion } from '../src/answer/answer-question.js';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { NOT_FOUND_TEXT } from '../src/answer/not-found-answer.js';
import { loadConfig } from '../src/config.js';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever, type Retriever, type RetrieverSettings } from '../src/retrieve/create-retriever.js';
import { defaultWeights } from '../src/retrieve/default-weights.js';
import { mergeNeighbours } from '../src/retrieve/merge-neighbours.js';
import type { KbStore } from '../src/store/kb-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import type { RankedChunk, SearchFilters } from '../src/types.js';
import { DATA_DIR, tempDir } from './temp-dir.js';

interface Fixture {
  question: string;
  expectPath: string;
  expectText: string;
  expectPage?: number;
}
const FIXTURES = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'questions.json'), 'utf8')) as Fixture[];
const OFF_TOPIC = [
  'What is the capital of Peru?',
  'How do I bake sourdough bread?',
  'Who won the 1998 World Cup?',
  'What is the boiling point of mercury?',
  'How do I configure Kubernetes ingress TLS?',
];
/** Paths in the index are "data/..." (root folder name, then the path inside it). */
const REPO_DIR = dirname(DATA_DIR);

const embedder = new LocalHashEmbeddings();
const config = loadConfig({ env: {}, cwd: tmpdir() });
const DEFAULT_WEIGHTS = defaultWeights(embedder);
const WEIGHTINGS: Array<[string, { vectorWeight: number; keywordWeight: number }]> = [
  ['default (keyword only offline)', DEFAULT_WEIGHTS],
  ['hybrid 1/1', { vectorWeight: 1, keywordWeight: 1 }],
];

let kbDir: string;
let store: KbStore;
const retrievers = new Map<string, Retriever>();

function settings(weights: { vectorWeight: number; keywordWeight: number }): RetrieverSettings {
  return { topK: config.retrieval.topK, candidates: config.retrieval.candidates, ...weights };
}

beforeAll(async () => {
  kbDir = mkdtempSync(join(tmpdir(), 'kb-retrieval-'));
  store = openSqliteKbStore(kbDir);
  const summary = await indexFolders({ roots: [DATA_DIR], store, embedder, chunking: config.chunking, ingest: config.ingest });
  expect(summary.failures).toEqual([]);
  expect(summary.files.new).toBe(21);
  for (const [name, weights] of WEIGHTINGS) retrievers.set(name, createRetriever({ store, embedder, settings: settings(weights) }));
});

afterAll(async () => {
  await store?.close();
  if (kbDir) rmSync(kbDir, { recursive: true, force: true });
});

const keyword = () => retrievers.get(WEIGHTINGS[0]![0])!;
const hybrid = () => retrievers.get(WEIGHTINGS[1]![0])!;

it('the offline default weights are keyword-only', () => {
  expect(DEFAULT_WEIGHTS).toEqual({ vectorWeight: 0, keywordWeight: 1 });
});

describe.each(WEIGHTINGS)('retrieval with %s weights', (name) => {
  it.each(FIXTURES)('finds the expected document in the top 3: $question', async ({ question, expectPath, expectPage }) => {
    const { chunks } = await retrievers.get(name)!.retrieve(question);
    const ranked = chunks.map((c, i) => `${i + 1}. ${c.path}${c.page ? ` p.${c.page}` : ''} (${c.score.toFixed(4)})`);
    const rank = chunks.findIndex((c) => c.path === `data/${expectPath}`) + 1;
    expect(rank, `data/${expectPath} ranked ${rank || 'nowhere'}:\n${ranked.join('\n')}`).toBeGreaterThan(0);
    expect(rank, `data/${expectPath} ranked ${rank}:\n${ranked.join('\n')}`).toBeLessThanOrEqual(3);
    if (expectPage !== undefined) {
      expect(chunks.filter((c) => c.path === `data/${expectPath}`).map((c) => c.page)).toContain(expectPage);
    }
  });
});

describe('filters', () => {
  async function both(query: string, filters: SearchFilters) {
    const out = [];
    for (const r of [keyword(), hybrid()]) out.push(...(await r.retrieve(query, { filters })).chunks);
    return out;
  }

  it('a path prefix keeps only documents under it', async () => {
    const chunks = await both('notice period', { pathPrefix: 'data/hr/' });
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) expect(c.path.startsWith('data/hr/'), c.path).toBe(true);
    // Without the filter the same query also reaches other folders, so the filter did something.
    const unfiltered = (await hybrid().retrieve('deployment approval policy')).chunks.map((c) => c.path.split('/')[1]);
    expect(new Set(unfiltered).size).toBeGreaterThan(1);
    const engineering = await both('deployment approval policy', { pathPrefix: 'data/engineering/' });
    expect(engineering.length).toBeGreaterThan(0);
    for (const c of engineering) expect(c.path.startsWith('data/engineering/'), c.path).toBe(true);
  });

  it('a glob keeps only matching paths; * does not cross folders', async () => {
    const html = await both('policy', { pathGlob: 'data/**/*.html' });
    expect(html.length).toBeGreaterThan(0);
    for (const c of html) expect(c.path, c.path).toMatch(/^data\/.+\.html$/);
    const pto = await both('days', { pathGlob: 'data/*/paid-*.md' });
    expect(new Set(pto.map((c) => c.path))).toEqual(new Set(['data/hr/paid-time-off.md']));
    expect((await keyword().retrieve('days', { filters: { pathGlob: 'data/*.md' } })).chunks).toEqual([]);
  });

  it('a format filter keeps only those formats', async () => {
    const pdf = await both('What is the minimum length for a company password?', { formats: ['pdf'] });
    expect(pdf.length).toBeGreaterThan(0);
    expect(new Set(pdf.map((c) => c.path))).toEqual(new Set(['data/security/information-security-policy.pdf']));
    expect(pdf.find((c) => c.text.includes('at least 14 characters long'))?.page).toBe(2);
    const office = await both('policy', { formats: ['docx', 'html'] });
    expect(office.length).toBeGreaterThan(0);
    for (const c of office) expect(c.path).toMatch(/\.(docx|html)$/);
  });

  it('a tag filter keeps documents carrying every tag, case-insensitively', async () => {
    const pto = await both('days', { tags: ['PTO'] });
    expect(pto.length).toBeGreaterThan(0);
    expect(new Set(pto.map((c) => c.path))).toEqual(new Set(['data/hr/paid-time-off.md']));
    const both2 = await both('notice', { tags: ['hr', 'probation'] });
    expect(new Set(both2.map((c) => c.path))).toEqual(new Set(['data/hr/notice-periods-and-resignation.md']));
    expect((await keyword().retrieve('notice', { filters: { tags: ['hr', 'no-such-tag'] } })).chunks).toEqual([]);
  });

  it('a filter nothing matches returns no results rather than unfiltered ones', async () => {
    expect((await keyword().retrieve('notice period', { filters: { pathPrefix: 'data/nope/' } })).chunks).toEqual([]);
    expect((await hybrid().retrieve('notice period', { filters: { pathPrefix: 'data/nope/' } })).chunks).toEqual([]);
  });

  it('topK bounds the number of results', async () => {
    for (const topK of [1, 3]) expect((await hybrid().retrieve('policy', { topK })).chunks.length).toBe(topK);
  });
});

describe('neighbouring chunks', () => {
  const para = (topic: string, n: number) =>
    `Paragraph ${n} is about ${topic}. It has enough words to fill most of one small chunk on its own, and then some more words after that.`;

  it('adjacent chunks of one section that both match are returned as one result', async () => {
    const root = join(tempDir(), 'merge');
    mkdirSync(root);
    const paragraphs = [para('the canteen menu', 1), para('heliotrope paint for the atrium', 2), para('heliotrope curtains for the atrium', 3), para('the bike shed', 4), para('parking rules', 5)];
    const content = `# Office\n\n## Renovation\n\n${paragraphs.join('\n\n')}\n`;
    writeFileSync(join(root, 'office.md'), content);
    const dir = join(tempDir(), 'kb');
    const small = openSqliteKbStore(dir);
    await indexFolders({ roots: [root], store: small, embedder, chunking: { targetTokens: 40, overlapTokens: 0 }, ingest: config.ingest });
    const chunks = await small.chunksOf((await small.listDocuments({})).documents[0]!.id);
    const withWord = chunks.filter((c) => c.text.includes('heliotrope'));
    expect(withWord).toHaveLength(2);
    expect(withWord[1]!.ordinal).toBe(withWord[0]!.ordinal + 1);

    // Keyword-only: exactly the two chunks with the word match, and they come back as one result.
    const keywordOnly = await createRetriever({ store: small, embedder, settings: settings(DEFAULT_WEIGHTS) }).retrieve('heliotrope');
    expect(keywordOnly.chunks.map((r) => r.mergedIds)).toEqual([withWord.map((c) => c.id)]);
    const [merged] = keywordOnly.chunks;
    expect(merged!.text).toContain(paragraphs[1]);
    expect(merged!.text).toContain(paragraphs[2]);
    expect(merged).toMatchObject({ ordinal: withWord[0]!.ordinal, charStart: withWord[0]!.charStart, charEnd: withWord[1]!.charEnd });

    // Hybrid: vector search brings in every chunk of this tiny corpus; the passage is still one result.
    const mixed = await createRetriever({ store: small, embedder, settings: settings({ vectorWeight: 1, keywordWeight: 1 }) }).retrieve('heliotrope');
    const holding = mixed.chunks.filter((r) => r.text.includes('heliotrope'));
    expect(holding, JSON.stringify(mixed.chunks.map((r) => r.mergedIds))).toHaveLength(1);
    expect(holding[0]!.mergedIds).toEqual(expect.arrayContaining(withWord.map((c) => c.id)));
    await small.close();
  });

  function chunk(id: number, ordinal: number, score: number, text = `text of chunk ${ordinal} with some words`): RankedChunk {
    return { id, documentId: 1, path: 'docs/a.md', ordinal, text, heading: 'A > B', charStart: ordinal * 100, charEnd: ordinal * 100 + 50, score, mergedIds: [id] };
  }

  it('merges a run of adjacent chunks whatever order they ranked in', () => {
    // Ranked 3, 0, 1, 2: every chunk of 0..3 made the list, so they are one passage.
    const merged = mergeNeighbours([chunk(13, 3, 0.9), chunk(10, 0, 0.8), chunk(11, 1, 0.7), chunk(12, 2, 0.6)]);
    expect(merged.map((m) => m.mergedIds)).toEqual([[10, 11, 12, 13]]);
    expect(merged[0]).toMatchObject({ ordinal: 0, charStart: 0, charEnd: 350, score: 0.9 });
  });

  it('does not merge chunks of other sections, pages or documents, nor non-adjacent ones', () => {
    const a = chunk(1, 1, 0.9);
    const otherHeading = { ...chunk(2, 2, 0.8), heading: 'A > C' };
    const otherDoc = { ...chunk(3, 2, 0.7), documentId: 2, path: 'docs/b.md' };
    const gap = chunk(4, 3, 0.6);
    expect(mergeNeighbours([a, otherHeading, otherDoc, gap]).map((m) => m.mergedIds)).toEqual([[1], [2], [3], [4]]);
  });

  it('joins overlapping neighbours without repeating the overlap', () => {
    const first = chunk(1, 0, 0.9, 'The first part of the passage ends with a shared overlapping sentence here.');
    const second = chunk(2, 1, 0.8, 'a shared overlapping sentence here. And then the passage goes on.');
    const [merged] = mergeNeighbours([second, first]);
    expect(merged!.text).toBe('The first part of the passage ends with a shared overlapping sentence here. And then the passage goes on.');
  });
});

describe('answerQuestion with the extractive answerer', () => {
  const minCoverage = config.retrieval.minCoverage;
  const answerer = createExtractiveAnswerer();
  const table: Array<{ question: string; found: boolean; citesExpected: boolean; hasText: boolean; hybridHasText: boolean }> = [];

  afterAll(() => {
    if (!table.length) return;
    const withText = table.filter((r) => r.hasText).length;
    const lines = table.map((r) => `  ${r.found ? 'found ' : 'NOT   '} ${r.citesExpected ? 'cites ' : 'nocite'} ${r.hasText ? 'text ' : 'NO   '} hybrid:${r.hybridHasText ? 'text' : 'NO  '}  ${r.question}`);
    console.log(`extractive answers (minCoverage ${minCoverage}): ${withText}/${table.length} contain the expected text\n${lines.join('\n')}`);
  });

  function expectCitationsSound(result: AnsweredQuestion) {
    for (const c of result.citations) {
      expect(existsSync(join(REPO_DIR, c.path)), `${c.path} exists`).toBe(true);
      expect(result.answer).toContain(`[${c.n}]`);
      const source = result.sources.find((s) => s.n === c.n);
      expect(source?.path).toBe(c.path);
      // Extractive: every cited sentence is verbatim in its source.
      for (const sentence of c.snippet.split(' … ')) expect(source!.text.replace(/\s+/g, ' ')).toContain(sentence.replace(/\s+/g, ' '));
    }
  }

  it.each(FIXTURES)('answers with a citation of the expected document: $question', async ({ question, expectPath, expectText }) => {
    const result = await answerQuestion({ question, retriever: keyword(), answerer, minCoverage });
    const viaHybrid = await answerQuestion({ question, retriever: hybrid(), answerer, minCoverage });
    table.push({
      question,
      found: result.found,
      citesExpected: result.citations.some((c) => c.path === `data/${expectPath}`),
      hasText: result.answer.includes(expectText),
      hybridHasText: viaHybrid.answer.includes(expectText),
    });
    expect(result.found, `answer: ${result.answer}\nsources: ${result.sources.map((s) => s.path).join(', ')}`).toBe(true);
    expect(result.citations.map((c) => c.path), result.answer).toContain(`data/${expectPath}`);
    expectCitationsSound(result);
  });

  it('at least 8 of the 12 answers quote the expected text (regression floor; see the printed table)', async () => {
    let withText = 0;
    for (const { question, expectText } of FIXTURES) {
      if ((await answerQuestion({ question, retriever: keyword(), answerer, minCoverage })).answer.includes(expectText)) withText++;
    }
    expect(withText).toBeGreaterThanOrEqual(8);
  });

  // The questions `kb demo` asks (src/cli/commands/demo-command.ts): the first thing a new user sees.
  it.each([
    ['How long is the notice period?', 'data/hr/notice-periods-and-resignation.md'],
    ['How many vacation days do employees get?', 'data/hr/paid-time-off.md'],
  ])('answers the demo question %s', async (question, path) => {
    const result = await answerQuestion({ question, retriever: keyword(), answerer, minCoverage });
    expect(result.found, `answer: ${result.answer}\nsources: ${result.sources.map((s) => s.path).join(', ')}`).toBe(true);
    expect(result.citations.map((c) => c.path)).toContain(path);
    expectCitationsSound(result);
  });

  it.each(OFF_TOPIC)('says it found no answer to an off-topic question: %s', async (question) => {
    for (const retriever of [keyword(), hybrid()]) {
      const result = await answerQuestion({ question, retriever, answerer, minCoverage });
      expect(result.found, result.answer).toBe(false);
      expect(result.answer).toBe(NOT_FOUND_TEXT);
      expect(result.answer).toMatch(/could not find an answer/i);
      expect(result.citations).toEqual([]);
    }
  });
});
