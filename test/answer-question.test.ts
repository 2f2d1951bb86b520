import { describe, expect, test } from 'vitest';
import { answerQuestion } from '../src/answer/answer-question.js';
import type { Answerer } from '../src/answer/answerer.js';
import type { RetrievalResult } from '../src/retrieve/create-retriever.js';

const chunk = { id: 1, documentId: 1, path: 'data/hr/leave.md', ordinal: 0, text: 'The notice period is 30 days.', charStart: 0, charEnd: 29, score: 1, mergedIds: [1], coverage: 0.9 };

function retrieverReturning(chunks: RetrievalResult['chunks']) {
  const queries: string[] = [];
  return {
    queries,
    retrieve: async (query: string): Promise<RetrievalResult> => {
      queries.push(query);
      return { chunks, rebuiltIndex: false, timings: { embedMs: 0, vectorMs: 0, keywordMs: 0, totalMs: 0 } };
    },
  };
}

/** An answerer double that records calls and fails on anything unexpected. */
function answererDouble(): Answerer & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    modelId: 'test-model',
    async rewriteQuery(question) {
      calls.push(`rewrite:${question}`);
      return { query: `standalone ${question}`, inputTokens: 100, outputTokens: 10, costUsd: 0.5 };
    },
    async answer({ sources }) {
      calls.push(`answer:${sources.length}`);
      return { answer: 'It is 30 days. [1]', found: true, citations: [], sources, usage: { inputTokens: 1000, outputTokens: 50, embeddingTokens: 0 }, cost: { usd: 1, byModel: { 'test-model': 1 } }, model: 'test-model' };
    },
  };
}

describe('answerQuestion', () => {
  test('a follow-up is rewritten for retrieval, and the rewrite call counts in usage and cost', async () => {
    const retriever = retrieverReturning([chunk]);
    const answerer = answererDouble();
    const result = await answerQuestion({ question: 'and during probation?', history: [{ role: 'user', content: 'notice period?' }, { role: 'assistant', content: '30 days' }], retriever, answerer, minCoverage: 0.3 });
    expect(retriever.queries).toEqual(['standalone and during probation?']);
    expect(answerer.calls).toEqual(['rewrite:and during probation?', 'answer:1']);
    expect(result.usage).toMatchObject({ inputTokens: 1100, outputTokens: 60 });
    expect(result.cost).toEqual({ usd: 1.5, byModel: { 'test-model': 1.5 } });
  });

  test('nothing covering the question: no model call, an honest no-answer', async () => {
    const answerer = answererDouble();
    const result = await answerQuestion({ question: 'capital of Peru?', retriever: retrieverReturning([{ ...chunk, coverage: 0.1 }]), answerer, minCoverage: 0.3 });
    expect(answerer.calls).toEqual([]);
    expect(result.found).toBe(false);
    expect(result.citations).toEqual([]);
  });

  test('the gate looks at the best chunk; past it, chunks covering at least half as much are sources too', async () => {
    const answerer = answererDouble();
    const chunks = [
      { ...chunk, id: 1, coverage: 0.6 },
      { ...chunk, id: 2, path: 'data/hr/other.md', coverage: 0.31 },
      { ...chunk, id: 3, path: 'data/hr/far.md', coverage: 0.29 },
    ];
    const result = await answerQuestion({ question: 'notice period?', retriever: retrieverReturning(chunks), answerer, minCoverage: 0.34 });
    expect(answerer.calls).toEqual(['answer:2']);
    expect(result.sources.map((s) => s.chunkId)).toEqual([1, 2]);

    const below = answererDouble();
    const refused = await answerQuestion({ question: 'notice period?', retriever: retrieverReturning(chunks.map((c) => ({ ...c, coverage: c.coverage / 2 }))), answerer: below, minCoverage: 0.34 });
    expect(below.calls).toEqual([]);
    expect(refused.found).toBe(false);
  });
});
