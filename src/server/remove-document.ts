import { KbError, LockedError, NotFoundError } from '../errors.js';
import { acquireIndexLock } from '../store/index-lock.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { VectorIndex } from '../store/vector-index.js';

/**
 * Removes one document and its chunks under the index lock, and updates the saved vector index the way
 * `kb remove` does, so the next query loads it instead of rebuilding it. A running index (ours or another
 * process's) holds the lock: that is a 409 LockedError, not a wait, since an HTTP client should not hang.
 */
export async function removeDocument({ store, kbDir, id }: { store: SqliteStore; kbDir: string; id: number }): Promise<{ path: string; chunks: number }> {
  const release = await acquireIndexLock(kbDir, { wait: false }).catch((error: unknown) => {
    // The lock file names a pid; when it is ours, "another kb process" would send the reader looking elsewhere.
    if (error instanceof LockedError && error.holderPid === process.pid) {
      throw new KbError('INDEX_LOCKED', 'An index job of this server is running; delete again when it is done.', { httpStatus: 409, cause: error });
    }
    throw error;
  });
  try {
    const doc = store.getDocument(id);
    if (!doc) throw new NotFoundError(`There is no document ${id}; GET /v1/documents lists them.`);
    const key = store.getMeta('embed_key');
    // Opened before the delete, while it still matches the database, so it is updated rather than rebuilt.
    const index = key ? VectorIndex.open(store, kbDir, key, Number(key.slice(key.lastIndexOf('@') + 1))) : undefined;
    const removed = store.removeDocuments([id]);
    if (index) {
      for (const chunkId of removed) index.remove(chunkId);
      index.save(store.generation());
    }
    return { path: doc.path, chunks: removed.length };
  } finally {
    release();
  }
}
