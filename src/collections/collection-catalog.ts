import type { KbService } from './kb-service.js';
import { knowledgeBaseIdFor } from './knowledge-base-id.js';

export interface Collection {
  name: string;
  /** 10 characters; what Bedrock clients pass as knowledgeBaseId. */
  knowledgeBaseId: string;
  description?: string;
  service: KbService;
}

export interface CollectionCatalog {
  list(): Collection[];
  byName(name: string): Collection | undefined;
  /** By knowledge base id; `default` names the default collection, as on the real routes. */
  byKnowledgeBaseId(id: string): Collection | undefined;
  defaultName: string;
}

export const DEFAULT_COLLECTION = 'default';

/** The collections a server serves; the first is the default unless `defaultName` says otherwise. */
export function createCatalog(entries: Array<Omit<Collection, 'knowledgeBaseId'> & { knowledgeBaseId?: string }>, defaultName = entries[0]?.name ?? DEFAULT_COLLECTION): CollectionCatalog {
  const collections = entries.map((e) => ({ ...e, knowledgeBaseId: e.knowledgeBaseId ?? knowledgeBaseIdFor(e.name) }));
  const byName = new Map(collections.map((c) => [c.name, c]));
  const byId = new Map(collections.map((c) => [c.knowledgeBaseId, c]));
  return {
    defaultName,
    list: () => [...collections],
    byName: (name) => byName.get(name),
    byKnowledgeBaseId: (id) => (id === DEFAULT_COLLECTION ? byName.get(defaultName) : byId.get(id)),
  };
}
