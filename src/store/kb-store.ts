import type { ChunkingOptions } from '../ingest/chunk-document.js';
import type { ChunkDraft, DocumentFormat, SearchFilters, StoredChunk } from '../types.js';
import type { VerifyReport } from './verify-store.js';

/**
 * What the CLI, the server, ingest and retrieval need of a knowledge base's storage, whatever the engine
 * (embedded SQLite + HNSW, or PostgreSQL + pgvector). Query syntax, vector indexes, SQL and the generation
 * counter stay inside each implementation. Every method may be called concurrently by readers; writes are
 * made by the one process holding the writer lock.
 */
export interface KbStore {
  /** Model, dimension and chunk settings the knowledge base was built with, and its generation. */
  indexInfo(): Promise<IndexInfo>;
  /** Records what a run builds with (a changed model is accepted only on a rebuild; the caller decides). */
  setIndexInfo(info: { embedding?: EmbeddingInfo; chunking?: ChunkingOptions }): Promise<void>;
  /** Throws IndexMismatchError when the stored vectors were built with another model or dimension. */
  checkEmbedding(configured: EmbeddingInfo): Promise<void>;
  /** Sizes, and who is writing now. */
  stats(): Promise<StoreStats>;

  /** Replaces each document (by absolute path) with its chunks and vectors; the whole group commits or none of it. */
  writeDocuments(items: DocumentWrite[]): Promise<DocumentWriteResult[]>;
  /** Deletes documents and their chunks in one transaction; returns the chunk ids removed. */
  removeDocuments(documentIds: number[]): Promise<number[]>;
  /** Same content, new size or mtime: recorded so the next run skips the file without hashing it. */
  touchDocument(documentId: number, size: number, mtimeMs: number): Promise<void>;
  /** Drops cached vectors no live chunk uses; returns how many. */
  pruneVectors(): Promise<number>;

  /** What change detection needs of the documents indexed from these root folders (absolute paths). */
  documentsUnder(roots: string[]): Promise<DocumentStamp[]>;
  /** A page of documents ordered by path, with chunk counts; `visibleTo` as in SearchFilters. */
  listDocuments(query: { pathPrefix?: string; limit?: number; offset?: number; visibleTo?: string[] }): Promise<{ total: number; documents: DocumentRow[] }>;
  /** A document by id, with its chunk count; undefined too when `visibleTo` may not see it. */
  getDocument(id: number, options?: { visibleTo?: string[] }): Promise<DocumentRow | undefined>;
  /** A document by absolute path, else by its path relative to the indexed root. */
  findDocument(path: string): Promise<DocumentRow | undefined>;
  /** A document with these bytes built with these settings, and its chunks (a renamed or copied file). */
  findTwin(contentHash: string, chunkerKey: string, embedKey: string): Promise<{ document: DocumentRow; chunks: ChunkDraft[] } | undefined>;
  /** The chunks of a document in order. */
  chunksOf(documentId: number): Promise<StoredChunk[]>;
  /** Chunks by id; ids deleted meanwhile are absent from the map. */
  chunksByIds(ids: number[]): Promise<Map<number, StoredChunk>>;

  /** BM25 over the chunks' index text (stemmed, stopwords of the question dropped), best first. */
  searchKeywords(text: string, options: SearchOptions): Promise<ChunkScore[]>;
  /** Nearest chunks by cosine similarity to `vector` (score 1 = same direction), best first. */
  searchVectors(vector: ArrayLike<number>, options: SearchOptions): Promise<ChunkScore[]>;
  /**
   * Loads what vector search needs (the embedded store's HNSW index) now rather than on the first query;
   * `rebuilt` says whether this call had to rebuild it from the stored vectors.
   */
  prepareSearch(): Promise<{ vectors: number; rebuilt: boolean }>;
  /** Chunk count and, per analysed term, how many chunks contain it (for IDF weights outside the store). */
  termStats(terms: string[]): Promise<{ chunks: number; documentFrequency: Map<string, number> }>;

  /** Stored vectors for these chunk-text hashes under an embed key (`model@dims`); missing hashes are absent. */
  cachedVectors(embedKey: string, textHashes: string[]): Promise<Map<string, Float32Array>>;
  /** Keeps paid-for vectors whose documents could not be written. */
  putVectors(embedKey: string, vectors: Array<{ hash: string; vector: ArrayLike<number> }>): Promise<void>;

  /** Files whose last parse failed, by absolute path. */
  failedFiles(): Promise<Map<string, FailedFile>>;
  recordFailure(absPath: string, failure: FailedFile): Promise<void>;
  clearFailures(absPaths: string[]): Promise<void>;

  startRun(): Promise<number>;
  finishRun(id: number, status: string, summary: unknown): Promise<void>;
  lastRun(): Promise<RunRecord | undefined>;

  /** One writer per knowledge base: resolves with the release function, or throws LockedError naming the holder (waits with `wait`). */
  acquireWriter(options?: { wait?: boolean; signal?: AbortSignal }): Promise<() => Promise<void>>;
  /** Checks the store's invariants; `repair` rebuilds what is derived. */
  verify(options?: { repair?: boolean }): Promise<VerifyReport>;
  /** Persists derived structures and closes connections. */
  close(): Promise<void>;
}

export interface EmbeddingInfo {
  /** Model id, e.g. amazon.titan-embed-text-v2:0. */
  model: string;
  /** Vector length. */
  dimensions: number;
}

export interface IndexInfo {
  /** What the stored vectors were built with; absent before the first run. */
  embedding?: EmbeddingInfo;
  /** Chunk settings of the last run; absent before the first run. */
  chunking?: ChunkingOptions;
  /** Increases with every committed change of documents; readers compare it to notice writes. */
  generation: number;
}

export interface StoreStats {
  documents: number;
  chunks: number;
  /** Cached vectors, including those of chunk texts no longer live until pruned. */
  vectors: number;
  /** Estimated tokens of all chunks. */
  tokens: number;
  /** Storage used by this knowledge base. */
  bytes: number;
  /** Who holds the writer lock, e.g. "pid 1234", if anyone. */
  writer?: string;
}

export interface DocumentRow {
  id: number;
  absPath: string;
  root: string;
  path: string;
  format: DocumentFormat;
  title?: string;
  tags: string[];
  metadata: Record<string, unknown>;
  warnings: string[];
  contentHash: string;
  size: number;
  mtimeMs: number;
  chunkerKey: string;
  embedKey: string;
  indexedAt: string;
  /** Present where the query counted them (listings, getDocument). */
  chunkCount?: number;
}

export type NewDocument = Omit<DocumentRow, 'id' | 'indexedAt' | 'chunkCount'>;

/** A document as an index run compares it with the file (read for every document on every run: kept narrow). */
export type DocumentStamp = Pick<DocumentRow, 'id' | 'absPath' | 'path' | 'contentHash' | 'size' | 'mtimeMs' | 'chunkerKey' | 'embedKey'>;

/** The stamp's columns, in SQL (both stores' documents tables name them alike). */
export const DOCUMENT_STAMP_COLUMNS = 'id, abs_path AS "absPath", path, content_hash AS "contentHash", size, mtime_ms AS "mtimeMs", chunker_key AS "chunkerKey", embed_key AS "embedKey"';

export interface DocumentWrite {
  doc: NewDocument;
  /** The document's chunks, replacing all previous ones. */
  chunks: ChunkDraft[];
  /** A vector (under doc.embedKey) for every distinct chunk textHash, cached or newly embedded. */
  vectors: Map<string, ArrayLike<number>>;
}

export interface DocumentWriteResult {
  documentId: number;
  /** Ids of the chunks the write replaced. */
  removed: number[];
  /** Ids given to the new chunks, in chunk order. */
  added: Array<{ id: number; textHash: string }>;
}

export interface SearchOptions {
  /** At most this many results. */
  k: number;
  /** Applied by the store inside the search, so k results pass them when k exist. */
  filters?: SearchFilters;
}

export interface ChunkScore {
  chunkId: number;
  /** Higher is better; BM25 for keywords, cosine similarity for vectors. */
  score: number;
}

export interface FailedFile {
  contentHash: string;
  size: number;
  mtimeMs: number;
  chunkerKey: string;
  reason: string;
}

export interface RunRecord {
  id: number;
  startedAt: string;
  finishedAt?: string;
  status: string;
  summary?: unknown;
}

/** `model@dims`, the key vectors are cached under. */
export function embedKeyOf({ model, dimensions }: EmbeddingInfo): string {
  return `${model}@${dimensions}`;
}

/** The inverse of embedKeyOf (model ids may contain "@", so split at the last one). */
export function parseEmbedKey(key: string): EmbeddingInfo {
  const at = key.lastIndexOf('@');
  return { model: key.slice(0, at), dimensions: Number(key.slice(at + 1)) };
}

/** Recorded chunk settings, or undefined when the stored value is damaged (a rebuild would use the configuration anyway). */
export function parseChunking(text: string | undefined): ChunkingOptions | undefined {
  if (!text) return undefined;
  try {
    const saved = JSON.parse(text) as Partial<ChunkingOptions>;
    if (Number.isInteger(saved.targetTokens) && Number.isInteger(saved.overlapTokens)) return { targetTokens: saved.targetTokens!, overlapTokens: saved.overlapTokens! };
  } catch {
    // falls through
  }
  return undefined;
}

/**
 * BM25 weight of the title + heading path field against the body (1) in both stores' keyword search, calibrated on SciFact train with
 * `npm run eval:scifact`: a query term in a chunk's title says more about it than one in its text. Keyword
 * nDCG@10 at weights 1, 2, 3, 5: 0.704, 0.705, 0.704, 0.701 (title as plain body text: 0.703).
 */
export const CONTEXT_FIELD_WEIGHT = 2;
