import type { PoolClient } from 'pg';
import { KbError } from '../../errors.js';

/**
 * Versioned schema changes, applied in order on open and recorded in schema_migrations. Never edit a
 * released migration: add the next version. Tables mirror the SQLite store's; chunk_terms and keyword_stats
 * hold what BM25 needs (FTS5 keeps the same numbers inside its index).
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO meta (key, value) VALUES ('generation', '0');
CREATE TABLE documents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  abs_path text NOT NULL UNIQUE,
  root text NOT NULL,
  path text NOT NULL,
  format text NOT NULL,
  title text,
  tags json NOT NULL DEFAULT '[]',
  metadata json NOT NULL DEFAULT '{}',
  warnings json NOT NULL DEFAULT '[]',
  content_hash text NOT NULL,
  size bigint NOT NULL,
  mtime_ms double precision NOT NULL,
  chunker_key text NOT NULL,
  embed_key text NOT NULL,
  indexed_at text NOT NULL
);
CREATE INDEX documents_root ON documents (root);
CREATE INDEX documents_hash ON documents (content_hash);
CREATE INDEX documents_path ON documents (path);
CREATE TABLE chunks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  text text NOT NULL,
  index_text text NOT NULL,
  text_hash text NOT NULL,
  page integer,
  heading text,
  char_start integer NOT NULL,
  char_end integer NOT NULL,
  tokens integer NOT NULL,
  -- Tokens of context and text as the analyzer counts them: BM25's document length.
  length integer NOT NULL,
  -- Title and heading path (index_text is context, a blank line, text), and block kinds / links as JSON.
  context text NOT NULL DEFAULT '',
  meta text,
  UNIQUE (document_id, ordinal)
);
CREATE INDEX chunks_hash ON chunks (text_hash);
CREATE TABLE chunk_terms (
  term text NOT NULL,
  chunk_id bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
  tf integer NOT NULL,
  PRIMARY KEY (term, chunk_id)
);
CREATE INDEX chunk_terms_chunk ON chunk_terms (chunk_id);
CREATE TABLE keyword_stats (id integer PRIMARY KEY CHECK (id = 1), chunks bigint NOT NULL, tokens bigint NOT NULL);
INSERT INTO keyword_stats VALUES (1, 0, 0);
-- Keyed by embedding model and chunk-text hash: an unchanged chunk text is never embedded twice.
-- The HNSW index is created per dimension once a model is recorded (see ensureVectorIndex).
CREATE TABLE vectors (
  embed_key text NOT NULL,
  text_hash text NOT NULL,
  dims integer NOT NULL,
  embedding vector NOT NULL,
  PRIMARY KEY (embed_key, text_hash)
);
CREATE TABLE failed_files (
  abs_path text PRIMARY KEY,
  content_hash text NOT NULL,
  size bigint NOT NULL,
  mtime_ms double precision NOT NULL,
  chunker_key text NOT NULL,
  reason text NOT NULL,
  failed_at text NOT NULL
);
CREATE TABLE runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at text NOT NULL,
  finished_at text,
  status text NOT NULL,
  summary json
);
-- Who holds the writer's advisory lock, for the refusal message and kb status.
CREATE TABLE writer (
  id integer PRIMARY KEY CHECK (id = 1),
  holder text NOT NULL,
  pid integer NOT NULL,
  token text NOT NULL,
  backend_pid integer NOT NULL,
  backend_start timestamptz,
  since text NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'title and heading matches weighed as in FTS5',
    // How many of a term's occurrences (tf) are in the chunk's context (title and heading path): BM25 counts
    // those CONTEXT_FIELD_WEIGHT times, as FTS5's bm25() with column weights does. Rows written before this
    // count 0 until their document is indexed again (kb index --rebuild, or kb verify --repair).
    sql: `ALTER TABLE chunk_terms ADD COLUMN context_tf integer NOT NULL DEFAULT 0;`,
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

/** Applies the migrations this database lacks, one transaction, serialized across processes opening at once. */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('bedrock-kb migrations ' || current_schema(), 0))");
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const applied = rows[0]?.version ?? 0;
    if (applied > LATEST_VERSION) {
      throw new KbError('SCHEMA_TOO_NEW', `This knowledge base was written by a newer bedrock-kb (schema ${applied}, this one knows ${LATEST_VERSION}). Upgrade bedrock-kb.`);
    }
    for (const m of MIGRATIONS.filter((m) => m.version > applied)) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** HNSW for one dimension over the untyped column (pgvector indexes at most 2,000 dimensions; beyond, search is exact). */
export async function ensureVectorIndex(client: Pick<PoolClient, 'query'>, dimensions: number): Promise<void> {
  if (!Number.isInteger(dimensions) || dimensions <= 0 || dimensions > 2000) return;
  await client.query(
    `CREATE INDEX IF NOT EXISTS vectors_hnsw_${dimensions} ON vectors USING hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) WHERE dims = ${dimensions}`,
  );
}
