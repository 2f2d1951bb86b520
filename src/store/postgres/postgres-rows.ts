import pgvector from 'pgvector';
import type { ChunkDraft, DocumentFormat, StoredChunk } from '../../types.js';
import type { DocumentRow } from '../kb-store.js';

export interface RawDocument {
  id: number; abs_path: string; root: string; path: string; format: DocumentFormat; title: string | null; tags: string[]; metadata: Record<string, unknown>;
  warnings: string[]; content_hash: string; size: number; mtime_ms: number; chunker_key: string; embed_key: string; indexed_at: string; chunk_count?: number;
}
export interface RawChunk {
  id: number; document_id: number; path: string; ordinal: number; text: string; index_text: string; text_hash: string; page: number | null; heading: string | null;
  char_start: number; char_end: number; tokens: number; context: string; meta: string | null;
}

/** Block kinds and link targets of a chunk (see ChunkDraft), stored as JSON like the SQLite store does. */
type ChunkMeta = Pick<ChunkDraft, 'blocks' | 'links'>;
const parseMeta = (meta: string | null): ChunkMeta => (meta ? (JSON.parse(meta) as ChunkMeta) : {});
export const metaJson = ({ blocks, links }: ChunkMeta): string | null =>
  blocks || links ? JSON.stringify({ ...(blocks ? { blocks } : {}), ...(links ? { links } : {}) }) : null;

export const CHUNK_COLUMNS = 'c.id, c.document_id, d.path, c.ordinal, c.text, c.index_text, c.text_hash, c.page, c.heading, c.char_start, c.char_end, c.tokens, c.context, c.meta';
export const WITH_CHUNK_COUNT = 'd.*, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS chunk_count';

export const toDocument = (r: RawDocument): DocumentRow => ({
  id: r.id, absPath: r.abs_path, root: r.root, path: r.path, format: r.format, ...(r.title ? { title: r.title } : {}), tags: r.tags, metadata: r.metadata,
  warnings: r.warnings, contentHash: r.content_hash, size: r.size, mtimeMs: r.mtime_ms, chunkerKey: r.chunker_key, embedKey: r.embed_key, indexedAt: r.indexed_at,
  ...(r.chunk_count !== undefined ? { chunkCount: r.chunk_count } : {}),
});

export const toChunk = (r: RawChunk): StoredChunk => ({
  id: r.id, documentId: r.document_id, path: r.path, ordinal: r.ordinal, text: r.text, charStart: r.char_start, charEnd: r.char_end,
  ...(r.page !== null ? { page: r.page } : {}), ...(r.heading ? { heading: r.heading } : {}), ...parseMeta(r.meta),
});

export const toDraft = (r: RawChunk): ChunkDraft => ({
  ordinal: r.ordinal, text: r.text, indexText: r.index_text, context: r.context, textHash: r.text_hash, headingPath: r.heading ? r.heading.split(' > ') : [],
  charStart: r.char_start, charEnd: r.char_end, tokenEstimate: r.tokens, ...(r.page !== null ? { page: r.page } : {}), ...parseMeta(r.meta),
});

/** pgvector's text form (the column is float4, like the SQLite blobs). */
export const vectorText = (v: ArrayLike<number>): string => pgvector.toSql(Array.from(v)) as string;
export const parseVector = (text: string): Float32Array => Float32Array.from(pgvector.fromSql(text) as number[]);

/** PostgreSQL text cannot hold NUL; a document with one is stored with U+FFFD instead of failing. */
export const pgText = (s: string): string => (s.includes('\u0000') ? s.replaceAll('\u0000', '\ufffd') : s);
