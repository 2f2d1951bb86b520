import type { Pool, PoolClient } from 'pg';
import type { ChunkScore, SearchOptions } from '../kb-store.js';
import { filterWhere } from './postgres-filters.js';
import { vectorText } from './postgres-rows.js';

/**
 * Nearest live chunks by cosine similarity through the HNSW index of the dimension (the cast matches the index
 * expression). Filters join in the same statement; pgvector's iterative scan keeps going until k rows pass.
 */
export async function searchVectors(pool: Pool, embedKey: string, vector: ArrayLike<number>, { k, filters }: SearchOptions): Promise<ChunkScore[]> {
  const dims = Number(embedKey.slice(embedKey.lastIndexOf('@') + 1));
  if (k <= 0 || !Number.isInteger(dims) || vector.length !== dims) return [];
  const params: unknown[] = [vectorText(vector), embedKey];
  const where = filterWhere(filters, params);
  const client = await pool.connect();
  try {
    await configure(client);
    const { rows } = await client.query<{ id: number; score: number }>(
      `SELECT id, score FROM (
         SELECT c.id, 1 - (v.embedding::vector(${dims}) <=> $1::vector(${dims})) AS score
         FROM vectors v JOIN chunks c ON c.text_hash = v.text_hash JOIN documents d ON d.id = c.document_id
         WHERE v.embed_key = $2 AND v.dims = ${dims} AND ${where}
         ORDER BY v.embedding::vector(${dims}) <=> $1::vector(${dims}) LIMIT ${Math.floor(k)}
       ) hits ORDER BY score DESC, id`,
      params,
    );
    return rows.map((r) => ({ chunkId: r.id, score: r.score }));
  } finally {
    client.release();
  }
}

const configured = new WeakSet<PoolClient>();
/**
 * Once per connection: ef_search 200 (the SQLite store's searchEf starts at 400 and grows with the index; here it
 * stays fixed until the store scales it by size); iterative scans keep filtered searches at k results.
 */
async function configure(client: PoolClient): Promise<void> {
  if (configured.has(client)) return;
  await client.query("SET hnsw.ef_search = 200; SET hnsw.iterative_scan = 'relaxed_order'");
  configured.add(client);
}

/** Chunk count and per-term document frequencies from the BM25 tables. */
export async function keywordStats(pool: Pool, terms: string[]): Promise<{ chunks: number; documentFrequency: Map<string, number> }> {
  const unique = [...new Set(terms)];
  const [stats, df] = await Promise.all([
    pool.query<{ chunks: number }>('SELECT chunks FROM keyword_stats'),
    pool.query<{ term: string; n: number }>('SELECT term, count(*) AS n FROM chunk_terms WHERE term = ANY($1::text[]) GROUP BY term', [unique]),
  ]);
  const found = new Map(df.rows.map((r) => [r.term, r.n]));
  return { chunks: stats.rows[0]?.chunks ?? 0, documentFrequency: new Map(unique.map((t) => [t, found.get(t) ?? 0])) };
}
