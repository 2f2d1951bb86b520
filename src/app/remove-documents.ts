import { resolve } from 'node:path';
import { NotFoundError } from '../errors.js';
import type { DocumentRow, KbStore } from '../store/kb-store.js';

/** A document to remove: by id (the API), or by path, absolute or relative to `cwd` or to its indexed root (the CLI). */
export type DocumentRef = { id: number } | { path: string; cwd: string };

export interface RemovedDocuments {
  removed: Array<Pick<DocumentRow, 'id' | 'path'>>;
  chunks: number;
}

/**
 * Removes documents and their chunks in one transaction under the writer lock. Every reference is resolved
 * first: one that is not in the knowledge base is a NotFoundError and nothing is removed. `wait: false`
 * (an HTTP request) refuses with LockedError while another writer runs rather than hang.
 */
export async function removeDocuments(store: KbStore, refs: DocumentRef[], { wait = true, signal }: { wait?: boolean; signal?: AbortSignal } = {}): Promise<RemovedDocuments> {
  const release = await store.acquireWriter({ wait, ...(signal ? { signal } : {}) });
  try {
    const docs: DocumentRow[] = [];
    for (const ref of refs) {
      const doc = 'id' in ref ? await store.getDocument(ref.id) : ((await store.findDocument(resolve(ref.cwd, ref.path))) ?? (await store.findDocument(ref.path)));
      if (!doc) throw new NotFoundError('id' in ref ? `There is no document ${ref.id}; GET /v1/documents lists them.` : `${ref.path} is not in the knowledge base (kb status shows what is; paths are files you indexed).`);
      docs.push(doc);
    }
    const chunks = await store.removeDocuments(docs.map((d) => d.id));
    return { removed: docs.map(({ id, path }) => ({ id, path })), chunks: chunks.length };
  } finally {
    await release();
  }
}
