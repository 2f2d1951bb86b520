import { existsSync } from 'node:fs';
import type { Pool, PoolClient } from 'pg';
import type { VerifyProblem, VerifyReport } from '../verify-store.js';
import { termFrequencies } from './fts-tokens.js';
import { ensureVectorIndex } from './migrations.js';

/**
 * The SQLite store's invariants, checked in PostgreSQL: chunks with documents and unique ordinals (also
 * constraints here), the BM25 tables agreeing with the chunks, a vector of the model for every chunk, the
 * HNSW index present and valid. `repair` rebuilds what is derived; documents missing vectors are marked for
 * re-embedding on the next run. Missing files are notes, never deleted here.
 */
export async function verifyPostgres(pool: Pool, { repair = false } = {}): Promise<VerifyReport> {
  const t0 = performance.now();
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const repaired: string[] = [];
  const checks: string[] = [];
  const count = async (sql: string, params: unknown[] = []) => Number((await pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0);

  checks.push('chunks belong to documents');
  const orphans = await count('SELECT count(*) AS n FROM chunks c LEFT JOIN documents d ON d.id = c.document_id WHERE d.id IS NULL');
  if (orphans) problems.push({ check: 'chunks belong to documents', detail: `${orphans} chunk(s) without a document`, repairable: true });

  checks.push('unique ordinals');
  const dupes = await count('SELECT count(*) AS n FROM (SELECT 1 FROM chunks GROUP BY document_id, ordinal HAVING count(*) > 1) x');
  if (dupes) problems.push({ check: 'unique ordinals', detail: `${dupes} (document, ordinal) pair(s) used twice`, repairable: false });

  checks.push('keyword index matches chunks');
  const badLengths = await count('SELECT count(*) AS n FROM chunks c WHERE c.length <> coalesce((SELECT sum(tf) FROM chunk_terms t WHERE t.chunk_id = c.id), 0)');
  const totals = (await pool.query<{ ok: boolean }>('SELECT (s.chunks = (SELECT count(*) FROM chunks) AND s.tokens = (SELECT coalesce(sum(length), 0) FROM chunks)) AS ok FROM keyword_stats s')).rows[0];
  const keywordOk = !badLengths && !!totals?.ok;
  if (!keywordOk) problems.push({ check: 'keyword index matches chunks', detail: `${badLengths} chunk(s) with terms that do not add up to their length${totals?.ok ? '' : '; corpus totals are off'}`, repairable: true });

  const embedKey = (await pool.query<{ value: string }>("SELECT value FROM meta WHERE key = 'embed_key'")).rows[0]?.value;
  const dimensions = embedKey ? Number(embedKey.slice(embedKey.lastIndexOf('@') + 1)) : 0;
  checks.push('every chunk has a vector');
  let missingVectorDocs: number[] = [];
  checks.push('vector index exists');
  let indexOk = true;
  if (embedKey) {
    missingVectorDocs = (await pool.query<{ id: number }>(
      'SELECT DISTINCT c.document_id AS id FROM chunks c LEFT JOIN vectors v ON v.embed_key = $1 AND v.text_hash = c.text_hash WHERE v.text_hash IS NULL', [embedKey],
    )).rows.map((r) => r.id);
    if (missingVectorDocs.length) problems.push({ check: 'every chunk has a vector', detail: `${missingVectorDocs.length} document(s) have chunks without a ${embedKey} vector`, repairable: true });
    const badDims = await count('SELECT count(*) AS n FROM vectors WHERE embed_key = $1 AND (dims <> $2 OR vector_dims(embedding) <> $2)', [embedKey, dimensions]);
    if (badDims) problems.push({ check: 'vector dimensions', detail: `${badDims} vector(s) are not ${dimensions}-dimensional`, repairable: false });
    if (dimensions <= 2000) {
      const valid = (await pool.query<{ valid: boolean }>('SELECT i.indisvalid AS valid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = $1', [`vectors_hnsw_${dimensions}`])).rows[0];
      indexOk = !!valid?.valid;
      if (!indexOk) problems.push({ check: 'vector index exists', detail: valid ? `vectors_hnsw_${dimensions} is invalid (an interrupted build)` : `there is no HNSW index for ${dimensions} dimensions`, repairable: true });
    }
  }

  checks.push('indexed files still exist');
  for (const d of (await pool.query<{ path: string; abs_path: string }>('SELECT path, abs_path FROM documents ORDER BY path')).rows) {
    if (!existsSync(d.abs_path)) notes.push(`${d.path}: the file is gone (removed from the index on the next kb index of its folder)`);
  }

  if (repair) {
    const client = await pool.connect();
    try {
      if (orphans) {
        await client.query('DELETE FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)');
        repaired.push(`deleted ${orphans} orphan chunk(s)`);
      }
      if (!keywordOk || orphans) {
        await rebuildKeywordIndex(client);
        repaired.push('rebuilt the keyword index');
      }
      if (missingVectorDocs.length) {
        // Forget their content hash so the next `kb index` re-embeds them; we cannot embed from here.
        await client.query("UPDATE documents SET content_hash = '', mtime_ms = -1 WHERE id = ANY($1::bigint[])", [missingVectorDocs]);
        repaired.push(`marked ${missingVectorDocs.length} document(s) for re-embedding on the next kb index`);
      }
      if (!indexOk) {
        await client.query(`DROP INDEX IF EXISTS vectors_hnsw_${dimensions}`);
        await ensureVectorIndex(client, dimensions);
        repaired.push('rebuilt the vector index');
      }
    } finally {
      client.release();
    }
  }
  const unrepaired = problems.filter((p) => !(repair && p.repairable));
  return { ok: unrepaired.length === 0, checks, problems, notes, repaired, durationMs: performance.now() - t0 };
}

async function rebuildKeywordIndex(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('DELETE FROM chunk_terms');
    const { rows } = await client.query<{ id: number; context: string; text: string }>('SELECT id, context, text FROM chunks ORDER BY id');
    for (let i = 0; i < rows.length; i += 500) {
      const terms: string[] = [];
      const ids: number[] = [];
      const tfs: number[] = [];
      const contextTfs: number[] = [];
      const lengths: number[] = [];
      for (const r of rows.slice(i, i + 500)) {
        const { length, tf } = termFrequencies(r.context, r.text);
        lengths.push(length);
        for (const [term, n] of tf) terms.push(term), ids.push(r.id), tfs.push(n.tf), contextTfs.push(n.contextTf);
      }
      await client.query('INSERT INTO chunk_terms (term, chunk_id, tf, context_tf) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[])', [terms, ids, tfs, contextTfs]);
      await client.query('UPDATE chunks c SET length = u.length FROM unnest($1::bigint[], $2::int[]) AS u(id, length) WHERE c.id = u.id', [rows.slice(i, i + 500).map((r) => r.id), lengths]);
    }
    await client.query('UPDATE keyword_stats SET chunks = (SELECT count(*) FROM chunks), tokens = (SELECT coalesce(sum(length), 0) FROM chunks)');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
