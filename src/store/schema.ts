import type Database from 'better-sqlite3';
import { KbError } from '../errors.js';

/**
 * 2: failed_files; fielded FTS (context, text) with chunks.context and chunks.meta. 3: both (each was 2 on its own).
 * 4: vector_tombstones, the chunks deleted since the saved vector index was written. 5: vectors may be stored
 * sparse (vector-blob.ts); a version that reads 4 would take a sparse blob for a short dense vector, so it must refuse.
 */
export const SCHEMA_VERSION = 5;

// Title and heading path (`context`) are their own column, so BM25 can weigh a match there above one in the body.
const FTS = `
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
  context, text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts(rowid, context, text) VALUES (new.id, new.context, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_fts(chunks_fts, rowid, context, text) VALUES ('delete', old.id, old.context, old.text);
END;
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY,
  abs_path TEXT NOT NULL UNIQUE,
  root TEXT NOT NULL,
  path TEXT NOT NULL,
  format TEXT NOT NULL,
  title TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  metadata TEXT NOT NULL DEFAULT '{}',
  warnings TEXT NOT NULL DEFAULT '[]',
  content_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  chunker_key TEXT NOT NULL,
  embed_key TEXT NOT NULL,
  indexed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_root ON documents(root);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  ordinal INTEGER NOT NULL,
  text TEXT NOT NULL,
  index_text TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  page INTEGER,
  heading TEXT,
  char_start INTEGER NOT NULL,
  char_end INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  context TEXT NOT NULL DEFAULT '',
  meta TEXT,
  UNIQUE (document_id, ordinal)
);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(text_hash);
${FTS}
-- Vectors are keyed by embedding model and chunk-text hash: an unchanged chunk text is never embedded twice.
CREATE TABLE IF NOT EXISTS vectors (
  embed_key TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (embed_key, text_hash)
) WITHOUT ROWID;
-- Files that failed to parse, by content: an unchanged broken file is not parsed again on every run (schema 2).
-- Chunk ids deleted since the saved HNSW file was written: a reader marks them deleted in the graph it loads,
-- so a removal costs a row here instead of a rewrite of the whole index file (schema 4). Cleared when the
-- index file is next saved, which then holds them as deleted.
CREATE TABLE IF NOT EXISTS vector_tombstones (id INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS chunks_tombstone AFTER DELETE ON chunks BEGIN
  INSERT OR IGNORE INTO vector_tombstones(id) VALUES (old.id);
END;
CREATE TABLE IF NOT EXISTS failed_files (
  abs_path TEXT PRIMARY KEY,
  content_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  chunker_key TEXT NOT NULL,
  reason TEXT NOT NULL,
  failed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  summary TEXT
);
`;

/** Creates or upgrades the schema; refuses a database written by a newer version. */
export function migrate(db: Database.Database): void {
  const row = db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").get();
  if (row) {
    const version = Number((db.prepare("SELECT value FROM meta WHERE key='schema_version'").get() as { value: string } | undefined)?.value ?? 0);
    if (version > SCHEMA_VERSION) {
      throw new KbError('SCHEMA_TOO_NEW', `This knowledge base was written by a newer bedrock-kb (schema ${version}, this one knows ${SCHEMA_VERSION}). Upgrade bedrock-kb.`);
    }
    if (version === SCHEMA_VERSION) return;
  }
  db.transaction(() => {
    const columns = (db.prepare('PRAGMA table_info(chunks)').all() as Array<{ name: string }>).map((c) => c.name);
    if (columns.length && !columns.includes('context')) upgradeToFieldedFts(db);
    db.exec(SCHEMA);
    db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    db.prepare("INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', '0')").run();
  })();
}

/** For a read-only connection, which cannot migrate: the schema must be this version's already. */
export function checkSchema(db: Database.Database): void {
  const hasMeta = db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").get();
  const version = hasMeta ? Number((db.prepare("SELECT value FROM meta WHERE key='schema_version'").get() as { value: string } | undefined)?.value ?? 0) : 0;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new KbError('SCHEMA_TOO_NEW', `This knowledge base was written by a newer bedrock-kb (schema ${version}, this one knows ${SCHEMA_VERSION}). Upgrade bedrock-kb.`);
  }
  throw new KbError('SCHEMA_TOO_OLD', `This knowledge base has schema ${version}; this bedrock-kb reads ${SCHEMA_VERSION}. Run kb index once (it upgrades the file), as a user who may write it.`, { exitCode: 1 });
}

/**
 * Schema 1 indexed one FTS column (header and text together). The header becomes its own stored column,
 * recovered from the index text, and the FTS table is rebuilt from the stored chunks. Documents are then
 * re-chunked by the next `kb index` anyway (the chunker key changed); until then search keeps working.
 */
function upgradeToFieldedFts(db: Database.Database): void {
  db.exec(`
    ALTER TABLE chunks ADD COLUMN context TEXT NOT NULL DEFAULT '';
    ALTER TABLE chunks ADD COLUMN meta TEXT;
    UPDATE chunks SET context = rtrim(substr(index_text, 1, length(index_text) - length(text)), char(10))
      WHERE length(index_text) > length(text) AND substr(index_text, length(index_text) - length(text) + 1) = text;
    DROP TRIGGER IF EXISTS chunks_ai;
    DROP TRIGGER IF EXISTS chunks_ad;
    DROP TABLE IF EXISTS chunks_vocab;
    DROP TABLE IF EXISTS chunks_fts;
    ${FTS}
    INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');
  `);
}
