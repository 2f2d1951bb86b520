import type { PoolClient } from 'pg';
import type { DocumentWrite, DocumentWriteResult } from '../kb-store.js';
import { termFrequencies } from './fts-tokens.js';
import { metaJson, pgText, vectorText } from './postgres-rows.js';

/**
 * Writes a group of documents inside the caller's transaction: vectors first (kept in the cache by model and
 * text hash), then per document an upsert by absolute path, the old chunks deleted (their terms cascade) and
 * the new ones inserted with their BM25 terms; keyword totals and the generation move once for the group.
 */
export async function writeDocuments(client: PoolClient, items: DocumentWrite[]): Promise<DocumentWriteResult[]> {
  for (const { doc, vectors } of items) {
    if (!vectors.size) continue;
    const dims = [...vectors.values()][0]!.length;
    await client.query(
      'INSERT INTO vectors (embed_key, text_hash, dims, embedding) SELECT $1, h, $2, e::vector FROM unnest($3::text[], $4::text[]) AS u(h, e) ON CONFLICT DO NOTHING',
      [doc.embedKey, dims, [...vectors.keys()], [...vectors.values()].map(vectorText)],
    );
  }
  let chunkDelta = 0;
  let tokenDelta = 0;
  const results: DocumentWriteResult[] = [];
  for (const { doc, chunks } of items) {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO documents (abs_path, root, path, format, title, tags, metadata, warnings, content_hash, size, mtime_ms, chunker_key, embed_key, indexed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (abs_path) DO UPDATE SET root = EXCLUDED.root, path = EXCLUDED.path, format = EXCLUDED.format, title = EXCLUDED.title, tags = EXCLUDED.tags,
         metadata = EXCLUDED.metadata, warnings = EXCLUDED.warnings, content_hash = EXCLUDED.content_hash, size = EXCLUDED.size, mtime_ms = EXCLUDED.mtime_ms,
         chunker_key = EXCLUDED.chunker_key, embed_key = EXCLUDED.embed_key, indexed_at = EXCLUDED.indexed_at
       RETURNING id`,
      [pgText(doc.absPath), pgText(doc.root), pgText(doc.path), doc.format, doc.title === undefined ? null : pgText(doc.title), pgText(JSON.stringify(doc.tags)),
        pgText(JSON.stringify(doc.metadata)), pgText(JSON.stringify(doc.warnings)), doc.contentHash, doc.size, doc.mtimeMs, doc.chunkerKey, doc.embedKey, new Date().toISOString()],
    );
    const documentId = rows[0]!.id;
    const old = await client.query<{ id: number; length: number }>('DELETE FROM chunks WHERE document_id = $1 RETURNING id, length', [documentId]);
    const removed = old.rows.map((r) => r.id).sort((a, b) => a - b);
    chunkDelta -= old.rows.length;
    tokenDelta -= old.rows.reduce((n, r) => n + r.length, 0);

    const analysed = chunks.map((c) => termFrequencies(c.context, c.text));
    const inserted = chunks.length
      ? await client.query<{ id: number; ordinal: number }>(
          `INSERT INTO chunks (document_id, ordinal, text, index_text, text_hash, page, heading, char_start, char_end, tokens, length, context, meta)
           SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::int[], $10::int[], $11::int[], $12::text[], $13::text[])
           RETURNING id, ordinal`,
          [documentId, chunks.map((c) => c.ordinal), chunks.map((c) => pgText(c.text)), chunks.map((c) => pgText(c.indexText)), chunks.map((c) => c.textHash),
            chunks.map((c) => c.page ?? null), chunks.map((c) => (c.headingPath.length ? pgText(c.headingPath.join(' > ')) : null)), chunks.map((c) => c.charStart),
            chunks.map((c) => c.charEnd), chunks.map((c) => c.tokenEstimate), analysed.map((a) => a.length), chunks.map((c) => pgText(c.context)), chunks.map((c) => metaJson(c))],
        )
      : { rows: [] };
    const idByOrdinal = new Map(inserted.rows.map((r) => [r.ordinal, r.id]));
    const added = chunks.map((c) => ({ id: idByOrdinal.get(c.ordinal)!, textHash: c.textHash }));
    const terms: string[] = [];
    const ids: number[] = [];
    const tfs: number[] = [];
    const contextTfs: number[] = [];
    analysed.forEach(({ tf }, i) => {
      for (const [term, n] of tf) {
        terms.push(term);
        ids.push(added[i]!.id);
        tfs.push(n.tf);
        contextTfs.push(n.contextTf);
      }
    });
    if (terms.length) {
      await client.query('INSERT INTO chunk_terms (term, chunk_id, tf, context_tf) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[])', [terms, ids, tfs, contextTfs]);
    }
    chunkDelta += chunks.length;
    tokenDelta += analysed.reduce((n, a) => n + a.length, 0);
    results.push({ documentId, removed, added });
  }
  if (items.length) {
    await client.query('UPDATE keyword_stats SET chunks = chunks + $1, tokens = tokens + $2', [chunkDelta, tokenDelta]);
    await bumpGeneration(client);
  }
  return results;
}

export async function bumpGeneration(client: Pick<PoolClient, 'query'>): Promise<void> {
  await client.query("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'");
}
