import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServer {
  /** postgres:// URL for the pg client (no password, no TLS: loopback only). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL (PGlite, compiled to WASM) with pgvector, served over the wire protocol on 127.0.0.1.
 * PGlite runs one backend: the socket server multiplexes connections onto it and runs one transaction at
 * a time, so concurrent clients work but never overlap inside transactions.
 */
export async function startPgliteServer({ port = 0, dataDir, maxConnections = 32 }: { port?: number; dataDir?: string; maxConnections?: number } = {}): Promise<PgliteServer> {
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { vector } });
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections });
  await server.start();
  const address = (server as unknown as { port: number }).port;
  return {
    url: `postgres://postgres@127.0.0.1:${address}/postgres?sslmode=disable`,
    port: address,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
