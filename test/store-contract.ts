import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexMismatchError, LockedError, UsageError } from '../src/errors.js';
import type { DocumentWrite, KbStore, NewDocument } from '../src/store/kb-store.js';
import type { ChunkDraft, DocumentFormat } from '../src/types.js';
import { attributesOf } from '../src/collections/kb-service-over-open-kb.js';
import { matchesFilter } from '../src/collections/match-filter.js';
import type { RetrievalFilter } from '../src/collections/retrieval-filter.js';
import { mulberry32 } from '../src/seeded-random.js';

export interface StoreUnderTest {
  store: KbStore;
  /** Another handle on the same knowledge base (another process's view). */
  another(): Promise<KbStore>;
  /** Damages the derived keyword index behind the store's back (verify must notice, repair must fix). */
  damageKeywordIndex(): Promise<void>;
  cleanup(): Promise<void>;
}

export const DIMS = 8;
export const EMBED_KEY = `test-model@${DIMS}`;
const ROOT = '/kb-contract/docs';

/** A unit-ish vector pointing mostly along axis `axis`, deterministic. */
export function vec(axis: number, wobble = 0): number[] {
  return Array.from({ length: DIMS }, (_, i) => (i === axis % DIMS ? 1 : 0.05 * ((i * 7 + axis * 3 + wobble) % 5)));
}

function hashOf(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return `h${(h >>> 0).toString(16)}-${text.length}`;
}

/** A document write: each chunk text gets a vector along its own axis unless given. */
export function docWrite(
  path: string,
  texts: string[],
  { format = 'markdown' as DocumentFormat, tags = [] as string[], axes = [] as number[], title = undefined as string | undefined, metadata = undefined as Record<string, unknown> | undefined } = {},
): DocumentWrite {
  const chunks: ChunkDraft[] = texts.map((text, i) => ({
    ordinal: i, text, indexText: text, context: '', textHash: hashOf(text), headingPath: i ? ['Intro', `Part ${i}`] : [], charStart: i * 100, charEnd: i * 100 + text.length,
    tokenEstimate: Math.ceil(text.length / 4), ...(format === 'pdf' ? { page: i + 1 } : {}),
  }));
  const doc: NewDocument = {
    absPath: `${ROOT}/${path}`, root: ROOT, path, format, ...(title ? { title } : {}), tags, metadata: metadata ?? { source: path, n: texts.length }, warnings: [],
    contentHash: hashOf(texts.join('|')), size: texts.join('').length, mtimeMs: 1_700_000_000_000.5, chunkerKey: 'v1:400:60', embedKey: EMBED_KEY,
  };
  return { doc, chunks, vectors: new Map(chunks.map((c, i) => [c.textHash, vec(axes[i] ?? hashOf(c.text).length + i)])) };
}

/** The same suite for every KbStore implementation. `make` returns a fresh, empty knowledge base. */
export function runStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`KbStore contract: ${name}`, () => {
    let t: StoreUnderTest;
    let store: KbStore;
    beforeEach(async () => {
      t = await make();
      store = t.store;
      await store.setIndexInfo({ embedding: { model: 'test-model', dimensions: DIMS }, chunking: { targetTokens: 400, overlapTokens: 60 } });
    });
    afterEach(async () => {
      await t.cleanup();
    });

    const corpus = () => [
      docWrite('hr/leave.md', ['Annual leave is 25 days per year for every employee.', 'Parental leave lasts sixteen weeks at full pay.'], { tags: ['HR', 'policy'], axes: [0, 1] }),
      docWrite('it/vpn.md', ['Connect to the VPN before opening the finance dashboard.', 'The VPN client renews certificates every week.'], { tags: ['it'], axes: [2, 3] }),
      docWrite('finance/report.pdf', ['Quarterly revenue grew while travel expenses fell.', 'Expenses for travel need a receipt within thirty days.'], { format: 'pdf', tags: ['finance', 'policy'], axes: [4, 5] }),
    ];

    it('records index info, and refuses another embedding model with IndexMismatchError naming both', async () => {
      const info = await store.indexInfo();
      expect(info.embedding).toEqual({ model: 'test-model', dimensions: DIMS });
      expect(info.chunking).toEqual({ targetTokens: 400, overlapTokens: 60 });
      await store.checkEmbedding({ model: 'test-model', dimensions: DIMS });
      const error = await store.checkEmbedding({ model: 'other-model', dimensions: 1024 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IndexMismatchError);
      expect((error as IndexMismatchError).builtWith).toEqual({ model: 'test-model', dimensions: DIMS });
      expect((error as IndexMismatchError).configured).toEqual({ model: 'other-model', dimensions: 1024 });
      await expect(store.checkEmbedding({ model: 'test-model', dimensions: 16 })).rejects.toBeInstanceOf(IndexMismatchError);
    });

    it('writes a group of documents with their chunks, and reads them back every way callers do', async () => {
      const before = (await store.indexInfo()).generation;
      const results = await store.writeDocuments(corpus());
      expect(results).toHaveLength(3);
      expect(results.every((r) => r.removed.length === 0 && r.added.length === 2)).toBe(true);
      expect((await store.indexInfo()).generation).toBeGreaterThan(before);

      const leaveId = results[0]!.documentId;
      const leave = await store.getDocument(leaveId);
      expect(leave).toMatchObject({ path: 'hr/leave.md', format: 'markdown', tags: ['HR', 'policy'], metadata: { source: 'hr/leave.md', n: 2 }, chunkCount: 2, mtimeMs: 1_700_000_000_000.5 });
      expect(await store.findDocument(`${ROOT}/hr/leave.md`)).toMatchObject({ id: leaveId });
      expect(await store.findDocument('hr/leave.md')).toMatchObject({ id: leaveId });
      expect(await store.findDocument('nope.md')).toBeUndefined();
      expect((await store.documentsUnder([ROOT])).map((d) => d.path).sort()).toEqual(['finance/report.pdf', 'hr/leave.md', 'it/vpn.md']);
      expect(await store.documentsUnder(['/elsewhere'])).toEqual([]);

      const page = await store.listDocuments({ limit: 2, offset: 1 });
      expect(page.total).toBe(3);
      expect(page.documents.map((d) => d.path)).toEqual(['hr/leave.md', 'it/vpn.md']);
      expect((await store.listDocuments({ pathPrefix: 'it/' })).documents.map((d) => d.path)).toEqual(['it/vpn.md']);

      const chunks = await store.chunksOf(results[2]!.documentId);
      expect(chunks.map((c) => [c.ordinal, c.page, c.heading, c.path])).toEqual([[0, 1, undefined, 'finance/report.pdf'], [1, 2, 'Intro > Part 1', 'finance/report.pdf']]);
      expect(chunks.map((c) => c.id)).toEqual(results[2]!.added.map((a) => a.id));
      const byId = await store.chunksByIds([chunks[1]!.id, 999_999]);
      expect([...byId.keys()]).toEqual([chunks[1]!.id]);
      expect(byId.get(chunks[1]!.id)!.text).toBe('Expenses for travel need a receipt within thirty days.');

      const twin = await store.findTwin(leave!.contentHash, 'v1:400:60', EMBED_KEY);
      expect(twin?.document.id).toBe(leaveId);
      expect(twin?.chunks.map((c) => [c.ordinal, c.text, c.headingPath])).toEqual([[0, 'Annual leave is 25 days per year for every employee.', []], [1, 'Parental leave lasts sixteen weeks at full pay.', ['Intro', 'Part 1']]]);
      expect(await store.findTwin(leave!.contentHash, 'v1:800:60', EMBED_KEY)).toBeUndefined();

      const stats = await store.stats();
      expect(stats).toMatchObject({ documents: 3, chunks: 6, vectors: 6 });
      expect(stats.tokens).toBeGreaterThan(0);
      expect(stats.bytes).toBeGreaterThan(0);
    });

    it('replaces a document by path: old chunks removed (ids returned, never reused), new ones searchable, old text gone', async () => {
      const [first] = await store.writeDocuments([corpus()[0]!]);
      const [second] = await store.writeDocuments([docWrite('hr/leave.md', ['Sabbatical leave needs manager approval.'], { tags: ['hr'] })]);
      expect(second!.documentId).toBe(first!.documentId);
      expect(second!.removed).toEqual(first!.added.map((a) => a.id));
      expect(second!.added.some((a) => first!.added.some((f) => f.id === a.id))).toBe(false);
      expect((await store.chunksOf(first!.documentId)).map((c) => c.text)).toEqual(['Sabbatical leave needs manager approval.']);
      expect(await store.searchKeywords('parental', { k: 5 })).toEqual([]);
      expect((await store.searchKeywords('sabbatical', { k: 5 })).map((h) => h.chunkId)).toEqual([second!.added[0]!.id]);
      expect((await store.stats()).chunks).toBe(1);
    });

    it('removes documents with their chunks and bumps the generation; touch updates size and mtime only', async () => {
      const results = await store.writeDocuments(corpus());
      const before = (await store.indexInfo()).generation;
      const removed = await store.removeDocuments([results[1]!.documentId]);
      expect(removed.sort((a, b) => a - b)).toEqual(results[1]!.added.map((a) => a.id).sort((a, b) => a - b));
      expect(await store.getDocument(results[1]!.documentId)).toBeUndefined();
      expect((await store.indexInfo()).generation).toBeGreaterThan(before);
      expect(await store.searchKeywords('vpn', { k: 5 })).toEqual([]);
      expect((await store.searchVectors(vec(2), { k: 6 })).map((h) => h.chunkId)).not.toContain(results[1]!.added[0]!.id);
      expect(await store.removeDocuments([])).toEqual([]);

      await store.touchDocument(results[0]!.documentId, 4242, 1_800_000_000_000);
      expect(await store.getDocument(results[0]!.documentId)).toMatchObject({ size: 4242, mtimeMs: 1_800_000_000_000, chunkCount: 2 });
    });

    it('ranks keyword hits by BM25: rarer and more frequent terms first, stopword-only or query-syntax text harmless', async () => {
      const results = await store.writeDocuments(corpus());
      const hits = await store.searchKeywords('travel expenses receipt', { k: 10 });
      const ids = results[2]!.added.map((a) => a.id);
      expect(hits.map((h) => h.chunkId)).toEqual([ids[1], ids[0]]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect(hits[1]!.score).toBeGreaterThan(0);
      expect(await store.searchKeywords('the of and', { k: 10 })).toEqual([]);
      expect(await store.searchKeywords('"vpn" AND NEAR( leave: OR *', { k: 10 })).not.toHaveLength(0);
      expect(await store.searchKeywords('travel', { k: 1 })).toHaveLength(1);
      // Stemmed: "renewing certificate" finds "renews certificates".
      expect((await store.searchKeywords('renewing certificate', { k: 3 }))[0]?.chunkId).toBe(results[1]!.added[1]!.id);
    });

    it('finds nearest vectors by cosine similarity, best first', async () => {
      const results = await store.writeDocuments(corpus());
      const hits = await store.searchVectors(vec(3), { k: 3 });
      expect(hits[0]!.chunkId).toBe(results[1]!.added[1]!.id);
      expect(hits[0]!.score).toBeCloseTo(1, 5);
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
      expect(hits).toHaveLength(3);
    });

    it('applies every filter inside both searches, k results when k pass', async () => {
      const results = await store.writeDocuments(corpus());
      const idsOf = (...docs: number[]) => docs.flatMap((d) => results[d]!.added.map((a) => a.id)).sort((a, b) => a - b);
      const both = async (filters: Parameters<KbStore['searchVectors']>[1]['filters']) => ({
        keyword: (await store.searchKeywords('leave vpn travel expenses revenue certificates pay', { k: 10, ...(filters ? { filters } : {}) })).map((h) => h.chunkId).sort((a, b) => a - b),
        vector: (await store.searchVectors(vec(0), { k: 10, ...(filters ? { filters } : {}) })).map((h) => h.chunkId).sort((a, b) => a - b),
      });
      expect(await both(undefined)).toEqual({ keyword: idsOf(0, 1, 2), vector: idsOf(0, 1, 2) });
      expect(await both({ pathPrefix: 'hr/' })).toEqual({ keyword: idsOf(0), vector: idsOf(0) });
      expect(await both({ pathGlob: '**/*.md' })).toEqual({ keyword: idsOf(0, 1), vector: idsOf(0, 1) });
      expect(await both({ pathGlob: '{it,finance}/*' })).toEqual({ keyword: idsOf(1, 2), vector: idsOf(1, 2) });
      // Globs match the path inside the indexed folder too: `*.md` is every Markdown file at a root's top.
      expect(await both({ pathGlob: '*.md' })).toEqual({ keyword: idsOf(0, 1), vector: idsOf(0, 1) });
      expect(await both({ pathGlob: '*.pdf' })).toEqual({ keyword: idsOf(2), vector: idsOf(2) });
      expect(await both({ pathGlob: 'leave.*' })).toEqual({ keyword: idsOf(0), vector: idsOf(0) });
      expect(await both({ formats: ['pdf'] })).toEqual({ keyword: idsOf(2), vector: idsOf(2) });
      expect(await both({ tags: ['hr'] })).toEqual({ keyword: idsOf(0), vector: idsOf(0) });
      expect(await both({ tags: ['policy', 'FINANCE'] })).toEqual({ keyword: idsOf(2), vector: idsOf(2) });
      expect(await both({ tags: ['policy'], formats: ['markdown'], pathPrefix: 'hr' })).toEqual({ keyword: idsOf(0), vector: idsOf(0) });
      // k results pass the filter even when the nearest chunks overall do not.
      expect(await store.searchVectors(vec(0), { k: 2, filters: { formats: ['pdf'] } })).toHaveLength(2);
      await expect(store.searchKeywords('leave', { k: 5, filters: { pathGlob: 'hr/{a,b' } })).rejects.toBeInstanceOf(UsageError);
      await expect(store.searchVectors(vec(0), { k: 5, filters: { pathGlob: 'hr/{a,b' } })).rejects.toBeInstanceOf(UsageError);
    });

    it('applies a Bedrock-style `where` on front matter inside both searches, exactly as matchesFilter decides', async () => {
      const metas: Array<Record<string, unknown>> = [
        { team: 'hr', year: 2024, public: true, reviewers: ['ana', 'bo'], score: 4.5 },
        { team: 'it', year: 2023, public: false, reviewers: ['bo'], 'owner.name': 'x"y', note: 'contains policy words' },
        { team: 'hr', year: '2024', public: 'true', reviewers: [], level: null, nested: { a: 1 } },
        { team: 'finance', year: 2025, reviewers: ['cy', 'ana'], score: 3, title: 'front-matter title' },
        { year: 2022, access: ['hr', 'managers'], labels: ['alpha beta', 'gamma'] },
        {},
      ];
      const writes = metas.map((metadata, i) => docWrite(`d${i}/doc-${i}.md`, [`Policy text number ${i} about the shared policy.`], { metadata, axes: [i], tags: i % 2 ? ['odd'] : [], ...(i === 1 ? { title: 'Real title' } : {}) }));
      await store.writeDocuments(writes);
      const { documents } = await store.listDocuments({ limit: 100 });
      const filters: RetrievalFilter[] = [
        { equals: { key: 'team', value: 'hr' } }, { equals: { key: 'year', value: 2024 } }, { equals: { key: 'public', value: true } },
        { equals: { key: 'level', value: null } }, { equals: { key: 'owner.name', value: 'x"y' } }, { equals: { key: 'reviewers', value: ['bo'] } },
        { notEquals: { key: 'team', value: 'hr' } }, { notEquals: { key: 'year', value: 2024 } },
        { greaterThan: { key: 'year', value: 2023 } }, { greaterThanOrEquals: { key: 'year', value: 2023 } }, { lessThan: { key: 'score', value: 4 } },
        { lessThanOrEquals: { key: 'year', value: '2024' } },
        { in: { key: 'team', value: ['it', 'finance'] } }, { in: { key: 'year', value: [2022, '2024'] } }, { notIn: { key: 'team', value: ['hr'] } }, { notIn: { key: 'team', value: 'hr' } },
        { startsWith: { key: 'team', value: 'fin' } }, { startsWith: { key: 'path', value: 'd1/' } },
        { listContains: { key: 'reviewers', value: 'ana' } }, { listContains: { key: 'access', value: 'managers' } }, { listContains: { key: 'tags', value: 'odd' } },
        { stringContains: { key: 'note', value: 'policy' } }, { stringContains: { key: 'labels', value: 'beta' } }, { stringContains: { key: 'team', value: '' } },
        { equals: { key: 'title', value: 'Real title' } }, { equals: { key: 'title', value: 'front-matter title' } }, { equals: { key: 'format', value: 'markdown' } },
        { andAll: [{ equals: { key: 'team', value: 'hr' } }, { equals: { key: 'public', value: true } }] },
        { orAll: [{ listContains: { key: 'access', value: 'hr' } }, { lessThan: { key: 'year', value: 2024 } }] },
        { andAll: [{ notEquals: { key: 'team', value: 'it' } }, { orAll: [{ equals: { key: 'year', value: 2025 } }, { notIn: { key: 'year', value: [2024] } }] }] },
      ];
      // And seeded random combinations of the single comparisons.
      const random = mulberry32(17);
      const pick = () => filters[Math.floor(random() * 27)]!;
      for (let i = 0; i < 20; i++) filters.push(random() < 0.5 ? { andAll: [pick(), pick()] } : { orAll: [pick(), { notEquals: { key: 'team', value: 'finance' } }, pick()] });
      for (const where of filters) {
        const expected = documents.filter((d) => matchesFilter(where, attributesOf(d))).map((d) => d.path).sort();
        const chunks = async (hits: Array<{ chunkId: number }>) => [...(await store.chunksByIds(hits.map((h) => h.chunkId))).values()].map((c) => c.path).sort();
        expect(await chunks(await store.searchKeywords('policy', { k: 50, filters: { where } })), `keyword ${JSON.stringify(where)}`).toEqual(expected);
        expect(await chunks(await store.searchVectors(vec(0), { k: 50, filters: { where } })), `vector ${JSON.stringify(where)}`).toEqual(expected);
      }
      expect(documents).toHaveLength(6);
    });

    it('hides documents whose `access` front matter names none of the caller\'s tags, in both searches and in listings', async () => {
      const metas = [{}, { access: 'hr' }, { access: ['hr', 'managers'] }, { access: [] }, { access: 7 }];
      const results = await store.writeDocuments(metas.map((metadata, i) => docWrite(`a${i}.md`, [`Salary policy note ${i} for the salary review.`], { metadata, axes: [i] })));
      const idOf = (i: number) => results[i]!.documentId;
      const seen = async (visibleTo: string[] | undefined) => {
        const filters = visibleTo ? { visibleTo } : undefined;
        const chunks = async (hits: Array<{ chunkId: number }>) => [...(await store.chunksByIds(hits.map((h) => h.chunkId))).values()].map((c) => c.path).sort();
        const keyword = await chunks(await store.searchKeywords('salary policy', { k: 20, ...(filters ? { filters } : {}) }));
        const vector = await chunks(await store.searchVectors(vec(0), { k: 20, ...(filters ? { filters } : {}) }));
        const listed = (await store.listDocuments({ limit: 20, ...(visibleTo ? { visibleTo } : {}) })).documents.map((d) => d.path).sort();
        expect(vector).toEqual(keyword);
        expect(listed).toEqual(keyword);
        return keyword;
      };
      expect(await seen(undefined)).toEqual(['a0.md', 'a1.md', 'a2.md', 'a3.md', 'a4.md']);
      expect(await seen([])).toEqual(['a0.md']);
      expect(await seen(['managers'])).toEqual(['a0.md', 'a2.md']);
      expect(await seen(['hr', 'finance'])).toEqual(['a0.md', 'a1.md', 'a2.md']);
      expect(await store.getDocument(idOf(1), { visibleTo: ['managers'] })).toBeUndefined();
      expect((await store.getDocument(idOf(2), { visibleTo: ['managers'] }))?.path).toBe('a2.md');
      expect((await store.getDocument(idOf(1)))?.path).toBe('a1.md');
    });

    it('caches vectors by embed key and chunk-text hash, and prunes those no chunk uses', async () => {
      const write = corpus()[0]!;
      await store.writeDocuments([write]);
      const [hash0, hash1] = write.chunks.map((c) => c.textHash);
      const cached = await store.cachedVectors(EMBED_KEY, [hash0!, hash1!, 'unknown', hash0!]);
      expect([...cached.keys()].sort()).toEqual([hash0, hash1].sort());
      expect(Array.from(cached.get(hash0!)!)).toEqual(Array.from(Float32Array.from(write.vectors.get(hash0!)!)));
      expect((await store.cachedVectors('other@8', [hash0!])).size).toBe(0);
      await store.putVectors(EMBED_KEY, [{ hash: 'orphan', vector: vec(7) }]);
      expect((await store.cachedVectors(EMBED_KEY, ['orphan'])).size).toBe(1);
      expect(await store.pruneVectors()).toBe(1);
      expect((await store.cachedVectors(EMBED_KEY, ['orphan', hash0!])).size).toBe(1);
    });

    it('writes a group all-or-nothing: one failing document leaves the whole group unwritten and earlier versions intact', async () => {
      const [kept] = await store.writeDocuments([corpus()[0]!]);
      const generation = (await store.indexInfo()).generation;
      const bad = docWrite('it/broken.md', ['Zebra one.', 'Zebra two.']);
      bad.chunks[1] = { ...bad.chunks[1]!, ordinal: 0 }; // two chunks with one ordinal: the database refuses
      const replacement = docWrite('hr/leave.md', ['Unicorn leave replaces everything.']);
      await expect(store.writeDocuments([docWrite('it/fine.md', ['Walrus notes.']), replacement, bad])).rejects.toThrow();
      expect((await store.stats()).documents).toBe(1);
      expect((await store.indexInfo()).generation).toBe(generation);
      expect(await store.searchKeywords('walrus unicorn zebra', { k: 5 })).toEqual([]);
      expect((await store.chunksOf(kept!.documentId)).map((c) => c.id)).toEqual(kept!.added.map((a) => a.id));
      const missingVector = docWrite('it/novector.md', ['Narwhal.']);
      missingVector.vectors.clear();
      await expect(store.writeDocuments([missingVector])).rejects.toThrow(/no vector/);
      expect((await store.stats()).documents).toBe(1);
    });

    it('lets another handle see each committed write and the new generation without reopening', async () => {
      const other = await t.another();
      try {
        const g0 = (await other.indexInfo()).generation;
        // Read once before the write, so counts kept from that read must follow it.
        const before = await other.termStats(['vpn']);
        expect(before.documentFrequency.get('vpn')).toBe(0);
        await store.writeDocuments([corpus()[1]!]);
        expect((await other.indexInfo()).generation).toBeGreaterThan(g0);
        const after = await other.termStats(['vpn']);
        expect(after.documentFrequency.get('vpn')).toBe(2);
        expect(after.chunks).toBeGreaterThan(before.chunks);
        expect(after.chunks).toBe((await store.stats()).chunks);
        expect((await other.searchKeywords('vpn', { k: 5 })).length).toBe(2);
        expect((await other.searchVectors(vec(2), { k: 1 }))[0]?.score).toBeCloseTo(1, 5);
        await store.writeDocuments([corpus()[2]!]);
        expect((await other.searchVectors(vec(5), { k: 1 }))[0]?.score).toBeCloseTo(1, 5);
        const { documents } = await store.listDocuments({});
        await store.removeDocuments([documents[0]!.id]);
        expect((await other.termStats(['vpn'])).chunks).toBe((await store.stats()).chunks);
      } finally {
        await other.close();
      }
    });

    it('remembers failed files by path until cleared', async () => {
      expect((await store.failedFiles()).size).toBe(0);
      const failure = { contentHash: 'abc', size: 10, mtimeMs: 1.5, chunkerKey: 'v1:400:60', reason: 'not a PDF' };
      await store.recordFailure('/docs/a.pdf', failure);
      await store.recordFailure('/docs/b.pdf', { ...failure, reason: 'encrypted' });
      await store.recordFailure('/docs/a.pdf', { ...failure, mtimeMs: 2 });
      const failed = await store.failedFiles();
      expect(failed.get('/docs/a.pdf')).toEqual({ ...failure, mtimeMs: 2 });
      expect(failed.get('/docs/b.pdf')?.reason).toBe('encrypted');
      await store.clearFailures(['/docs/a.pdf', '/docs/none.pdf']);
      expect([...(await store.failedFiles()).keys()]).toEqual(['/docs/b.pdf']);
    });

    it('records runs', async () => {
      expect(await store.lastRun()).toBeUndefined();
      const id = await store.startRun();
      expect(await store.lastRun()).toMatchObject({ id, status: 'running' });
      await store.finishRun(id, 'partial', { files: { seen: 3 }, failures: [{ path: 'x', reason: 'y' }] });
      const run = await store.lastRun();
      expect(run).toMatchObject({ id, status: 'partial', summary: { files: { seen: 3 }, failures: [{ path: 'x', reason: 'y' }] } });
      expect(run?.finishedAt).toBeDefined();
    });

    it('admits one writer: a second is refused naming the holder, or waits for the release', async () => {
      const release = await store.acquireWriter();
      const other = await t.another();
      try {
        const refused = await other.acquireWriter().catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(LockedError);
        expect((refused as LockedError).holderPid).toBe(process.pid);
        expect((refused as LockedError).message).toContain(`pid ${process.pid}`);
        expect((await other.stats()).writer).toContain(`pid ${process.pid}`);
        let waited = false;
        const queued = other.acquireWriter({ wait: true }).then((r) => ((waited = true), r));
        await other.stats();
        expect(waited).toBe(false);
        await release();
        const releaseOther = await queued;
        expect(waited).toBe(true);
        await expect(store.acquireWriter()).rejects.toBeInstanceOf(LockedError);
        await releaseOther();
        expect((await store.stats()).writer).toBeUndefined();
        await (await store.acquireWriter())();
      } finally {
        await other.close();
      }
    });

    it('verifies clean, reports a damaged keyword index, repairs it', async () => {
      await store.writeDocuments(corpus());
      const clean = await store.verify();
      expect(clean.ok).toBe(true);
      expect(clean.problems).toEqual([]);
      expect(clean.checks.length).toBeGreaterThan(3);
      expect(clean.notes.join('\n')).toContain('hr/leave.md: the file is gone');

      await t.damageKeywordIndex();
      const damaged = await store.verify();
      expect(damaged.ok).toBe(false);
      expect(damaged.problems.some((p) => p.repairable)).toBe(true);
      const repaired = await store.verify({ repair: true });
      expect(repaired.repaired.length).toBeGreaterThan(0);
      expect((await store.verify()).ok).toBe(true);
      expect((await store.searchKeywords('annual leave', { k: 3 })).length).toBeGreaterThan(0);
    });
  });
}
