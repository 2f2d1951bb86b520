import { existsSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { hashFile } from './hash-file.js';
import type { SqliteStore } from './sqlite-store.js';
import { SparseColumns } from './sparse-columns.js';
import { blobDimensions } from './vector-blob.js';
import { acceptedBase, COLUMNS_FILE, INDEX_FILE, readSidecar, SIDECAR_FILE } from './vector-base-file.js';
import { VectorIndex } from './vector-index.js';

export interface VerifyProblem {
  check: string;
  detail: string;
  /** Whether --repair fixes it. */
  repairable: boolean;
}

export interface VerifyReport {
  ok: boolean;
  checks: string[];
  problems: VerifyProblem[];
  /** Findings that are not corruption, e.g. documents whose files are gone (removed on the next index run). */
  notes: string[];
  repaired: string[];
  durationMs: number;
}

/**
 * Checks the knowledge base against its own invariants. The database is the source of truth; FTS and HNSW
 * are derived and `repair` rebuilds them. Documents whose files vanished are reported, never deleted here.
 */
export function verifyStore(store: SqliteStore, kbDir: string, { repair = false } = {}): VerifyReport {
  const t0 = performance.now();
  const { db } = store;
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const repaired: string[] = [];
  const checks: string[] = [];
  const count = (sql: string, ...params: unknown[]) => db.prepare(sql).pluck().get(...params) as number;

  checks.push('sqlite integrity');
  const integrity = db.prepare('PRAGMA integrity_check').pluck().all() as string[];
  if (integrity.join() !== 'ok') problems.push({ check: 'sqlite integrity', detail: integrity.slice(0, 5).join('; '), repairable: false });

  checks.push('chunks belong to documents');
  const orphans = count('SELECT count(*) FROM chunks c LEFT JOIN documents d ON d.id = c.document_id WHERE d.id IS NULL');
  if (orphans) problems.push({ check: 'chunks belong to documents', detail: `${orphans} chunk(s) without a document`, repairable: true });

  checks.push('unique ordinals');
  const dupes = count('SELECT count(*) FROM (SELECT 1 FROM chunks GROUP BY document_id, ordinal HAVING count(*) > 1)');
  if (dupes) problems.push({ check: 'unique ordinals', detail: `${dupes} (document, ordinal) pair(s) used twice`, repairable: false });

  checks.push('full-text index matches chunks');
  let ftsOk = true;
  try {
    db.prepare("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)").run();
  } catch (error) {
    ftsOk = false;
    problems.push({ check: 'full-text index matches chunks', detail: (error as Error).message, repairable: true });
  }

  const embedKey = store.getMeta('embed_key');
  const dimensions = Number(store.getMeta('embed_dimensions') ?? 0);
  checks.push('every chunk has a vector');
  let missingVectorDocs: number[] = [];
  if (embedKey) {
    missingVectorDocs = db
      .prepare('SELECT DISTINCT c.document_id FROM chunks c LEFT JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash WHERE v.text_hash IS NULL')
      .pluck()
      .all(embedKey) as number[];
    if (missingVectorDocs.length) problems.push({ check: 'every chunk has a vector', detail: `${missingVectorDocs.length} document(s) have chunks without a ${embedKey} vector`, repairable: true });
    // Dense or sparse (vector-blob.ts): the blob's own dimension, -1 for one that is neither form.
    db.function('kb_vector_dimensions', { deterministic: true }, (blob: unknown) => (blob instanceof Uint8Array ? blobDimensions(blob) ?? -1 : -1));
    const badDims = count('SELECT count(*) FROM vectors WHERE embed_key = ? AND kb_vector_dimensions(vector) != ?', embedKey, dimensions);
    if (badDims) problems.push({ check: 'vector dimensions', detail: `${badDims} vector(s) are not ${dimensions}-dimensional`, repairable: false });
  }

  checks.push('vector index holds exactly the live chunks');
  let hnswOk = true;
  if (embedKey) {
    const detail = checkHnsw(store, kbDir, embedKey, dimensions);
    if (detail) {
      hnswOk = false;
      problems.push({ check: 'vector index holds exactly the live chunks', detail, repairable: true });
    }
  }

  checks.push('indexed files still exist');
  for (const doc of store.allDocuments()) if (!existsSync(doc.absPath)) notes.push(`${doc.path}: the file is gone (removed from the index on the next kb index of its folder)`);

  if (repair) {
    if (orphans) {
      db.prepare('DELETE FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)').run();
      repaired.push(`deleted ${orphans} orphan chunk(s)`);
    }
    if (!ftsOk) {
      db.prepare("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')").run();
      repaired.push('rebuilt the full-text index');
    }
    if (missingVectorDocs.length) {
      // Forget their content hash so the next `kb index` re-embeds them; we cannot embed from here.
      const stmt = db.prepare("UPDATE documents SET content_hash = '' , mtime_ms = -1 WHERE id = ?");
      for (const id of missingVectorDocs) stmt.run(id);
      repaired.push(`marked ${missingVectorDocs.length} document(s) for re-embedding on the next kb index`);
    }
    if ((!hnswOk || orphans) && embedKey) {
      const index = VectorIndex.open(store, kbDir, embedKey, dimensions);
      index.rebuild(store);
      index.save(store);
      repaired.push('rebuilt the vector index');
    }
  }
  const unrepaired = problems.filter((p) => !(repair && p.repairable));
  return { ok: unrepaired.length === 0, checks, problems, notes, repaired, durationMs: performance.now() - t0 };
}

/**
 * Compares the saved base (the HNSW file, or the column file of sparse vectors) label by label with the chunks
 * it covers (ids up to its `upTo`; newer chunks are searched from the database until the next save); returns
 * what is wrong, if anything.
 */
function checkHnsw(store: SqliteStore, kbDir: string, embedKey: string, dimensions: number): string | undefined {
  const file = join(kbDir, INDEX_FILE);
  if (!existsSync(join(kbDir, SIDECAR_FILE))) return 'the vector index file is missing (it is rebuilt on the next query)';
  const sidecar = readSidecar(kbDir);
  if (!sidecar) return `${SIDECAR_FILE} is unreadable`;
  const main = sidecar.graph === false ? COLUMNS_FILE : INDEX_FILE;
  if (!existsSync(join(kbDir, main))) return `the vector index file ${main} is missing (it is rebuilt on the next query)`;
  if (sidecar.embedKey !== embedKey) return `the vector index was built with ${sidecar.embedKey}, the database with ${embedKey}`;
  const base = acceptedBase(store, kbDir, embedKey, dimensions);
  if (!base) return `the vector index file is not the one this database last saved (generation ${sidecar.generation}, database ${store.generation()})`;
  const ids = (sql: string, ...params: unknown[]) => new Set(store.db.prepare(sql).pluck().all(...params) as number[]);
  const live = ids('SELECT c.id FROM chunks c JOIN vectors v ON v.embed_key = ? AND v.text_hash = c.text_hash WHERE c.id <= ?', embedKey, base.upTo);
  // Deleted since the file was saved: marked deleted when a reader loads it.
  const tombstones = ids('SELECT id FROM vector_tombstones WHERE id <= ?', base.upTo);
  if (sidecar.graph === false) return base.meta.columns ? checkColumns(kbDir, base.meta.columns, dimensions, live, tombstones) : `${SIDECAR_FILE} names neither a graph nor a column file`;
  const { bytes, sha256 } = hashFile(file);
  if (bytes !== sidecar.bytes || sha256 !== sidecar.sha256) {
    return 'the vector index file does not match its recorded size and checksum (damaged or torn write)';
  }
  const index = new hnswlib.HierarchicalNSW('cosine', dimensions);
  try {
    index.readIndexSync(file, true);
  } catch (error) {
    return `the vector index file cannot be read (${(error as Error).message})`;
  }
  let missing = 0;
  let extra = 0;
  for (const id of live) {
    try {
      index.getPoint(id);
    } catch {
      missing++;
    }
  }
  for (const id of index.getIdsList()) {
    if (live.has(id) || tombstones.has(id)) continue;
    try {
      index.getPoint(id); // a deleted label throws; a readable one is a chunk that no longer exists
      extra++;
    } catch {
      /* marked deleted: fine */
    }
  }
  if (missing || extra) return `${missing} live chunk(s) missing from the vector index, ${extra} dead label(s) still searchable`;
  return base.meta.columns ? checkColumns(kbDir, base.meta.columns, dimensions, live, tombstones) : undefined;
}

/** Compares vectors.cols with its recorded checksum and its rows with the chunks the base covers. */
function checkColumns(kbDir: string, saved: { bytes: number; sha256: string }, dimensions: number, live: Set<number>, tombstones: Set<number>): string | undefined {
  const file = join(kbDir, COLUMNS_FILE);
  if (!existsSync(file)) return `${COLUMNS_FILE} is missing`;
  const { bytes, sha256 } = hashFile(file);
  if (bytes !== saved.bytes || sha256 !== saved.sha256) return `${COLUMNS_FILE} does not match its recorded size and checksum (damaged or torn write)`;
  const columns = SparseColumns.read(file, dimensions);
  if (!columns) return `${COLUMNS_FILE} cannot be read as ${dimensions}-dimensional column postings`;
  const labels = new Set(columns.liveLabels());
  let missing = 0;
  let extra = 0;
  for (const id of live) if (!labels.has(id)) missing++;
  for (const id of labels) if (!live.has(id) && !tombstones.has(id)) extra++;
  if (missing || extra) return `${missing} live chunk(s) missing from ${COLUMNS_FILE}, ${extra} dead row(s) in it`;
  return undefined;
}
