import type { Pool } from 'pg';
import { type ChunkScore, CONTEXT_FIELD_WEIGHT, type SearchOptions } from '../kb-store.js';
import { queryTerms } from './fts-tokens.js';
import { filterWhere } from './postgres-filters.js';

// FTS5's bm25() defaults (fts5_aux.c), so both stores rank alike.
const K1 = 1.2;
const B = 0.75;

/**
 * Okapi BM25 as SQLite FTS5 computes it: idf = ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6; a question
 * term counted once per occurrence among its content words; document length in analyzer tokens, average over
 * all chunks; an occurrence in the title and heading path counts CONTEXT_FIELD_WEIGHT times, as FTS5's
 * column weight makes it. ts_rank is not BM25 (no idf, no length normalization to the corpus), hence the term table.
 */
export async function searchKeywords(pool: Pool, text: string, { k, filters }: SearchOptions): Promise<ChunkScore[]> {
  const terms = queryTerms(text);
  if (!terms.length || k <= 0) return [];
  const params: unknown[] = [terms];
  const where = filterWhere(filters, params);
  const { rows } = await pool.query<{ id: number; score: number }>(
    `WITH q AS (SELECT t AS term, count(*)::float8 AS n FROM unnest($1::text[]) t GROUP BY t),
     s AS (SELECT chunks::float8 AS n, tokens::float8 / greatest(chunks, 1) AS avgdl FROM keyword_stats),
     w AS (
       SELECT q.term, q.n AS qn, greatest(ln((s.n - f.df + 0.5) / (f.df + 0.5)), 1e-6) AS idf
       FROM q CROSS JOIN s CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM chunk_terms ct WHERE ct.term = q.term) f
       WHERE f.df > 0
     )
     SELECT ct.chunk_id AS id, sum(w.qn * w.idf * ct.tf * ${K1 + 1} / (ct.tf + ${K1} * (${1 - B} + ${B} * c.length / s.avgdl))) AS score
     FROM w JOIN (SELECT term, chunk_id, (tf + ${CONTEXT_FIELD_WEIGHT - 1} * context_tf)::float8 AS tf FROM chunk_terms) ct ON ct.term = w.term JOIN chunks c ON c.id = ct.chunk_id JOIN documents d ON d.id = c.document_id CROSS JOIN s
     WHERE ${where}
     GROUP BY ct.chunk_id ORDER BY score DESC, ct.chunk_id LIMIT ${Math.floor(k)}`,
    params,
  );
  return rows.map((r) => ({ chunkId: r.id, score: r.score }));
}
