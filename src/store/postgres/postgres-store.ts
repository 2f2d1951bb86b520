import pg from 'pg';
import { IndexMismatchError, KbError } from '../../errors.js';
import { DOCUMENT_STAMP_COLUMNS, type DocumentStamp, embedKeyOf, type KbStore, parseChunking, parseEmbedKey } from '../kb-store.js';
import { acquireWriterLock, writerHolder } from './advisory-lock.js';
import { keywordStats, searchVectors } from './postgres-search.js';
import { searchKeywords } from './keyword-search.js';
import { ensureVectorIndex, migrate } from './migrations.js';
import { CHUNK_COLUMNS, parseVector, pgText, type RawChunk, type RawDocument, toChunk, toDocument, toDraft, vectorText, WITH_CHUNK_COUNT } from './postgres-rows.js';
import { filterWhere } from './postgres-filters.js';
import { verifyPostgres } from './verify-postgres.js';
import { bumpGeneration, writeDocuments } from './write-documents.js';

export interface PostgresStoreOptions {
  /** postgres://user@host:5432/db?sslmode=verify-full; the password may come from `password` instead. */
  url: string;
  /** Passed to pg as is: `true`, or { ca, rejectUnauthorized, ... } for RDS/Aurora certificates. */
  ssl?: pg.PoolConfig['ssl'];
  /** A password, or a function pg calls for every new connection (an RDS IAM auth token lasts 15 minutes). */
  password?: pg.PoolConfig['password'];
  /** Connections in the pool; one more is held by a writer while it holds the lock. */
  maxConnections?: number;
}

// bigint ids and counts fit a double for any realistic knowledge base; numeric comes from sum() of bigints.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * KbStore in PostgreSQL with pgvector: one database (or schema, via the search_path) per knowledge base,
 * any number of readers, one writer at a time under an advisory lock. Each write group is one transaction,
 * so readers see it whole or not at all; there is nothing to refresh, every query reads the committed state.
 */
export async function openPostgresStore({ url, ssl, password, maxConnections = 8 }: PostgresStoreOptions): Promise<KbStore> {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, types, ...(ssl !== undefined ? { ssl } : {}), ...(password !== undefined ? { password } : {}) });
  pool.on('error', () => undefined); // an idle client's broken connection is replaced on the next checkout
  const where = describe(url);
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof KbError) throw error;
    throw new KbError('STORE_UNAVAILABLE', `Cannot open the knowledge base at ${where}: ${(error as Error).message}. Check store.url (env KB_DATABASE_URL), the server and its credentials.`, { cause: error, exitCode: 3, httpStatus: 503 });
  }

  const meta = async (key: string) => (await pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
  const setMeta = (key: string, value: string) => pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [key, value]);
  const documents = async (sql: string, params: unknown[]) => (await pool.query<RawDocument>(sql, params)).rows.map(toDocument);
  const transaction = async <T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };

  return {
    async indexInfo() {
      const { rows } = await pool.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('embed_key', 'chunking', 'generation')");
      const m = new Map(rows.map((r) => [r.key, r.value]));
      const key = m.get('embed_key');
      const chunking = parseChunking(m.get('chunking'));
      return { ...(key ? { embedding: parseEmbedKey(key) } : {}), ...(chunking ? { chunking } : {}), generation: Number(m.get('generation') ?? 0) };
    },
    async setIndexInfo({ embedding, chunking }) {
      if (embedding) {
        await ensureVectorIndex(pool, embedding.dimensions);
        await setMeta('embed_key', embedKeyOf(embedding));
        await setMeta('embed_model', embedding.model);
        await setMeta('embed_dimensions', String(embedding.dimensions));
      }
      if (chunking) await setMeta('chunking', JSON.stringify(chunking));
    },
    async checkEmbedding(configured) {
      const key = await meta('embed_key');
      if (key && key !== embedKeyOf(configured)) throw new IndexMismatchError(parseEmbedKey(key), configured);
    },
    async stats() {
      const { rows } = await pool.query<{ documents: number; chunks: number; vectors: number; tokens: number; bytes: number }>(
        `SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM vectors) AS vectors,
           (SELECT coalesce(sum(tokens), 0) FROM chunks) AS tokens,
           (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r') AS bytes`,
      );
      const writer = await writerHolder(pool);
      return { ...rows[0]!, ...(writer ? { writer } : {}) };
    },

    async writeDocuments(items) {
      for (const { doc, chunks, vectors } of items) {
        const missing = chunks.find((c) => !vectors.has(c.textHash));
        if (missing) throw new KbError('VECTOR_MISSING', `${doc.path}: chunk ${missing.ordinal} has no vector; every chunk text needs one (a bug in the caller).`, { exitCode: 3 });
      }
      return transaction((client) => writeDocuments(client, items));
    },
    async removeDocuments(ids) {
      if (!ids.length) return [];
      return transaction(async (client) => {
        const { rows } = await client.query<{ id: number; length: number }>('DELETE FROM chunks WHERE document_id = ANY($1::bigint[]) RETURNING id, length', [ids]);
        await client.query('DELETE FROM documents WHERE id = ANY($1::bigint[])', [ids]);
        await client.query('UPDATE keyword_stats SET chunks = chunks - $1, tokens = tokens - $2', [rows.length, rows.reduce((n, r) => n + r.length, 0)]);
        await bumpGeneration(client);
        return rows.map((r) => r.id).sort((a, b) => a - b);
      });
    },
    async touchDocument(id, size, mtimeMs) {
      await pool.query('UPDATE documents SET size = $1, mtime_ms = $2 WHERE id = $3', [size, mtimeMs, id]);
    },
    async pruneVectors() {
      return (await pool.query('DELETE FROM vectors v WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.text_hash = v.text_hash)')).rowCount ?? 0;
    },

    async documentsUnder(roots) {
      if (!roots.length) return [];
      const { rows } = await pool.query<DocumentStamp & { size: string | number; mtimeMs: string | number }>(`SELECT ${DOCUMENT_STAMP_COLUMNS} FROM documents WHERE root = ANY($1::text[])`, [roots]);
      return rows.map((r) => ({ ...r, id: Number(r.id), size: Number(r.size), mtimeMs: Number(r.mtimeMs) }));
    },
    async listDocuments({ pathPrefix, limit = 50, offset = 0, visibleTo }) {
      const params: unknown[] = [];
      const w = filterWhere({ ...(pathPrefix ? { pathPrefix } : {}), ...(visibleTo ? { visibleTo } : {}) }, params);
      const total = Number((await pool.query<{ n: number }>(`SELECT count(*) AS n FROM documents d WHERE ${w}`, params)).rows[0]!.n);
      const rows = await documents(`SELECT ${WITH_CHUNK_COUNT} FROM documents d WHERE ${w} ORDER BY d.path LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, limit, offset]);
      return { total, documents: rows };
    },
    async getDocument(id, { visibleTo } = {}) {
      const params: unknown[] = [id];
      const w = filterWhere(visibleTo ? { visibleTo } : undefined, params);
      return (await documents(`SELECT ${WITH_CHUNK_COUNT} FROM documents d WHERE d.id = $1 AND ${w}`, params))[0];
    },
    async findDocument(path) {
      return (await documents('SELECT * FROM documents WHERE abs_path = $1 OR path = $1 ORDER BY (abs_path = $1) DESC, path LIMIT 1', [pgText(path)]))[0];
    },
    async findTwin(contentHash, chunkerKey, embedKey) {
      const document = (await documents('SELECT * FROM documents WHERE content_hash = $1 AND chunker_key = $2 AND embed_key = $3 ORDER BY id LIMIT 1', [contentHash, chunkerKey, embedKey]))[0];
      if (!document) return undefined;
      const { rows } = await pool.query<RawChunk>(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.document_id = $1 ORDER BY c.ordinal`, [document.id]);
      return { document, chunks: rows.map(toDraft) };
    },
    async chunksOf(documentId) {
      const { rows } = await pool.query<RawChunk>(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.document_id = $1 ORDER BY c.ordinal`, [documentId]);
      return rows.map(toChunk);
    },
    async chunksByIds(ids) {
      const { rows } = await pool.query<RawChunk>(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY($1::bigint[])`, [ids]);
      return new Map(rows.map((r) => [r.id, toChunk(r)]));
    },

    searchKeywords: (text, options) => searchKeywords(pool, text, options),
    async searchVectors(vector, options) {
      const key = await meta('embed_key');
      return key ? searchVectors(pool, key, vector, options) : [];
    },
    termStats: (terms) => keywordStats(pool, terms),
    async prepareSearch() {
      // pgvector's HNSW index lives in the database and is maintained by every write: nothing to load or rebuild.
      // Called before every vector search: the chunk count the writes keep in keyword_stats, not a count(*) scan.
      const { rows } = await pool.query<{ n: number }>('SELECT chunks AS n FROM keyword_stats');
      return { vectors: rows[0]!.n, rebuilt: false };
    },

    async cachedVectors(embedKey, hashes) {
      const { rows } = await pool.query<{ text_hash: string; embedding: string }>(
        'SELECT text_hash, embedding::text AS embedding FROM vectors WHERE embed_key = $1 AND text_hash = ANY($2::text[])', [embedKey, [...new Set(hashes)]],
      );
      return new Map(rows.map((r) => [r.text_hash, parseVector(r.embedding)]));
    },
    async putVectors(embedKey, vectors) {
      if (!vectors.length) return;
      await pool.query(
        'INSERT INTO vectors (embed_key, text_hash, dims, embedding) SELECT $1, h, $2, e::vector FROM unnest($3::text[], $4::text[]) AS u(h, e) ON CONFLICT DO NOTHING',
        [embedKey, vectors[0]!.vector.length, vectors.map((v) => v.hash), vectors.map((v) => vectorText(v.vector))],
      );
    },

    async failedFiles() {
      const { rows } = await pool.query<{ abs_path: string; content_hash: string; size: number; mtime_ms: number; chunker_key: string; reason: string }>('SELECT * FROM failed_files');
      return new Map(rows.map((r) => [r.abs_path, { contentHash: r.content_hash, size: r.size, mtimeMs: r.mtime_ms, chunkerKey: r.chunker_key, reason: r.reason }]));
    },
    async recordFailure(absPath, f) {
      await pool.query(
        `INSERT INTO failed_files (abs_path, content_hash, size, mtime_ms, chunker_key, reason, failed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (abs_path) DO UPDATE SET content_hash = EXCLUDED.content_hash, size = EXCLUDED.size, mtime_ms = EXCLUDED.mtime_ms,
           chunker_key = EXCLUDED.chunker_key, reason = EXCLUDED.reason, failed_at = EXCLUDED.failed_at`,
        [pgText(absPath), f.contentHash, f.size, f.mtimeMs, f.chunkerKey, pgText(f.reason), new Date().toISOString()],
      );
    },
    async clearFailures(absPaths) {
      if (absPaths.length) await pool.query('DELETE FROM failed_files WHERE abs_path = ANY($1::text[])', [absPaths.map(pgText)]);
    },

    async startRun() {
      return (await pool.query<{ id: number }>("INSERT INTO runs (started_at, status) VALUES ($1, 'running') RETURNING id", [new Date().toISOString()])).rows[0]!.id;
    },
    async finishRun(id, status, summary) {
      await pool.query('UPDATE runs SET finished_at = $1, status = $2, summary = $3 WHERE id = $4', [new Date().toISOString(), status, pgText(JSON.stringify(summary ?? null)), id]);
    },
    async lastRun() {
      const r = (await pool.query<{ id: number; started_at: string; finished_at: string | null; status: string; summary: unknown }>('SELECT * FROM runs ORDER BY id DESC LIMIT 1')).rows[0];
      return r && { id: r.id, startedAt: r.started_at, ...(r.finished_at ? { finishedAt: r.finished_at } : {}), status: r.status, ...(r.summary != null ? { summary: r.summary } : {}) };
    },

    acquireWriter: (options) => acquireWriterLock(pool, where, options),
    verify: (options) => verifyPostgres(pool, options),
    async close() {
      await pool.end();
    },
  };
}

/** The URL without its password, for messages. */
function describe(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'the configured PostgreSQL database';
  }
}
