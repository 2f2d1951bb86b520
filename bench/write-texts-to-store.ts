import { createHash } from 'node:crypto';
import { chunkDocument } from '../src/ingest/chunk-document.js';
import { loadDocument } from '../src/ingest/loaders/load-document.js';
import type { Embedder } from '../src/models/embedder.js';
import { embedderKey } from '../src/models/embedder.js';
import type { DocumentWrite, KbStore } from '../src/store/kb-store.js';

/**
 * Loads, chunks and embeds files given as (path, bytes) the way `kb index` does, and writes them to a KbStore
 * through its contract in groups. For comparing stores on identical chunks; no walking, no change detection.
 */
export async function writeTextsToStore(store: KbStore, files: Array<{ path: string; data: Buffer }>, embedder: Embedder, { root = '/corpus', groupSize = 64 } = {}): Promise<void> {
  const chunking = { targetTokens: 400, overlapTokens: 60 };
  const embedKey = embedderKey(embedder);
  await store.setIndexInfo({ embedding: { model: embedder.modelId, dimensions: embedder.dimensions }, chunking });
  for (let i = 0; i < files.length; i += groupSize) {
    const group: DocumentWrite[] = [];
    for (const { path, data } of files.slice(i, i + groupSize)) {
      const loaded = await loadDocument(path, data);
      const chunks = await chunkDocument(loaded, chunking);
      const { vectors } = await embedder.embed(chunks.map((c) => c.indexText), { purpose: 'document' });
      group.push({
        doc: { absPath: `${root}/${path}`, root, path, format: loaded.format, ...(loaded.title ? { title: loaded.title } : {}), tags: loaded.tags, metadata: loaded.metadata,
          warnings: loaded.warnings, contentHash: createHash('sha256').update(data).digest('hex'), size: data.length, mtimeMs: 0, chunkerKey: 'bench', embedKey },
        chunks,
        vectors: new Map(chunks.map((c, j) => [c.textHash, vectors[j]!])),
      });
    }
    await store.writeDocuments(group);
  }
}
