import { Worker } from 'node:worker_threads';
import { KbError } from '../errors.js';
import type { SqliteStore } from './sqlite-store.js';
import { VectorIndex } from './vector-index.js';
import type { WriterMessage } from './vector-index-worker.js';

/**
 * What indexing needs of the vector index: chunks inserted as they commit, a durable save at the end. Removals
 * need no message: the database's tombstones carry them, and a save catches up with the database first.
 */
export interface VectorIndexWriter {
  add(id: number, vector: ArrayLike<number>): void;
  /** Writes a new base for the database as it is now; resolves when it is on disk. */
  save(): Promise<void>;
  close(): Promise<void>;
}

/**
 * HNSW insertion is the most expensive step of indexing (about half a millisecond per 1024-d vector here), so
 * a worker thread maintains the index on the second core while the main thread parses, embeds and commits.
 * When running from TypeScript sources (tests), there is no compiled worker file and the index is updated
 * in-thread, with the same behaviour.
 */
export async function openVectorIndexWriter(store: SqliteStore, kbDir: string, embedKey: string, dimensions: number): Promise<VectorIndexWriter> {
  const workerUrl = new URL('./vector-index-worker.js', import.meta.url);
  if (import.meta.url.endsWith('.ts')) return inThread(store, VectorIndex.open(store, kbDir, embedKey, dimensions));

  const worker = new Worker(workerUrl);
  let failure: Error | undefined;
  const waiters: Array<{ op: string; resolve: () => void; reject: (e: Error) => void }> = [];
  worker.on('message', (msg: { op: string; message?: string }) => {
    if (msg.op === 'error') {
      failure = new KbError('VECTOR_INDEX', `Updating the vector index failed: ${msg.message}. Run kb verify --repair.`);
      while (waiters.length) waiters.shift()!.reject(failure);
      return;
    }
    const i = waiters.findIndex((w) => w.op === msg.op);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve();
  });
  worker.on('error', (error) => {
    failure = error;
    while (waiters.length) waiters.shift()!.reject(error);
  });
  worker.on('exit', () => {
    failure ??= new KbError('VECTOR_INDEX', 'The vector index worker stopped unexpectedly. Run kb verify --repair.');
    while (waiters.length) waiters.shift()!.reject(failure);
  });
  const send = (msg: WriterMessage, transfer: ArrayBuffer[] = []) => worker.postMessage(msg, transfer);
  const expect = (op: string) => new Promise<void>((resolve, reject) => (failure ? reject(failure) : waiters.push({ op, resolve, reject })));

  const opened = expect('opened');
  send({ op: 'open', kbDir, embedKey, dimensions });
  try {
    await opened;
  } catch (error) {
    await worker.terminate().catch(() => undefined);
    throw error;
  }

  // Adds are sent in batches: one message per vector costs more than the copy it saves.
  let ids: number[] = [];
  let buffer = new Float32Array(64 * dimensions);
  const flushAdds = () => {
    if (!ids.length) return;
    const vectors = buffer.slice(0, ids.length * dimensions);
    send({ op: 'add', ids, vectors }, [vectors.buffer]);
    ids = [];
  };
  return {
    add(id, vector) {
      buffer.set(vector as ArrayLike<number>, ids.length * dimensions);
      ids.push(id);
      if (ids.length === 64) flushAdds();
    },
    async save() {
      flushAdds();
      const saved = expect('saved');
      send({ op: 'save' });
      await saved;
    },
    async close() {
      send({ op: 'close' });
      await worker.terminate().catch(() => undefined);
      buffer = new Float32Array(0);
    },
  };
}

function inThread(store: SqliteStore, index: VectorIndex): VectorIndexWriter {
  return {
    add: (id, vector) => index.add(id, vector),
    save: async () => index.save(store),
    close: async () => {},
  };
}
