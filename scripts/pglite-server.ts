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
  keepExtendedQueriesWhole(server as unknown as { queryQueue: QueryQueue });
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

/** What keepExtendedQueriesWhole touches of pglite-socket 0.2.x's internal query queue (QueryQueueManager). */
interface QueryQueue {
  queue: Array<{ handlerId: number; message: Uint8Array; timestamp: number; resolve(bytes: number): void; reject(error: unknown): void; onData(data: Uint8Array): void }>;
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Extended-protocol messages that leave the connection mid-query until its Sync: Parse, Bind, Describe, Execute, Close, Flush. */
const MID_QUERY = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

/**
 * pglite-socket 0.2.17 runs one backend for every client and interleaves their messages one at a time, keeping
 * a client's messages together only inside a transaction. Outside one, two clients' Parse/Bind/Execute
 * sequences interleave and share the unnamed portal: `portal "" does not exist` under concurrent queries
 * from a pool (real PostgreSQL gives each connection its own backend, so this is PGlite's alone). Here a
 * client's messages also stay together from its first Parse/Bind until its Sync. The queue is the library's
 * internal one, replaced method for method (a dev and test server only; the product talks to real servers).
 */
function keepExtendedQueriesWhole(server: { queryQueue: QueryQueue }): void {
  const q = server.queryQueue;
  let midQuery: number | null = null;
  q.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const pinned = midQuery ?? (this.db.isInTransaction() && this.lastHandlerId ? this.lastHandlerId : null);
        const at = pinned === null ? 0 : this.queue.findIndex((m) => m.handlerId === pinned);
        if (at === -1) break; // the pinned client's next message has not arrived yet; its enqueue restarts the queue
        const item = this.queue.splice(at, 1)[0]!;
        let bytes = 0;
        try {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(item.message, { onRawData: (data: Uint8Array) => ((bytes += data.length), item.onData(data)) }));
        } catch (error) {
          midQuery = null;
          item.reject(error);
          continue;
        }
        midQuery = MID_QUERY.has(item.message[0]!) ? item.handlerId : null;
        this.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (midQuery === handlerId) {
      // The client went away mid-query: the others may go on.
      midQuery = null;
      void q.processQueue();
    }
  };
}
