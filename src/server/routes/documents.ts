import { Router, type RequestHandler } from 'express';
import { NotFoundError } from '../../errors.js';
import type { DocumentRow, KbStore } from '../../store/kb-store.js';
import type { Role } from '../api-keys.js';
import { documentIdSchema, listDocumentsSchema } from '../schemas.js';

export interface DocumentRouteDeps {
  documents: Pick<KbStore, 'listDocuments' | 'getDocument' | 'chunksOf'>;
  /** Removes a document and its chunks; resolves with what went. */
  remove: (id: number) => Promise<{ path: string; chunks: number }>;
  guard: (role: Role) => RequestHandler[];
}

/** GET /v1/documents (paged), GET /v1/documents/:id (metadata and chunks), DELETE /v1/documents/:id (admin). */
export function documentRoutes({ documents: store, remove, guard }: DocumentRouteDeps): Router {
  const router = Router();

  router.get('/documents', ...guard('reader'), async (req, res) => {
    const { pathPrefix, limit, offset } = listDocumentsSchema.parse(req.query);
    const visibleTo = req.principal?.visibleTo;
    const { total, documents } = await store.listDocuments({ ...(pathPrefix ? { pathPrefix } : {}), limit, offset, ...(visibleTo ? { visibleTo } : {}) });
    res.json({ total, limit, offset, documents: documents.map(publicDocument) });
  });

  router.get('/documents/:id', ...guard('reader'), async (req, res) => {
    const { id } = documentIdSchema.parse(req.params);
    const doc = await visibleDocument(store, id, req.principal?.visibleTo);
    const chunks = (await store.chunksOf(id)).map(({ id: chunkId, ordinal, page, heading, charStart, charEnd, text }) => ({
      id: chunkId, ordinal, ...(page !== undefined ? { page } : {}), ...(heading ? { heading } : {}), charStart, charEnd, text,
    }));
    res.json({ ...publicDocument(doc), chunks });
  });

  router.delete('/documents/:id', ...guard('admin'), async (req, res) => {
    const { id } = documentIdSchema.parse(req.params);
    await visibleDocument(store, id, req.principal?.visibleTo); // a key never removes what it may not see
    const removed = await remove(id);
    req.log.info({ documentId: id, path: removed.path, chunks: removed.chunks, keyId: req.principal?.id }, 'document removed');
    res.json({
      removed: { id, path: removed.path },
      chunks: removed.chunks,
      note: 'A file still in an indexed folder comes back on the next index run; delete it or list it in .kbignore.',
    });
  });

  return router;
}

/** The document, or the 404 of a missing one when the key's access tags do not reach it. */
async function visibleDocument(store: DocumentRouteDeps['documents'], id: number, visibleTo: string[] | undefined): Promise<DocumentRow> {
  const doc = await store.getDocument(id, visibleTo ? { visibleTo } : {});
  if (!doc) throw new NotFoundError(`There is no document ${id}; GET /v1/documents lists them.`);
  return doc;
}

/** What clients see of a document: no absolute paths of the server's disk, no internal keys. */
function publicDocument(d: DocumentRow) {
  const url = originalUrl(d.metadata);
  return {
    id: d.id, path: d.path, format: d.format, ...(d.title ? { title: d.title } : {}), ...(url ? { url } : {}), tags: d.tags, warnings: d.warnings, size: d.size,
    indexedAt: d.indexedAt, ...(d.chunkCount !== undefined ? { chunkCount: d.chunkCount } : {}),
  };
}

/** Front-matter keys that name where a document was published. */
const URL_KEYS = ['url', 'source_url', 'sourceUrl', 'canonical_url', 'original_url'];

/**
 * The document's original address from its metadata, when it is an http(s) URL. Anything else (a
 * `javascript:` or `file:` URL, a relative path) is dropped: clients put this in a link's href.
 */
export function originalUrl(metadata: Record<string, unknown>): string | undefined {
  for (const key of URL_KEYS) {
    const value = metadata[key];
    if (typeof value !== 'string') continue;
    const url = parseUrl(value.trim());
    if (url && (url.protocol === 'https:' || url.protocol === 'http:')) return url.href;
  }
  return undefined;
}

/** URL.parse needs Node 20.18; the README promises 20.16. */
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
