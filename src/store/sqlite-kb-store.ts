import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IndexMismatchError, KbError } from '../errors.js';
import { buildFtsQuery } from './build-fts-query.js';
import { exactVectorSearch, scansExactly } from './exact-vector-search.js';
import type { SearchFilters } from '../types.js';
import { hasFilters } from './filter-sql.js';
import { acquireIndexLock, lockHolder } from './index-lock.js';
import { embedKeyOf, type KbStore, parseChunking, parseEmbedKey } from './kb-store.js';
import { openStore, type SqliteStore } from './sqlite-store.js';
import { pendingChange } from './vector-base-file.js';
import { VectorIndex } from './vector-index.js';
import { openVectorIndexWriter, type VectorIndexWriter } from './vector-index-writer.js';
import { verifyStore } from './verify-store.js';

/**
 * KbStore over the embedded engine: the SQLite file (documents, chunks, FTS5, cached vectors, vector tombstones)
 * and the HNSW index derived from it. The saved index file is a base (see vector-base-file.ts): a run or removal
 * that changes little writes only rows, and a new base is saved when the change outgrows the threshold (built
 * on a worker thread as the run goes). Reads follow the database generation, so other processes' writes show.
 */
export function openSqliteKbStore(kbDir: string, { readonly = false }: { readonly?: boolean } = {}): KbStore {
  const store = openStore(kbDir, { readonly });
  let writer: { key: string; index: VectorIndexWriter } | undefined;
  /** Change since the saved base, counted once per run and then kept up to date by this connection's writes. */
  let pending: { key: string; based: boolean; changes: number; threshold: number } | undefined;
  let reader: VectorIndex | undefined;
  let runs = 0;
  let vocab: ReturnType<typeof prepareVocab> | undefined;
  const allowed = new Map<string, { generation: number; ids: Set<number>; sparse: boolean }>();

  const pendingFor = (key: string) => (pending?.key === key ? pending : (pending = { key, ...pendingChange(store, kbDir, key, parseEmbedKey(key).dimensions) }));
  /** Opened once the change outgrows the threshold, so the graph is built on the second core while the run goes on. */
  const openWriter = async (key: string): Promise<VectorIndexWriter> => {
    if (writer?.key === key) return writer.index;
    await closeWriter();
    writer = { key, index: await openVectorIndexWriter(store, kbDir, key, parseEmbedKey(key).dimensions) };
    return writer.index;
  };
  const closeWriter = async (): Promise<void> => {
    const open = writer;
    writer = undefined;
    if (!open) return;
    try {
      await open.index.save();
    } finally {
      await open.index.close();
    }
  };
  /**
   * A small change stays in the database (searched exactly, deletions as tombstones): no HNSW file is read or
   * written. Past the threshold, or with no saved base the database accepts, a new base is written.
   */
  const settle = async (key: string | undefined): Promise<void> => {
    const p = key ? pendingFor(key) : undefined;
    if (key && p && !writer && (p.changes > p.threshold || (!p.based && p.changes > 0))) await openWriter(key);
    await closeWriter();
    pending = undefined;
  };
  /** Settles writes this connection made outside a run (indexFolders called directly), before a check or a close. */
  const settleOwnWrites = async (): Promise<void> => {
    if (pending || writer) await settle(pending?.key ?? writer?.key);
  };
  /** The search index, following the database generation; `rebuilt` when this call had to build it from the database. */
  const readerFor = (key: string): { index: VectorIndex; rebuilt: boolean } => {
    if (reader?.embedKey !== key) {
      reader = VectorIndex.open(store, kbDir, key, parseEmbedKey(key).dimensions, { reader: true });
      return { index: reader, rebuilt: reader.rebuilt };
    }
    const before = reader.generation;
    reader.refresh(store);
    return { index: reader, rebuilt: before !== reader.generation && reader.rebuilt };
  };
  /** Ids passing the filters, computed once per generation and filter: hnswlib filters by label. */
  const allowFor = (filters: SearchFilters | undefined): { ids: Set<number>; sparse: boolean } | undefined => {
    if (!hasFilters(filters)) return undefined;
    const key = JSON.stringify(filters);
    const generation = store.generation();
    let hit = allowed.get(key);
    if (hit?.generation !== generation) {
      if (allowed.size > 32) allowed.clear();
      const ids = store.chunkIdsMatching(filters!);
      allowed.set(key, (hit = { generation, ids, sparse: scansExactly(ids.size, store.db.prepare('SELECT count(*) FROM chunks').pluck().get() as number) }));
    }
    return hit;
  };

  return {
    async indexInfo() {
      const key = store.getMeta('embed_key');
      const chunking = parseChunking(store.getMeta('chunking'));
      return { ...(key ? { embedding: parseEmbedKey(key) } : {}), ...(chunking ? { chunking } : {}), generation: store.generation() };
    },
    async setIndexInfo({ embedding, chunking }) {
      if (embedding) {
        store.setMeta('embed_key', embedKeyOf(embedding));
        store.setMeta('embed_model', embedding.model);
        store.setMeta('embed_dimensions', String(embedding.dimensions));
      }
      if (chunking) store.setMeta('chunking', JSON.stringify(chunking));
    },
    async checkEmbedding(configured) {
      const key = store.getMeta('embed_key');
      if (key && key !== embedKeyOf(configured)) throw new IndexMismatchError(parseEmbedKey(key), configured);
    },
    async stats() {
      const bytes = readdirSync(kbDir).reduce((n, f) => n + statSync(join(kbDir, f)).size, 0);
      const holder = lockHolder(kbDir);
      return { ...store.counts(), bytes, ...(holder ? { writer: `pid ${holder}` } : {}) };
    },

    async writeDocuments(items) {
      for (const { doc, chunks, vectors } of items) {
        const missing = chunks.find((c) => !vectors.has(c.textHash));
        if (missing) throw new KbError('VECTOR_MISSING', `${doc.path}: chunk ${missing.ordinal} has no vector; every chunk text needs one (a bug in the caller).`, { exitCode: 3 });
      }
      const key = items[0]?.doc.embedKey;
      const results = store.replaceDocuments(
        items.map(({ doc, chunks, vectors }) => ({ doc, chunks, newVectors: [...vectors].map(([hash, vector]) => ({ hash, vector })) })),
      );
      if (key && items.length) {
        const p = pendingFor(key);
        // Written before the writer opens, chunks reach the graph from the database when it does.
        const index = writer?.key === key ? writer.index : undefined;
        results.forEach(({ removed, added }, i) => {
          p.changes += removed.length + added.length;
          if (index) for (const { id, textHash } of added) index.add(id, items[i]!.vectors.get(textHash)!);
        });
        if (!index && p.changes > p.threshold) await openWriter(key);
      }
      return results;
    },
    async removeDocuments(ids) {
      const key = store.getMeta('embed_key');
      const removed = store.removeDocuments(ids);
      if (key && removed.length) pendingFor(key).changes += removed.length;
      // Outside a run the lock is released after this: another process may write next.
      if (!runs) await settle(key);
      return removed;
    },
    async touchDocument(id, size, mtimeMs) {
      store.touchDocument(id, size, mtimeMs);
    },
    async pruneVectors() {
      return store.pruneVectors();
    },

    async documentsUnder(roots) {
      return store.documentsUnder(roots);
    },
    async listDocuments(query) {
      return store.listDocuments(query);
    },
    async getDocument(id, options) {
      return store.getDocument(id, options);
    },
    async findDocument(path) {
      return store.documentByAbsPath(path) ?? store.allDocuments().find((d) => d.path === path);
    },
    async findTwin(contentHash, chunkerKey, embedKey) {
      const document = store.twinOf(contentHash, chunkerKey, embedKey);
      return document && { document, chunks: store.chunkDraftsOf(document.id) };
    },
    async chunksOf(documentId) {
      return store.chunksOf(documentId);
    },
    async chunksByIds(ids) {
      return store.chunksByIds(ids);
    },

    async searchKeywords(text, { k, filters }) {
      const match = buildFtsQuery(text);
      if (!match || k <= 0) return [];
      return store.keywordSearch(match, k, filters).map((h) => ({ chunkId: h.id, score: h.bm25 }));
    },
    async searchVectors(vector, { k, filters }) {
      const key = store.getMeta('embed_key');
      if (!key || k <= 0) return [];
      const allow = allowFor(filters);
      // A sparse filter is scanned exactly from SQLite: no HNSW load (nor rebuild), and no recall lost to filtering.
      const hits = allow?.sparse ? exactVectorSearch(store.vectorsMatching(key, filters!), vector, k) : readerFor(key).index.search(vector, k, allow?.ids);
      return hits.map((h) => ({ chunkId: h.id, score: h.similarity }));
    },
    async prepareSearch() {
      const key = store.getMeta('embed_key');
      if (!key) return { vectors: 0, rebuilt: false };
      const { index, rebuilt } = readerFor(key);
      return { vectors: index.size, rebuilt };
    },
    async termStats(terms) {
      vocab ??= prepareVocab(store);
      const documentFrequency = new Map<string, number>();
      for (const t of new Set(terms)) documentFrequency.set(t, vocab.df(t));
      return { chunks: vocab.chunks(), documentFrequency };
    },

    async cachedVectors(embedKey, hashes) {
      return store.cachedVectors(embedKey, hashes);
    },
    async putVectors(embedKey, vectors) {
      store.putVectors(embedKey, vectors);
    },

    async failedFiles() {
      return new Map(store.failedPaths().map((p) => [p, store.failureOf(p)!]));
    },
    async recordFailure(absPath, failure) {
      store.recordFailure(absPath, failure);
    },
    async clearFailures(absPaths) {
      store.clearFailures(absPaths);
    },

    async startRun() {
      runs++;
      return store.startRun();
    },
    async finishRun(id, status, summary) {
      runs = Math.max(0, runs - 1);
      // A failed run saves what it had opened (the graph matches the database) but starts no new base.
      const key = store.getMeta('embed_key');
      await settle(status === 'failed' ? undefined : key);
      store.finishRun(id, status, summary);
    },
    async lastRun() {
      return store.lastRun();
    },

    async acquireWriter({ wait = false, signal } = {}) {
      const release = await acquireIndexLock(kbDir, { wait, ...(signal ? { signal } : {}) });
      return async () => release();
    },
    async verify({ repair = false } = {}) {
      await settleOwnWrites();
      return verifyStore(store, kbDir, { repair });
    },
    async close() {
      try {
        await settleOwnWrites();
      } finally {
        store.close();
      }
    },
  };
}

/** Per-term chunk counts from FTS5's vocabulary view, in this connection's temp schema (writable even read-only). */
function prepareVocab(store: SqliteStore) {
  store.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_terms USING fts5vocab(main, 'chunks_fts', 'row')");
  const count = store.db.prepare('SELECT count(*) FROM chunks').pluck();
  const lookup = store.db.prepare('SELECT doc FROM temp.kb_terms WHERE term = ?').pluck();
  // A term's count walks its whole posting list (about 33 ns a chunk: 1.6 ms for a word in 5% of a million
  // chunks), so counts are kept until the next write; questions share most of their words.
  let cache = { generation: -1, chunks: 0, df: new Map<string, number>() };
  const current = () => {
    const generation = store.generation();
    if (cache.generation !== generation || cache.df.size > MAX_CACHED_TERMS) cache = { generation, chunks: count.get() as number, df: new Map() };
    return cache;
  };
  return {
    chunks: (): number => current().chunks,
    df(term: string): number {
      const { df } = current();
      let n = df.get(term);
      if (n === undefined) df.set(term, (n = (lookup.get(term) as number | undefined) ?? 0));
      return n;
    },
  };
}

/** Term counts kept per generation at most (a few MB); the cache starts over past it. */
const MAX_CACHED_TERMS = 50_000;
