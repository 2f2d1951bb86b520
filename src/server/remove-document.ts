import { removeDocuments } from '../app/remove-documents.js';
import { KbError, LockedError } from '../errors.js';
import type { KbStore } from '../store/kb-store.js';

/**
 * DELETE /v1/documents/:id: removes one document and its chunks under the writer lock, as `kb remove` does.
 * A running index (ours or another process's) holds the lock: that is a 409, not a wait, since an HTTP
 * client should not hang.
 */
export function documentRemover(store: KbStore): (id: number) => Promise<{ path: string; chunks: number }> {
  return async (id) => {
    try {
      const { removed, chunks } = await removeDocuments(store, [{ id }], { wait: false });
      return { path: removed[0]!.path, chunks };
    } catch (error) {
      // The lock names a pid; when it is ours, "another kb process" would send the reader looking elsewhere.
      if (error instanceof LockedError && error.holderPid === process.pid) {
        throw new KbError('INDEX_LOCKED', 'An index job of this server is running; delete again when it is done.', { httpStatus: 409, cause: error });
      }
      throw error;
    }
  };
}
