import { CONTEXT_FIELD_WEIGHT, DOCUMENT_STAMP_COLUMNS } from './kb-store.js';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChunkDraft, DocumentFormat, SearchFilters, StoredChunk } from '../types.js';
import { filterSql, hasFilters } from './filter-sql.js';
import { matchDocumentGlob } from './match-document-glob.js';
import { checkSchema, migrate } from './schema.js';
import { blobToVector, vectorToBlob } from './vector-blob.js';

// The row shapes are the store contract's (kb-store.ts); re-exported for the callers that still import them here.
import type { DocumentRow, DocumentStamp, FailedFile, NewDocument } from './kb-store.js';
export type { DocumentRow, FailedFile, NewDocument };

interface RawDoc {
  id: number; abs_path: string; root: string; path: string; format: DocumentFormat; title: string | null; tags: string; metadata: string;
  warnings: string; content_hash: string; size: number; mtime_ms: number; chunker_key: string; embed_key: string; indexed_at: string; chunk_count?: number;
}
interface RawChunk {
  id: number; document_id: number; path: string; ordinal: number; text: string; page: number | null; heading: string | null; char_start: number; char_end: number; meta: string | null;
}

/** Block kinds and link targets of a chunk, stored as JSON (absent when the chunk is plain prose without links). */
type ChunkMeta = Pick<ChunkDraft, 'blocks' | 'links'>;
const parseMeta = (meta: string | null): ChunkMeta => (meta ? (JSON.parse(meta) as ChunkMeta) : {});
const metaJson = ({ blocks, links }: ChunkMeta): string | null => (blocks || links ? JSON.stringify({ ...(blocks ? { blocks } : {}), ...(links ? { links } : {}) }) : null);

const toDoc = (r: RawDoc): DocumentRow => ({
  id: r.id, absPath: r.abs_path, root: r.root, path: r.path, format: r.format, ...(r.title ? { title: r.title } : {}),
  tags: JSON.parse(r.tags) as string[], metadata: JSON.parse(r.metadata ?? '{}') as Record<string, unknown>, warnings: JSON.parse(r.warnings) as string[], contentHash: r.content_hash, size: r.size,
  mtimeMs: r.mtime_ms, chunkerKey: r.chunker_key, embedKey: r.embed_key, indexedAt: r.indexed_at,
  ...(r.chunk_count !== undefined ? { chunkCount: r.chunk_count } : {}),
});
const toChunk = (r: RawChunk): StoredChunk => ({
  id: r.id, documentId: r.document_id, path: r.path, ordinal: r.ordinal, text: r.text, charStart: r.char_start, charEnd: r.char_end,
  ...(r.page !== null ? { page: r.page } : {}), ...(r.heading ? { heading: r.heading } : {}), ...parseMeta(r.meta),
});

const CHUNK_COLUMNS = 'c.id, c.document_id, d.path, c.ordinal, c.text, c.page, c.heading, c.char_start, c.char_end, c.meta';

export type SqliteStore = ReturnType<typeof openStore>;


/**
 * The source of truth: documents, chunks with provenance, vectors, FTS5 and index metadata in one SQLite
 * file (WAL, so readers see a consistent snapshot while one writer commits file by file).
 */
export function openStore(kbDir: string, { readonly = false }: { readonly?: boolean } = {}) {
  const file = join(kbDir, 'kb.sqlite');
  const { db, cleanup } = readonly ? openForReading(file) : { db: new Database((mkdirSync(kbDir, { recursive: true }), file), { timeout: 15_000 }), cleanup: undefined };
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  db.function('kb_glob', { deterministic: true }, (pattern: unknown, path: unknown) => (matchDocumentGlob(String(pattern), String(path)) ? 1 : 0));
  if (!readonly) migrate(db);

  const statements = new Map<string, Database.Statement>();
  /** Prepared once per connection: preparing dominated small per-file transactions. */
  const sql = (text: string): Database.Statement => {
    let stmt = statements.get(text);
    if (!stmt) statements.set(text, (stmt = db.prepare(text)));
    return stmt;
  };
  const getMeta = (key: string): string | undefined => (sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  const setMeta = (key: string, value: string) => sql('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(key, value);
  const bumpGeneration = () => sql("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'").run();

  const insertChunk = sql(
    'INSERT INTO chunks (document_id, ordinal, text, index_text, text_hash, page, heading, char_start, char_end, tokens, context, meta) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
  );
  const deleteChunksOf = (documentId: number): number[] => {
    const ids = (sql('SELECT id FROM chunks WHERE document_id = ?').all(documentId) as Array<{ id: number }>).map((r) => r.id);
    sql('DELETE FROM chunks WHERE document_id = ?').run(documentId);
    return ids;
  };

  return {
    db,
    file,
    getMeta,
    setMeta,
    generation: (): number => Number(getMeta('generation') ?? 0),

    documentsUnder(roots: string[]): DocumentStamp[] {
      if (!roots.length) return [];
      return sql(`SELECT ${DOCUMENT_STAMP_COLUMNS} FROM documents WHERE root IN (${roots.map(() => '?').join(',')})`).all(...roots) as DocumentStamp[];
    },
    allDocuments(): DocumentRow[] {
      return (sql('SELECT * FROM documents ORDER BY path').all() as RawDoc[]).map(toDoc);
    },
    listDocuments({ pathPrefix, limit = 50, offset = 0, visibleTo }: { pathPrefix?: string; limit?: number; offset?: number; visibleTo?: string[] }): { total: number; documents: DocumentRow[] } {
      const f = filterSql({ ...(pathPrefix ? { pathPrefix } : {}), ...(visibleTo ? { visibleTo } : {}) });
      const total = (sql(`SELECT count(*) AS n FROM documents d WHERE ${f.sql}`).get(...f.params) as { n: number }).n;
      const rows = db
        .prepare(`SELECT d.*, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS chunk_count FROM documents d WHERE ${f.sql} ORDER BY d.path LIMIT ? OFFSET ?`)
        .all(...f.params, limit, offset) as RawDoc[];
      return { total, documents: rows.map(toDoc) };
    },
    getDocument(id: number, { visibleTo }: { visibleTo?: string[] } = {}): DocumentRow | undefined {
      const f = filterSql(visibleTo ? { visibleTo } : undefined);
      const r = sql(`SELECT d.*, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS chunk_count FROM documents d WHERE d.id = ? AND ${f.sql}`).get(id, ...f.params) as RawDoc | undefined;
      return r && toDoc(r);
    },
    documentByAbsPath(absPath: string): DocumentRow | undefined {
      const r = sql('SELECT * FROM documents WHERE abs_path = ?').get(absPath) as RawDoc | undefined;
      return r && toDoc(r);
    },
    /** A document with this content built with these settings, whose chunks can be copied (a rename or a copy). */
    twinOf(contentHash: string, chunkerKey: string, embedKey: string): DocumentRow | undefined {
      const r = sql('SELECT * FROM documents WHERE content_hash = ? AND chunker_key = ? AND embed_key = ? LIMIT 1').get(contentHash, chunkerKey, embedKey) as RawDoc | undefined;
      return r && toDoc(r);
    },
    chunkDraftsOf(documentId: number): ChunkDraft[] {
      const rows = sql('SELECT * FROM chunks WHERE document_id = ? ORDER BY ordinal').all(documentId) as Array<RawChunk & { index_text: string; text_hash: string; tokens: number; context: string }>;
      return rows.map((r) => ({
        ordinal: r.ordinal, text: r.text, indexText: r.index_text, context: r.context, textHash: r.text_hash, headingPath: r.heading ? r.heading.split(' > ') : [],
        charStart: r.char_start, charEnd: r.char_end, tokenEstimate: r.tokens, ...(r.page !== null ? { page: r.page } : {}), ...parseMeta(r.meta),
      }));
    },
    chunksOf(documentId: number): StoredChunk[] {
      return (sql(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.document_id = ? ORDER BY c.ordinal`).all(documentId) as RawChunk[]).map(toChunk);
    },
    chunksByIds(ids: number[]): Map<number, StoredChunk> {
      const out = new Map<number, StoredChunk>();
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        const rows = sql(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (${part.map(() => '?').join(',')})`).all(...part) as RawChunk[];
        for (const r of rows) out.set(r.id, toChunk(r));
      }
      return out;
    },
    /** Chunks of a document next to `ordinal` (for merging neighbours). */
    chunkAt(documentId: number, ordinal: number): StoredChunk | undefined {
      const r = sql(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.document_id = ? AND c.ordinal = ?`).get(documentId, ordinal) as RawChunk | undefined;
      return r && toChunk(r);
    },
    /** Ids of live chunks whose documents pass the filters. */
    chunkIdsMatching(filters: SearchFilters): Set<number> {
      const f = filterSql(filters);
      return new Set((sql(`SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE ${f.sql}`).all(...f.params) as Array<{ id: number }>).map((r) => r.id));
    },
    /** Live chunk ids and raw float32 vector blobs of the model whose documents pass the filters (exact search of a sparse filter). */
    vectorsMatching(embedKey: string, filters: SearchFilters): Iterable<{ id: number; vector: Buffer }> {
      const f = filterSql(filters);
      // CROSS JOIN fixes the loop order: documents passing the filters, their chunks, then each vector by key. Left
      // to itself the planner walks the whole vectors table (4 KB a row) and looks chunks up from it.
      return sql(`SELECT c.id AS id, v.vector AS vector FROM documents d CROSS JOIN chunks c ON c.document_id = d.id CROSS JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash WHERE ${f.sql}`)
        .iterate(embedKey, ...f.params) as Iterable<{ id: number; vector: Buffer }>;
    },
    /**
     * BM25 over FTS5; scores are returned positive, higher is better. `contextWeight` weighs a match in the
     * title and heading path against one in the body (weight 1).
     */
    keywordSearch(match: string, limit: number, filters?: SearchFilters, contextWeight = CONTEXT_FIELD_WEIGHT): Array<{ id: number; bm25: number }> {
      const bm25 = 'bm25(chunks_fts, ?, 1.0)';
      // Unfiltered, the FTS table alone answers (joining first made every matching row pay before the LIMIT).
      if (!hasFilters(filters)) {
        return sql(`SELECT id, -score AS bm25 FROM (SELECT rowid AS id, ${bm25} AS score FROM chunks_fts WHERE chunks_fts MATCH ?) ORDER BY score LIMIT ?`)
          .all(contextWeight, match, limit) as Array<{ id: number; bm25: number }>;
      }
      const f = filterSql(filters);
      return sql(
        `SELECT id, -score AS bm25 FROM (SELECT c.id AS id, ${bm25} AS score FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid JOIN documents d ON d.id = c.document_id
         WHERE chunks_fts MATCH ? AND ${f.sql}) ORDER BY score LIMIT ?`,
      ).all(contextWeight, match, ...f.params, limit) as Array<{ id: number; bm25: number }>;
    },

    hasVectors(embedKey: string): boolean {
      return sql('SELECT 1 FROM vectors WHERE embed_key = ? LIMIT 1').get(embedKey) !== undefined;
    },
    cachedVectors(embedKey: string, hashes: string[]): Map<string, Float32Array> {
      const out = new Map<string, Float32Array>();
      const unique = [...new Set(hashes)];
      for (let i = 0; i < unique.length; i += 500) {
        const part = unique.slice(i, i + 500);
        const rows = sql(`SELECT text_hash, vector FROM vectors WHERE embed_key = ? AND text_hash IN (${part.map(() => '?').join(',')})`).all(embedKey, ...part) as Array<{ text_hash: string; vector: Buffer }>;
        for (const r of rows) out.set(r.text_hash, blobToVector(r.vector));
      }
      return out;
    },
    putVectors(embedKey: string, items: Array<{ hash: string; vector: ArrayLike<number> }>): void {
      const stmt = sql('INSERT OR IGNORE INTO vectors (embed_key, text_hash, vector) VALUES (?, ?, ?)');
      db.transaction(() => {
        for (const it of items) stmt.run(embedKey, it.hash, vectorToBlob(it.vector));
      })();
    },
    /** Live chunk ids and their vectors for the model, for (re)building the HNSW index. */
    *liveVectors(embedKey: string): Generator<{ id: number; vector: Float32Array }> {
      const stmt = sql('SELECT c.id AS id, v.vector AS vector FROM chunks c JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash ORDER BY c.id');
      for (const r of stmt.iterate(embedKey) as Iterable<{ id: number; vector: Buffer }>) yield { id: r.id, vector: blobToVector(r.vector) };
    },

    /**
     * Replaces documents and all their chunks (insert or update by absolute path) in one transaction: each
     * document is all-or-nothing, and grouping several per commit keeps FTS5 from writing a segment per file.
     * Returns, per document, the chunk ids removed and added, for the vector index.
     */
    replaceDocuments(items: Array<{ doc: NewDocument; chunks: ChunkDraft[]; newVectors?: Array<{ hash: string; vector: ArrayLike<number> }> }>): Array<{ documentId: number; removed: number[]; added: Array<{ id: number; textHash: string }> }> {
      return db.transaction(() => {
        const putVector = sql('INSERT OR IGNORE INTO vectors (embed_key, text_hash, vector) VALUES (?, ?, ?)');
        const results = items.map(({ doc, chunks, newVectors = [] }) => {
          for (const v of newVectors) putVector.run(doc.embedKey, v.hash, vectorToBlob(v.vector));
          const existing = sql('SELECT id FROM documents WHERE abs_path = ?').get(doc.absPath) as { id: number } | undefined;
          const removed = existing ? deleteChunksOf(existing.id) : [];
          const values = [doc.root, doc.path, doc.format, doc.title ?? null, JSON.stringify(doc.tags), JSON.stringify(doc.metadata), JSON.stringify(doc.warnings),
            doc.contentHash, doc.size, doc.mtimeMs, doc.chunkerKey, doc.embedKey, new Date().toISOString()];
          let documentId: number;
          if (existing) {
            sql('UPDATE documents SET root=?, path=?, format=?, title=?, tags=?, metadata=?, warnings=?, content_hash=?, size=?, mtime_ms=?, chunker_key=?, embed_key=?, indexed_at=? WHERE id=?').run(...values, existing.id);
            documentId = existing.id;
          } else {
            documentId = Number(sql('INSERT INTO documents (root, path, format, title, tags, metadata, warnings, content_hash, size, mtime_ms, chunker_key, embed_key, indexed_at, abs_path) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)').run(...values, doc.absPath).lastInsertRowid);
          }
          const added = chunks.map((c) => {
            const info = insertChunk.run(documentId, c.ordinal, c.text, c.indexText, c.textHash, c.page ?? null, c.headingPath.join(' > ') || null, c.charStart, c.charEnd,
              c.tokenEstimate, c.context, metaJson(c));
            return { id: Number(info.lastInsertRowid), textHash: c.textHash };
          });
          return { documentId, removed, added };
        });
        if (items.length) bumpGeneration();
        return results;
      })();
    },
    replaceDocument(doc: NewDocument, chunks: ChunkDraft[]) {
      return this.replaceDocuments([{ doc, chunks }])[0]!;
    },
    /** Same content, new mtime: record it so the next run skips the file without hashing it. */
    /** The recorded parse failure of a file, if its last attempt failed. */
    failureOf(absPath: string): FailedFile | undefined {
      const row = sql('SELECT content_hash, size, mtime_ms, chunker_key, reason FROM failed_files WHERE abs_path = ?').get(absPath) as
        | { content_hash: string; size: number; mtime_ms: number; chunker_key: string; reason: string }
        | undefined;
      return row && { contentHash: row.content_hash, size: row.size, mtimeMs: row.mtime_ms, chunkerKey: row.chunker_key, reason: row.reason };
    },
    recordFailure(absPath: string, failure: FailedFile): void {
      sql('INSERT OR REPLACE INTO failed_files (abs_path, content_hash, size, mtime_ms, chunker_key, reason, failed_at) VALUES (?,?,?,?,?,?,?)')
        .run(absPath, failure.contentHash, failure.size, failure.mtimeMs, failure.chunkerKey, failure.reason, new Date().toISOString());
    },
    clearFailures(absPaths: string[]): void {
      const stmt = sql('DELETE FROM failed_files WHERE abs_path = ?');
      db.transaction(() => absPaths.forEach((p) => stmt.run(p)))();
    },
    failedPaths(): string[] {
      return (sql('SELECT abs_path FROM failed_files').all() as Array<{ abs_path: string }>).map((r) => r.abs_path);
    },
    touchDocument(id: number, size: number, mtimeMs: number): void {
      sql('UPDATE documents SET size = ?, mtime_ms = ? WHERE id = ?').run(size, mtimeMs, id);
    },
    removeDocuments(ids: number[]): number[] {
      return db.transaction(() => {
        const removed: number[] = [];
        for (const id of ids) {
          removed.push(...deleteChunksOf(id));
          sql('DELETE FROM documents WHERE id = ?').run(id);
        }
        if (ids.length) bumpGeneration();
        return removed;
      })();
    },
    /** Drops cached vectors no live chunk uses (after a run), keeping the file from growing without bound. */
    pruneVectors(): number {
      return sql('DELETE FROM vectors WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.text_hash = vectors.text_hash)').run().changes;
    },
    counts(): { documents: number; chunks: number; vectors: number; tokens: number } {
      return sql('SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM vectors) AS vectors, (SELECT coalesce(sum(tokens),0) FROM chunks) AS tokens').get() as {
        documents: number; chunks: number; vectors: number; tokens: number;
      };
    },
    startRun(): number {
      return Number(sql("INSERT INTO runs (started_at, status) VALUES (?, 'running')").run(new Date().toISOString()).lastInsertRowid);
    },
    finishRun(id: number, status: string, summary: unknown): void {
      sql('UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?').run(new Date().toISOString(), status, JSON.stringify(summary), id);
    },
    lastRun(): { id: number; startedAt: string; finishedAt?: string; status: string; summary?: unknown } | undefined {
      const r = sql('SELECT * FROM runs ORDER BY id DESC LIMIT 1').get() as { id: number; started_at: string; finished_at: string | null; status: string; summary: string | null } | undefined;
      return r && { id: r.id, startedAt: r.started_at, ...(r.finished_at ? { finishedAt: r.finished_at } : {}), status: r.status, ...(r.summary ? { summary: JSON.parse(r.summary) } : {}) };
    },
    close(): void {
      db.close();
      cleanup?.();
    },
  };
}

/**
 * For reading commands: never writes, so a knowledge base the user may only read (another user's, a read-only
 * mount) works. A WAL reader needs the -shm file beside the database; when none is there and the folder is not
 * writable, SQLite cannot open it even read-only (its `immutable` URI would, but better-sqlite3 is built without
 * URI support), so the reader works on a private snapshot copy, removed on close.
 */
function openReadOnly(file: string): { db: Database.Database; cleanup?: () => void } {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 15_000 });
  try {
    db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();
    return { db };
  } catch (error) {
    db.close();
    // SQLITE_READONLY_CANTINIT (no -shm and none can be created) or SQLITE_CANTOPEN, depending on the files left.
    if (!/^SQLITE_(READONLY|CANTOPEN)/.test((error as { code?: string }).code ?? '')) throw error;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kb-readonly-'));
  const copy = join(dir, 'kb.sqlite');
  copyFileSync(file, copy);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
  return { db: new Database(copy, { readonly: true, fileMustExist: true }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}


/**
 * A read-only connection on a current schema. After an upgrade of bedrock-kb, the first reader that may write the
 * file upgrades its schema, then reads read-only as before; a reader that may not gets checkSchema's error,
 * which says how to upgrade. A current schema is never written.
 */
function openForReading(file: string): { db: Database.Database; cleanup?: () => void } {
  const opened = openReadOnly(file);
  try {
    checkSchema(opened.db);
    return opened;
  } catch (error) {
    opened.db.close();
    opened.cleanup?.();
    if ((error as { code?: string }).code !== 'SCHEMA_TOO_OLD' || !writable(file)) throw error;
  }
  const db = new Database(file, { timeout: 15_000, fileMustExist: true });
  try {
    migrate(db);
  } finally {
    db.close();
  }
  const upgraded = openReadOnly(file);
  checkSchema(upgraded.db);
  return upgraded;
}

function writable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    accessSync(dirname(file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
