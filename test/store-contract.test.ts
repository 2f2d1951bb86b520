import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTextsToStore } from '../bench/write-texts-to-store.js';
import { LocalHashEmbeddings } from '../src/models/local-hash-embeddings.js';
import type { KbStore } from '../src/store/kb-store.js';
import { MIGRATIONS } from '../src/store/postgres/migrations.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteKbStore } from '../src/store/sqlite-kb-store.js';
import { startPgliteServer, type PgliteServer } from '../scripts/pglite-server.js';
import { docWrite, runStoreContract } from './store-contract.js';
import { DATA_DIR, tempDir } from './temp-dir.js';

let server: PgliteServer;
beforeAll(async () => {
  server = await startPgliteServer();
});
afterAll(async () => {
  await server?.stop();
});

/** An empty database: the schema dropped and the store opened again (it migrates on open). */
async function freshPostgres(): Promise<KbStore> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  await client.end();
  return openPostgresStore({ url: server.url });
}

runStoreContract('SQLite + HNSW', async () => {
  const kbDir = tempDir('kb-contract-');
  const store = openSqliteKbStore(kbDir);
  return {
    store,
    another: async () => openSqliteKbStore(kbDir),
    damageKeywordIndex: async () => {
      const db = new Database(join(kbDir, 'kb.sqlite'));
      db.exec("INSERT INTO chunks_fts(chunks_fts, rowid, context, text) SELECT 'delete', id, context, text FROM chunks WHERE id = (SELECT min(id) FROM chunks)");
      db.close();
    },
    cleanup: () => store.close(),
  };
});

runStoreContract('PostgreSQL + pgvector (PGlite over the wire)', async () => {
  const store = await freshPostgres();
  return {
    store,
    another: () => openPostgresStore({ url: server.url }),
    damageKeywordIndex: async () => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query('DELETE FROM chunk_terms WHERE chunk_id = (SELECT min(chunk_id) FROM chunk_terms)');
      await client.end();
    },
    cleanup: () => store.close(),
  };
});

describe('PostgreSQL store specifics', () => {
  it('ranks the sample documents exactly like SQLite FTS5 BM25: same chunks, same order, same scores', async () => {
    const files = listFiles(DATA_DIR).map((f) => ({ path: relative(join(DATA_DIR, '..'), f), data: readFileSync(f) }));
    const embedder = new LocalHashEmbeddings({ dimensions: 64 });
    const kbDir = tempDir('kb-parity-');
    const sqlite = openSqliteKbStore(kbDir);
    const postgres = await freshPostgres();
    try {
      await writeTextsToStore(sqlite, files, embedder);
      await writeTextsToStore(postgres, files, embedder);
      const questions = ['How many days of annual leave do employees get?', 'VPN certificate renewal', 'travel expenses receipts', 'incident response severity', 'password rotation policy'];
      let compared = 0;
      for (const q of questions) {
        const [a, b] = await Promise.all([sqlite, postgres].map(async (s) => {
          const hits = await s.searchKeywords(q, { k: 10 });
          const chunks = await s.chunksByIds(hits.map((h) => h.chunkId));
          return hits.map((h) => ({ at: `${chunks.get(h.chunkId)!.path}#${chunks.get(h.chunkId)!.ordinal}`, score: h.score }));
        }));
        expect(b!.map((h) => h.at)).toEqual(a!.map((h) => h.at));
        b!.forEach((h, i) => expect(h.score).toBeCloseTo(a![i]!.score, 9));
        compared += a!.length;
      }
      expect(compared).toBeGreaterThan(20);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });

  it('a reader on another connection sees a group write whole or not at all', async () => {
    const writer = await freshPostgres();
    const reader = await openPostgresStore({ url: server.url, maxConnections: 2 });
    try {
      await writer.setIndexInfo({ embedding: { model: 'test-model', dimensions: 8 } });
      const group = Array.from({ length: 30 }, (_, i) => docWrite(`bulk/doc-${i}.md`, [`Bulk document ${i} about pelicans.`, `Second part ${i}.`]));
      let finished = false;
      const writing = writer.writeDocuments(group).finally(() => (finished = true));
      const seen: number[] = [];
      while (!finished) seen.push((await reader.searchKeywords('pelicans', { k: 100 })).length, (await reader.stats()).documents);
      await writing;
      seen.push((await reader.stats()).documents);
      expect(seen.length).toBeGreaterThan(2);
      expect(seen.every((n) => n === 0 || n === 30)).toBe(true);
      expect(seen.at(-1)).toBe(30);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('creates an HNSW cosine index for the recorded dimension and uses it for large k-NN queries', async () => {
    const store = await freshPostgres();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await store.setIndexInfo({ embedding: { model: 'test-model', dimensions: 8 } });
      const { rows } = await client.query<{ def: string }>("SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'vectors_hnsw_8'");
      expect(rows[0]?.def).toMatch(/USING hnsw .*vector_cosine_ops/);
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(`EXPLAIN SELECT text_hash FROM vectors v WHERE v.dims = 8 ORDER BY v.embedding::vector(8) <=> '[1,0,0,0,0,0,0,0]'::vector(8) LIMIT 5`);
      expect(plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')).toContain('vectors_hnsw_8');
      const migrations = await client.query('SELECT version FROM schema_migrations');
      expect(migrations.rows.map((r: { version: number }) => r.version).sort()).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await client.end();
      await store.close();
    }
  });

  it('refuses a database written by a newer schema, and names the problem when the server is unreachable', async () => {
    const store = await freshPostgres();
    await store.close();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')");
    await client.end();
    await expect(openPostgresStore({ url: server.url })).rejects.toThrow(/newer bedrock-kb \(schema 99/);
    await expect(openPostgresStore({ url: 'postgres://kb:secret@127.0.0.1:1/nothing' })).rejects.toThrow(/Cannot open the knowledge base at postgres:\/\/kb@127\.0\.0\.1:1\/nothing.*KB_DATABASE_URL/);
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? listFiles(join(dir, f)) : [join(dir, f)]));
}
