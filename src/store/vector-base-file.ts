import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteStore } from './sqlite-store.js';

/**
 * The saved vector index is a base, not a mirror: `vectors.hnsw` (dense vectors) or `vectors.cols` (sparse ones,
 * see sparse-columns.ts) holds every chunk up to the id its sidecar records (`upTo`), and what changed since lives in the database — chunks with a higher id (searched exactly
 * until the next save) and `vector_tombstones` (deleted chunks, marked deleted in the loaded graph). So a run
 * that changes a few files writes rows, not a new multi-gigabyte file; the file is rewritten only when the
 * change since it exceeds `compactionThreshold`.
 */
export const INDEX_FILE = 'vectors.hnsw';
export const SIDECAR_FILE = 'vectors.json';
/** Column postings of the same vectors, kept beside the graph when they are sparse (see sparse-columns.ts). */
export const COLUMNS_FILE = 'vectors.cols';
/** Meta key under which the database records the stamp of the base file its tombstones are relative to. */
export const BASE_STAMP_KEY = 'vector_base';

export interface Sidecar {
  embedKey: string;
  dimensions: number;
  /** Database generation when the file was saved. */
  generation: number;
  /** Live vectors in the file. */
  count: number;
  /** Size and SHA-256 of vectors.hnsw: hnswlib trusts its input and can crash on a damaged file. */
  bytes: number;
  sha256: string;
  /** Modification time of vectors.hnsw as saved (absent in older sidecars): while it and the size match, open skips the hash. */
  mtimeMs?: number;
  /** Build settings of the saved graph; absent in sidecars written before they were recorded (then 12 / 40). */
  m?: number;
  efConstruction?: number;
  /** Every chunk id up to this one is in the file or deleted (absent in sidecars before schema 4). */
  upTo?: number;
  /** Names this save; the database records it with the tombstones that are relative to it. */
  stamp?: string;
  /**
   * vectors.cols as saved (sparse vectors): false when the vectors are dense and none is kept; absent in
   * sidecars written before it existed (a writer then builds it from the database).
   */
  columns?: SavedFile | false;
  /** False when the base is the columns alone and there is no vectors.hnsw (then `bytes` is 0). */
  graph?: false;
}

/** Size, SHA-256 and modification time of a file as saved. */
export interface SavedFile {
  bytes: number;
  sha256: string;
  mtimeMs: number;
}

/** The sidecar, or undefined when it is missing, unreadable or not of this shape (then the index is rebuilt). */
export function readSidecar(kbDir: string): Sidecar | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(kbDir, SIDECAR_FILE), 'utf8')) as Sidecar;
    const counts = [meta.dimensions, meta.generation, meta.count, meta.bytes, meta.upTo ?? 0];
    if (typeof meta.embedKey !== 'string' || !counts.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
    if (meta.graph !== undefined && meta.graph !== false) return undefined;
    const cols = meta.columns;
    if (cols !== undefined && cols !== false && !(typeof cols === 'object' && cols && Number.isSafeInteger(cols.bytes) && typeof cols.sha256 === 'string' && typeof cols.mtimeMs === 'number')) return undefined;
    return meta;
  } catch {
    return undefined;
  }
}

/** Highest chunk id ever allocated (AUTOINCREMENT never reuses one). */
export function chunkSequence(store: SqliteStore): number {
  return (store.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'chunks'").pluck().get() as number | undefined) ?? 0;
}

/**
 * The saved base this database can build on, with the chunk id it covers, or undefined (then everything is
 * change). A base is accepted when the database recorded its stamp (so the tombstones since it are complete),
 * or when it was saved at the database's current generation (an index written before stamps, or one whose save
 * was interrupted between the file and the database). An older file put back by hand is neither.
 */
export function acceptedBase(store: SqliteStore, kbDir: string, embedKey: string, dimensions: number): { meta: Sidecar; upTo: number } | undefined {
  const meta = readSidecar(kbDir);
  if (!meta || meta.embedKey !== embedKey || meta.dimensions !== dimensions) return undefined;
  try {
    // The base's main file must have the size the sidecar recorded: the graph, or the columns when there is no graph.
    const [file, bytes] = meta.graph === false ? [COLUMNS_FILE, meta.columns ? meta.columns.bytes : -1] : [INDEX_FILE, meta.bytes];
    if (statSync(join(kbDir, file)).size !== bytes) return undefined;
  } catch {
    return undefined;
  }
  const current = meta.generation === store.generation();
  if (!current && (!meta.stamp || meta.stamp !== store.getMeta(BASE_STAMP_KEY))) return undefined;
  const upTo = meta.upTo ?? (current ? chunkSequence(store) : undefined);
  return upTo === undefined ? undefined : { meta, upTo };
}

/** Change since the saved base; past this the file is rewritten (the change searched exactly stays small). */
export function compactionThreshold(baseCount: number): number {
  return Math.min(5_000, Math.max(2_000, Math.ceil(baseCount / 200)));
}

/** How far the database is from the saved base: chunks after it plus deletions since, and the threshold. */
export function pendingChange(store: SqliteStore, kbDir: string, embedKey: string, dimensions: number): { based: boolean; changes: number; threshold: number } {
  const base = acceptedBase(store, kbDir, embedKey, dimensions);
  const after = store.db.prepare('SELECT count(*) FROM chunks WHERE id > ?').pluck().get(base?.upTo ?? 0) as number;
  const deleted = base ? (store.db.prepare('SELECT count(*) FROM vector_tombstones WHERE id <= ?').pluck().get(base.upTo) as number) : 0;
  return { based: !!base, changes: after + deleted, threshold: compactionThreshold(base?.meta.count ?? 0) };
}
