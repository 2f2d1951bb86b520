import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExtractiveAnswerer } from '../src/answer/extractive-answerer.js';
import { kbServiceOverOpenKb } from '../src/collections/kb-service-over-open-kb.js';
import { indexedKb, type KbFixture } from './server-fixture.js';

// Bedrock's overrideSearchType SEMANTIC: vectors only, whatever the configured keyword weight.
let fixture: KbFixture;
beforeAll(async () => {
  fixture = await indexedKb();
});
afterAll(async () => {
  await fixture?.close();
});

describe('semantic search', () => {
  it('runs no keyword search with semantic: true, and the service maps SEMANTIC to it', async () => {
    const query = 'notice period during probation';
    const hybrid = await fixture.kb.retriever.retrieve(query, { topK: 6 });
    expect(hybrid.chunks.some((c) => c.bm25 !== undefined)).toBe(true);
    const semantic = await fixture.kb.retriever.retrieve(query, { topK: 6, semantic: true });
    expect(semantic.chunks.length).toBeGreaterThan(0);
    expect(semantic.chunks.every((c) => c.bm25 === undefined && c.similarity !== undefined)).toBe(true);
    expect(semantic.timings.keywordMs).toBeLessThan(1);

    const service = kbServiceOverOpenKb({ kb: fixture.kb, answerer: createExtractiveAnswerer(), minCoverage: fixture.config.retrieval.minCoverage });
    const viaService = await service.retrieve(query, { k: 6, searchType: 'SEMANTIC' });
    expect(viaService.map((p) => p.chunkId)).toEqual(semantic.chunks.map((c) => c.id));
  });
});
