import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IndexMismatchError } from '../src/errors.js';
import { chunkDocument, chunkerKey, type ChunkingOptions } from '../src/ingest/chunk-document.js';
import { indexFolders } from '../src/ingest/index-folders.js';
import type { IndexSummary } from '../src/ingest/index-summary.js';
import { loadDocument } from '../src/ingest/loaders/load-document.js';
import { type EmbedderCapabilities, type EmbedOptions, type EmbedResult, type Embedder, embedderKey } from '../src/models/embedder.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { createRetriever } from '../src/retrieve/create-retriever.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore, type SqliteStore } from '../src/store/sqlite-store.js';
import { VectorIndex } from '../src/store/vector-index.js';
import { DATA_DIR, tempDir } from './temp-dir.js';

/**
 * An Embedder that delegates to the offline hashed embedder and records every text it is asked to embed.
 * Queries are not part of indexing: a query embedding fails loudly unless a test allows it.
 */
class RecordingEmbedder implements Embedder {
  /** The texts of each document embed call, in call order. */
  readonly calls: string[][] = [];
  allowQueries = false;
  private readonly inner: LocalHashEmbeddings;

  constructor(dimensions = 1024) {
    this.inner = new LocalHashEmbeddings({ dimensions });
  }
  get modelId(): string {
    return this.inner.modelId;
  }
  get dimensions(): number {
    return this.inner.dimensions;
  }
  get capabilities(): EmbedderCapabilities {
    return this.inner.capabilities;
  }
  /** Every text embedded since the last reset, flattened. */
  get embedded(): string[] {
    return this.calls.flat();
  }
  reset(): void {
    this.calls.length = 0;
  }
  async embed(texts: string[], options: EmbedOptions): Promise<EmbedResult> {
    if (options.purpose === 'query' && !this.allowQueries) throw new Error(`RecordingEmbedder: unexpected query embedding (${JSON.stringify(texts)}) during indexing`);
    if (options.purpose === 'document') this.calls.push([...texts]);
    return this.inner.embed(texts);
  }
}

const CHUNKING: ChunkingOptions = { targetTokens: 400, overlapTokens: 60 };
const INGEST = { maxFileBytes: 10 * 1024 * 1024, followSymlinks: false, fileTimeoutMs: 30_000 };
const PDF = readFileSync(join(DATA_DIR, 'security/information-security-policy.pdf'));

// Every section is shorter than one chunk, so each section is exactly one chunk and an edit touches one.
const HANDBOOK = `---
title: Team Handbook
tags: [team, handbook]
---
# Team Handbook

How the platform team works together, day to day.

## Meetings

We hold a planning meeting every Monday at 10:00. Notes go in the shared drive under Planning.

## Holidays

Each person gets 25 days of holiday a year. Book holidays two weeks ahead in the team calendar.

## Equipment

Laptops are replaced every three years; monitors every five years.
`;
const ONBOARDING = `# Onboarding

## First day

Collect your badge at reception and meet your onboarding buddy for coffee.

## First week

Ship a small change to production with your buddy reviewing it.
`;
const GLOSSARY = `# Glossary

## Zanzibarite

A zanzibarite is our internal word for a flaky integration test that passes on retry.

## Pagerfall

A pagerfall is a burst of alerts that arrives after a long quiet night.
`;

/** A folder `notes` in a fresh temp dir holding `files`; returns the folder and a kb dir beside it. */
function makeNotes(files: Record<string, string | Buffer> = { 'handbook.md': HANDBOOK, 'onboarding.md': ONBOARDING, 'glossary.md': GLOSSARY }) {
  const base = tempDir();
  const root = join(base, 'notes');
  mkdirSync(root);
  for (const [name, content] of Object.entries(files)) write(join(root, name), content);
  return { root, kbDir: join(base, '.kb') };
}

let clock = Date.now();
/** Writes a file and moves its mtime forward, so a change is never hidden by an mtime that did not move. */
function write(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  clock += 10_000;
  utimesSync(path, new Date(clock), new Date(clock));
}

/** One run through a store connection of its own, closed (so the vector index is saved) before the test inspects the kb dir. */
async function run(
  env: { root: string; kbDir: string },
  embedder: Embedder,
  extra: { chunking?: ChunkingOptions; dryRun?: boolean; rebuild?: boolean } = {},
): Promise<IndexSummary> {
  const store = openSqliteKbStore(env.kbDir);
  try {
    return await indexFolders({ roots: [env.root], store, embedder, chunking: extra.chunking ?? CHUNKING, ingest: INGEST, ...extra });
  } finally {
    await store.close();
  }
}

/** The chunk set as sorted "path | ordinal | text" lines. */
function chunkSet(store: SqliteStore): string[] {
  return store
    .allDocuments()
    .flatMap((d) => store.chunksOf(d.id).map((c) => `${c.path} | ${c.ordinal} | ${c.text}`))
    .sort();
}

function indexTexts(store: SqliteStore): string[] {
  return (store.db.prepare('SELECT index_text FROM chunks ORDER BY id').pluck().all() as string[]);
}

function chunkIds(store: SqliteStore): Set<number> {
  return new Set(store.db.prepare('SELECT id FROM chunks').pluck().all() as number[]);
}

function documentByPath(store: SqliteStore, path: string) {
  return store.allDocuments().find((d) => d.path === path);
}

/** The saved vector index is current (no rebuild needed) and holds exactly the live chunks. */
function expectVectorIndexInSync(store: SqliteStore, kbDir: string, embedder: Embedder): VectorIndex {
  const index = VectorIndex.open(store, kbDir, embedderKey(embedder), embedder.dimensions);
  expect(index.rebuilt, 'the index saved by the run should match the database').toBe(false);
  expect(index.liveIds()).toEqual(chunkIds(store));
  return index;
}

function fts(store: SqliteStore, word: string): number[] {
  return store.keywordSearch(`"${word}"`, 50).map((h) => h.id);
}

describe('indexFolders, incrementally', () => {
  it('embeds every chunk on the first run', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    const summary = await run(env, embedder);
    expect(summary.failures).toEqual([]);
    expect(summary.files).toMatchObject({ seen: 3, new: 3, changed: 0, unchanged: 0, deleted: 0, failed: 0 });
    const texts = indexTexts(store);
    expect(texts.length).toBeGreaterThanOrEqual(8);
    expect([...embedder.embedded].sort()).toEqual([...texts].sort());
    expect(summary.chunks).toMatchObject({ added: texts.length, embedded: texts.length, reused: 0, removed: 0 });
    expect(store.counts()).toMatchObject({ documents: 3, chunks: texts.length, vectors: texts.length });
    expect(documentByPath(store, 'notes/handbook.md')).toMatchObject({ title: 'Team Handbook', tags: ['team', 'handbook'], format: 'markdown' });
    expectVectorIndexInSync(store, env.kbDir, embedder);
    store.close();
  });

  it('a second run over unchanged files embeds nothing and keeps the same chunks', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    await run(env, embedder);
    const before = chunkSet(store);
    const ids = chunkIds(store);
    const generation = store.generation();
    embedder.reset();

    const summary = await run(env, embedder);
    expect(embedder.calls).toEqual([]);
    expect(summary.files).toMatchObject({ seen: 3, new: 0, changed: 0, unchanged: 3, deleted: 0 });
    expect(summary.chunks).toMatchObject({ added: 0, removed: 0, embedded: 0 });
    expect(chunkSet(store)).toEqual(before);
    expect(chunkIds(store)).toEqual(ids);
    expect(store.generation()).toBe(generation);

    // A touched file (new mtime, same bytes) is hashed, found unchanged, and costs no embedding either.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(env.root, 'onboarding.md'), later, later);
    const touched = await run(env, embedder);
    expect(embedder.calls).toEqual([]);
    expect(touched.files).toMatchObject({ unchanged: 3, changed: 0 });
    expect(chunkIds(store)).toEqual(ids);
    expect(store.generation()).toBe(generation);
    store.close();
  });

  it('an edited paragraph re-embeds exactly the chunk whose text changed', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    await run(env, embedder);
    const oldTexts = new Set(indexTexts(store));
    const oldSet = chunkSet(store);
    embedder.reset();

    write(join(env.root, 'handbook.md'), HANDBOOK.replace('Each person gets 25 days of holiday a year.', 'Each person gets 27 days of holiday a year, plus their birthday.'));
    const summary = await run(env, embedder);

    const newTexts = indexTexts(store);
    const changed = newTexts.filter((t) => !oldTexts.has(t));
    expect(changed).toHaveLength(1);
    expect(changed[0]).toContain('27 days of holiday a year, plus their birthday');
    expect(embedder.embedded).toEqual(changed);
    expect(summary.files).toMatchObject({ changed: 1, unchanged: 2, new: 0 });
    expect(summary.chunks.embedded).toBe(1);
    // Every other chunk is still there, word for word.
    const kept = chunkSet(store);
    expect(oldSet.filter((line) => !kept.includes(line))).toEqual([expect.stringContaining('25 days of holiday')]);
    expect(fts(store, 'birthday')).toHaveLength(1);
    expect(fts(store, '25')).toEqual([]);
    expectVectorIndexInSync(store, env.kbDir, embedder);
    store.close();
  });

  it('a renamed file is moved without embedding: the old path is gone, the new one has the same chunks', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    await run(env, embedder);
    const original = documentByPath(store, 'notes/handbook.md')!;
    const oldChunks = store.chunksOf(original.id).map((c) => ({ ordinal: c.ordinal, text: c.text, heading: c.heading }));
    const metadataOf = (id: number) => JSON.parse(store.db.prepare('SELECT metadata FROM documents WHERE id = ?').pluck().get(id) as string) as unknown;
    const oldMetadata = metadataOf(original.id);
    expect(oldMetadata).toEqual({ title: 'Team Handbook', tags: ['team', 'handbook'] });
    embedder.reset();

    renameSync(join(env.root, 'handbook.md'), join(env.root, 'team-handbook.md'));
    const summary = await run(env, embedder);

    expect(embedder.calls).toEqual([]);
    expect(summary.files).toMatchObject({ new: 1, deleted: 1, copied: 1, unchanged: 2 });
    expect(documentByPath(store, 'notes/handbook.md')).toBeUndefined();
    const moved = documentByPath(store, 'notes/team-handbook.md');
    expect(moved).toMatchObject({ title: 'Team Handbook', tags: ['team', 'handbook'] });
    expect(store.chunksOf(moved!.id).map((c) => ({ ordinal: c.ordinal, text: c.text, heading: c.heading }))).toEqual(oldChunks);
    expect(store.counts().documents).toBe(3);
    // Keyword hits point at the new path only.
    const hits = [...store.chunksByIds(fts(store, 'monday')).values()].map((c) => c.path);
    expect(hits).toEqual(['notes/team-handbook.md']);
    expectVectorIndexInSync(store, env.kbDir, embedder);
    expect(metadataOf(moved!.id), 'the front matter stored with the document survives a rename').toEqual(oldMetadata);
    store.close();
  });

  it('a deleted file leaves no chunks, no keyword hits and no vectors behind', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    await run(env, embedder);
    const glossary = documentByPath(store, 'notes/glossary.md')!;
    const goneIds = store.chunksOf(glossary.id).map((c) => c.id);
    const goneHashes = store.db.prepare('SELECT text_hash FROM chunks WHERE document_id = ?').pluck().all(glossary.id) as string[];
    expect(fts(store, 'zanzibarite').length).toBeGreaterThan(0);
    embedder.reset();

    rmSync(join(env.root, 'glossary.md'));
    const summary = await run(env, embedder);

    expect(embedder.calls).toEqual([]);
    expect(summary.files).toMatchObject({ deleted: 1, unchanged: 2 });
    expect(summary.chunks.removed).toBe(goneIds.length);
    expect(documentByPath(store, 'notes/glossary.md')).toBeUndefined();
    expect(store.chunksByIds(goneIds).size).toBe(0);
    expect(store.db.prepare('SELECT count(*) FROM chunks WHERE document_id = ?').pluck().get(glossary.id)).toBe(0);
    expect(fts(store, 'zanzibarite')).toEqual([]);
    expect(fts(store, 'pagerfall')).toEqual([]);
    const stored = store.db.prepare(`SELECT count(*) FROM vectors WHERE text_hash IN (${goneHashes.map(() => '?').join(',')})`).pluck().get(...goneHashes);
    expect(stored, 'cached vectors of deleted chunks are pruned').toBe(0);
    const index = expectVectorIndexInSync(store, env.kbDir, embedder);
    for (const id of goneIds) expect(index.liveIds().has(id)).toBe(false);
    const nearest = index.search(new LocalHashEmbeddings().embedSync('zanzibarite flaky integration test'), 50).map((h) => h.id);
    expect(nearest.filter((id) => goneIds.includes(id))).toEqual([]);
    store.close();
  });

  it('a new chunk size re-processes every document; the run after it is a no-op', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    await run(env, embedder);
    const before = store.counts().chunks;
    const oldTexts = new Set(indexTexts(store));
    embedder.reset();

    const small: ChunkingOptions = { targetTokens: 12, overlapTokens: 3 };
    const summary = await run(env, embedder, { chunking: small });
    expect(summary.files).toMatchObject({ changed: 3, unchanged: 0 });
    expect(store.counts().chunks).toBeGreaterThan(before);
    expect(store.allDocuments().every((d) => d.chunkerKey === chunkerKey(small))).toBe(true);
    // Only chunk texts without a stored vector were embedded, each once.
    expect(embedder.embedded.length).toBe(summary.chunks.embedded);
    expect(new Set(embedder.embedded).size).toBe(embedder.embedded.length);
    expect(embedder.embedded.every((t) => !oldTexts.has(t) && indexTexts(store).includes(t))).toBe(true);
    const withoutVector = store.db
      .prepare('SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.embed_key = ? AND v.text_hash = c.text_hash)')
      .pluck()
      .get(embedderKey(embedder));
    expect(withoutVector).toBe(0);
    expectVectorIndexInSync(store, env.kbDir, embedder);
    embedder.reset();

    const again = await run(env, embedder, { chunking: small });
    expect(embedder.calls).toEqual([]);
    expect(again.files).toMatchObject({ unchanged: 3, changed: 0 });
    store.close();
  });

  it('.kbignore excludes files and folders, each listed in `skipped` with its reason', async () => {
    const env = makeNotes({
      'handbook.md': HANDBOOK,
      '.kbignore': 'drafts/\n*.tmp.md\n',
      'drafts/wip.md': '# Work in progress\n\nNot ready to be indexed.\n',
      'scratch.tmp.md': '# Scratch\n\nThrowaway notes.\n',
      'diagram.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    });
    const store = openStore(env.kbDir);
    const summary = await run(env, new RecordingEmbedder());
    expect(store.allDocuments().map((d) => d.path)).toEqual(['notes/handbook.md']);
    expect(summary.skipped).toContainEqual({ path: 'notes/drafts', reason: expect.stringMatching(/\.kbignore/) });
    expect(summary.skipped).toContainEqual({ path: 'notes/scratch.tmp.md', reason: expect.stringMatching(/\.kbignore/) });
    expect(summary.skipped).toContainEqual({ path: 'notes/diagram.png', reason: expect.stringMatching(/unsupported/) });
    expect(summary.skipped.map((s) => s.path)).not.toContain('notes/.kbignore');
    expect(summary.files.skipped).toBe(summary.skipped.length);
    store.close();
  });

  it('a file that fails to parse is listed in `failures` and the others are indexed', async () => {
    const env = makeNotes({ 'handbook.md': HANDBOOK, 'onboarding.md': ONBOARDING, 'broken.pdf': PDF.subarray(0, 2_000), 'glossary.md': GLOSSARY });
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    const summary = await run(env, embedder);
    expect(summary.failures).toEqual([{ path: 'notes/broken.pdf', reason: expect.stringMatching(/pdf/i) }]);
    expect(summary.files).toMatchObject({ seen: 4, new: 3, failed: 1 });
    expect(store.allDocuments().map((d) => d.path)).toEqual(['notes/glossary.md', 'notes/handbook.md', 'notes/onboarding.md']);
    expectVectorIndexInSync(store, env.kbDir, embedder);
    // It is retried (and reported) on the next run, costing no embedding.
    embedder.reset();
    const again = await run(env, embedder);
    expect(again.failures.map((f) => f.path)).toEqual(['notes/broken.pdf']);
    expect(embedder.calls).toEqual([]);
    store.close();
  });

  it('a file that becomes unreadable keeps its previous chunks and is reported', async () => {
    const env = makeNotes({ 'handbook.md': HANDBOOK, 'policy.pdf': PDF });
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    await run(env, embedder);
    const pdfDoc = documentByPath(store, 'notes/policy.pdf')!;
    const mdDoc = documentByPath(store, 'notes/handbook.md')!;
    const pdfChunks = store.chunksOf(pdfDoc.id);
    const mdChunks = store.chunksOf(mdDoc.id);
    expect(pdfChunks.find((c) => c.text.includes('at least 14 characters long'))?.page).toBe(2);
    embedder.reset();

    write(join(env.root, 'policy.pdf'), PDF.subarray(0, Math.floor(PDF.length / 2)));
    write(join(env.root, 'handbook.md'), Buffer.from('# Team Handbook\n\nCaf\xe9 on Fridays.\n', 'latin1'));
    const summary = await run(env, embedder);

    expect(summary.failures.map((f) => f.path).sort()).toEqual(['notes/handbook.md', 'notes/policy.pdf']);
    expect(summary.failures.find((f) => f.path === 'notes/handbook.md')?.reason).toMatch(/UTF-8/);
    expect(summary.files.failed).toBe(2);
    expect(embedder.calls).toEqual([]);
    expect(store.chunksOf(pdfDoc.id)).toEqual(pdfChunks);
    expect(store.chunksOf(mdDoc.id)).toEqual(mdChunks);
    expect(documentByPath(store, 'notes/policy.pdf')?.contentHash).toBe(pdfDoc.contentHash);
    expect(fts(store, 'characters').some((id) => pdfChunks.some((c) => c.id === id))).toBe(true);
    expectVectorIndexInSync(store, env.kbDir, embedder);
    store.close();
  });
});

describe('indexFolders dry run', () => {
  it('reports new, changed and deleted files and the chunks to embed, and changes nothing', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    await run(env, embedder);
    embedder.reset();

    const extra = '# Expenses\n\n## Meals\n\nTeam lunches are paid on the company card.\n\n## Travel\n\nBook trains through the travel desk.\n';
    write(join(env.root, 'expenses.md'), extra);
    write(join(env.root, 'handbook.md'), HANDBOOK.replace('every three years', 'every four years'));
    rmSync(join(env.root, 'glossary.md'));
    const expectedNewChunks = (await chunkDocument(await loadDocument('notes/expenses.md', Buffer.from(extra)), CHUNKING)).length;

    const counts = store.counts();
    const generation = store.generation();
    const documents = store.allDocuments();
    const chunks = chunkSet(store);
    const base = readFileSync(join(env.kbDir, 'vectors.cols'));
    const sidecar = readFileSync(join(env.kbDir, 'vectors.json'), 'utf8');

    const plan = await run(env, embedder, { dryRun: true });
    expect(plan.dryRun).toBe(true);
    expect(plan.plan).toEqual({ new: ['notes/expenses.md'], changed: ['notes/handbook.md'], deleted: ['notes/glossary.md'] });
    expect(plan.files).toMatchObject({ new: 1, changed: 1, deleted: 1, unchanged: 1 });
    expect(plan.chunks.embedded).toBe(expectedNewChunks + 1);
    expect(plan.embeddingTokens).toBeGreaterThan(0);
    expect(embedder.calls).toEqual([]);
    expect(store.counts()).toEqual(counts);
    expect(store.generation()).toBe(generation);
    expect(store.allDocuments()).toEqual(documents);
    expect(chunkSet(store)).toEqual(chunks);
    expect(readFileSync(join(env.kbDir, 'vectors.cols')).equals(base)).toBe(true);
    expect(readFileSync(join(env.kbDir, 'vectors.json'), 'utf8')).toBe(sidecar);

    // The real run then does what the plan said.
    const real = await run(env, embedder);
    expect(real.files).toMatchObject({ new: 1, changed: 1, deleted: 1, unchanged: 1 });
    expect(real.chunks.embedded).toBe(plan.chunks.embedded);
    expect(embedder.embedded).toHaveLength(plan.chunks.embedded);
    store.close();
  });

  it('on an empty knowledge base writes nothing at all', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const embedder = new RecordingEmbedder();
    const plan = await run(env, embedder, { dryRun: true });
    expect(plan.files.new).toBe(3);
    expect(plan.plan?.new.sort()).toEqual(['notes/glossary.md', 'notes/handbook.md', 'notes/onboarding.md']);
    expect(plan.chunks.embedded).toBeGreaterThan(0);
    expect(embedder.calls).toEqual([]);
    expect(store.counts()).toEqual({ documents: 0, chunks: 0, vectors: 0, tokens: 0 });
    expect(store.generation()).toBe(0);
    expect(store.getMeta('embed_key')).toBeUndefined();
    for (const f of ['vectors.hnsw', 'vectors.cols']) expect(existsSync(join(env.kbDir, f))).toBe(false);
    store.close();
  });
});

describe('indexFolders and the embedding model', () => {
  it('refuses another model or dimension without rebuild, naming both; rebuild re-embeds everything', async () => {
    const env = makeNotes();
    const store = openStore(env.kbDir);
    const small = new RecordingEmbedder(512);
    await run(env, small);
    const chunkCount = store.counts().chunks;
    const generation = store.generation();

    const large = new RecordingEmbedder(1024);
    const error = await run(env, large).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IndexMismatchError);
    const mismatch = error as IndexMismatchError;
    expect(mismatch.builtWith).toEqual({ model: 'local-hash-v1', dimensions: 512 });
    expect(mismatch.configured).toEqual({ model: 'local-hash-v1', dimensions: 1024 });
    expect(mismatch.message).toMatch(/local-hash-v1 \(512 dimensions\)/);
    expect(mismatch.message).toMatch(/local-hash-v1 \(1024 dimensions\)/);
    expect(mismatch.message).toMatch(/--rebuild/);
    expect(large.calls).toEqual([]);
    expect(store.generation()).toBe(generation);
    expect(store.getMeta('embed_key')).toBe('local-hash-v1@512');
    // A dry run is refused the same way.
    await expect(run(env, large, { dryRun: true })).rejects.toBeInstanceOf(IndexMismatchError);

    const rebuilt = await run(env, large, { rebuild: true });
    expect(rebuilt.failures).toEqual([]);
    expect(rebuilt.files).toMatchObject({ changed: 3, unchanged: 0 });
    expect([...large.embedded].sort()).toEqual([...indexTexts(store)].sort());
    expect(large.embedded).toHaveLength(chunkCount);
    expect(store.getMeta('embed_key')).toBe('local-hash-v1@1024');
    expect(store.allDocuments().every((d) => d.embedKey === 'local-hash-v1@1024')).toBe(true);
    const index = expectVectorIndexInSync(store, env.kbDir, large);
    expect(index.dimensions).toBe(1024);

    // Retrieval follows: the new model works, the old one is refused.
    large.allowQueries = true;
    const settings = { topK: 3, candidates: 20, vectorWeight: 1, keywordWeight: 1 };
    const kbStore = openSqliteKbStore(env.kbDir);
    const found = await createRetriever({ store: kbStore, embedder: large, settings }).retrieve('zanzibarite flaky test');
    expect(found.chunks[0]?.path).toBe('notes/glossary.md');
    small.allowQueries = true;
    await expect(createRetriever({ store: kbStore, embedder: small, settings }).retrieve('zanzibarite')).rejects.toBeInstanceOf(IndexMismatchError);
    await kbStore.close();
    store.close();
  });
});
