import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import { describe, expect, it } from 'vitest';
import { indexFolders } from '../src/ingest/index-folders.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { openStore } from '../src/store/sqlite-store.js';
import { copyOfData, tempDir } from './temp-dir.js';

const INGEST = { maxFileBytes: 10 * 1024 * 1024, followSymlinks: false, fileTimeoutMs: 30_000 };
const CHUNKING = { targetTokens: 400, overlapTokens: 60 };

describe('text pipeline version', () => {
  it('a kb built with pipeline version N re-processes every document under N+1, and none when the version is unchanged', async () => {
    const data = copyOfData();
    const kbDir = tempDir();
    const store = openSqliteKbStore(kbDir);
    const embedder = new LocalHashEmbeddings({ dimensions: 64 });
    const run = (textPipelineVersion: number) => indexFolders({ roots: [data], store, embedder, chunking: CHUNKING, ingest: INGEST, textPipelineVersion });
    const first = await run(1);
    const documents = first.files.new;
    expect(documents).toBeGreaterThan(10);
    const upgraded = await run(2);
    expect(upgraded.files.changed).toBe(documents);
    expect(upgraded.files.unchanged).toBe(0);
    const again = await run(2);
    expect(again.files.changed + again.files.new).toBe(0);
    expect(again.files.unchanged).toBe(documents);
    await store.close();
  });
});

describe('fielded keyword search', () => {
  it('weighs a match in the title and heading path above one in the body', async () => {
    const root = join(tempDir(), 'docs');
    mkdirSync(root);
    writeFileSync(join(root, 'a-title.md'), '# Glacier retention\n\nObjects move to colder storage after a while, and the bill goes down.\n');
    writeFileSync(join(root, 'b-body.md'), '# Storage notes\n\nGlacier classes cost less; glacier retrieval takes hours.\n');
    const kbDir = tempDir();
    const kbStore = openSqliteKbStore(kbDir);
    await indexFolders({ roots: [root], store: kbStore, embedder: new LocalHashEmbeddings({ dimensions: 64 }), chunking: CHUNKING, ingest: INGEST });
    await kbStore.close();
    // The engine's field weights themselves, through the SQLite store.
    const store = openStore(kbDir);
    const pathOf = (id: number) => store.chunksByIds([id]).get(id)!.path;
    expect(store.keywordSearch('"glacier"', 2, undefined, 0.1).map((h) => pathOf(h.id))).toEqual(['docs/b-body.md', 'docs/a-title.md']);
    expect(store.keywordSearch('"glacier"', 2, undefined, 10).map((h) => pathOf(h.id))).toEqual(['docs/a-title.md', 'docs/b-body.md']);
    store.close();
  });

  it('a schema 1 kb is migrated: its FTS table is rebuilt with the title field from the stored chunks', () => {
    const kbDir = tempDir();
    const db = new Database(join(kbDir, 'kb.sqlite'));
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema_version', '1'), ('generation', '3');
      CREATE TABLE documents (id INTEGER PRIMARY KEY, abs_path TEXT NOT NULL UNIQUE, root TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL, title TEXT,
        tags TEXT NOT NULL DEFAULT '[]', metadata TEXT NOT NULL DEFAULT '{}', warnings TEXT NOT NULL DEFAULT '[]', content_hash TEXT NOT NULL, size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL, chunker_key TEXT NOT NULL, embed_key TEXT NOT NULL, indexed_at TEXT NOT NULL);
      CREATE TABLE chunks (id INTEGER PRIMARY KEY AUTOINCREMENT, document_id INTEGER NOT NULL REFERENCES documents(id), ordinal INTEGER NOT NULL, text TEXT NOT NULL,
        index_text TEXT NOT NULL, text_hash TEXT NOT NULL, page INTEGER, heading TEXT, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL, tokens INTEGER NOT NULL,
        UNIQUE (document_id, ordinal));
      CREATE VIRTUAL TABLE chunks_fts USING fts5(index_text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
      CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN INSERT INTO chunks_fts(rowid, index_text) VALUES (new.id, new.index_text); END;
      INSERT INTO documents VALUES (1, '/d/a.md', '/d', 'd/a.md', 'markdown', 'Parental leave', '[]', '{}', '[]', 'h', 1, 1, 'v1:400:60', 'local@64', 'now');
      INSERT INTO chunks (document_id, ordinal, text, index_text, text_hash, char_start, char_end, tokens)
        VALUES (1, 0, 'Sixteen weeks are paid in full.', 'Parental leave > Duration' || char(10) || char(10) || 'Sixteen weeks are paid in full.', 'x', 0, 31, 9);
    `);
    db.close();
    const store = openStore(kbDir);
    expect(store.db.prepare('SELECT context FROM chunks').pluck().get()).toBe('Parental leave > Duration');
    expect(store.keywordSearch('"duration"', 5).map((h) => h.id)).toEqual([1]);
    expect(store.keywordSearch('"sixteen"', 5).map((h) => h.id)).toEqual([1]);
    expect(store.getMeta('schema_version')).toBe(String(SCHEMA_VERSION));
    store.close();
  });
});
