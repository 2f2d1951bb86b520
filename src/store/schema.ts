import type Database from 'better-sqlite3';
import { KbError } from '../errors.js';

export const SCHEMA_VERSION = 2;

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
  UNIQUE (document_id, ordinal)
);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(text_hash);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
  index_text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts(rowid, index_text) VALUES (new.id, new.index_text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_fts(chunks_fts, rowid, index_text) VALUES ('delete', old.id, old.index_text);
END;
-- Vectors are keyed by embedding model and chunk-text hash: an unchanged chunk text is never embedded twice.
CREATE TABLE IF NOT EXISTS vectors (
  embed_key TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (embed_key, text_hash)
) WITHOUT ROWID;
-- Files that failed to parse, by content: an unchanged broken file is not parsed again on every run (schema 2).
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
