import { answerQuestion } from '../answer/answer-question.js';
import type { Answerer } from '../answer/answerer.js';
import type { KnowledgeBase } from '../app/open-knowledge-base.js';
import { originalUrl } from '../server/routes/documents.js';
import type { DocumentRow } from '../store/kb-store.js';
import type { RankedChunk, SearchFilters } from '../types.js';
import type { RetrievalFilter } from './retrieval-filter.js';
import type { DocumentSummary, KbService, RetrievedPassage } from './kb-service.js';

/**
 * KbService over an open knowledge base (store, retriever) and an answerer. `where` goes into the store's
 * query with the other filters, so k passages pass it whenever k exist, and a document it excludes is never
 * retrieved at all (not dropped afterwards).
 */
export function kbServiceOverOpenKb({ kb, answerer, minCoverage }: { kb: Pick<KnowledgeBase, 'store' | 'retriever'>; answerer: Answerer; minCoverage: number }): KbService {
  const docs = new Map<number, Promise<DocumentRow | undefined>>();
  const docOf = (id: number) => {
    if (!docs.has(id)) docs.set(id, kb.store.getDocument(id));
    return docs.get(id)!;
  };
  const passageOf = async (c: Pick<RankedChunk, 'id' | 'documentId' | 'path' | 'page' | 'heading' | 'text' | 'score'>): Promise<RetrievedPassage> => {
    const doc = await docOf(c.documentId);
    const url = doc ? originalUrl(doc.metadata) : undefined;
    return {
      chunkId: c.id, documentId: c.documentId, path: c.path, text: c.text, score: c.score,
      ...(c.page !== undefined ? { page: c.page } : {}), ...(c.heading ? { heading: c.heading } : {}),
      ...(doc?.title ? { title: doc.title } : {}), ...(url ? { url } : {}),
      attributes: doc ? attributesOf(doc) : { path: c.path },
    };
  };
  // The store changes under a long-lived service (index runs): the document cache lives for one call.
  const fresh = () => docs.clear();

  return {
    async retrieve(query, { k, filters, where, visibleTo, searchType, signal } = {}) {
      fresh();
      const all = withWhere(filters, where, visibleTo);
      const result = await kb.retriever.retrieve(query, {
        ...(k ? { topK: k } : {}), ...(all ? { filters: all } : {}), ...(searchType === 'SEMANTIC' ? { semantic: true } : {}), ...(signal ? { signal } : {}),
      });
      return Promise.all(result.chunks.map(passageOf));
    },

    async ask(question, { k, filters, where, visibleTo, history, signal, onToken } = {}) {
      fresh();
      const all = withWhere(filters, where, visibleTo);
      const result = await answerQuestion({
        question, retriever: kb.retriever, answerer, minCoverage,
        ...(k ? { topK: k } : {}), ...(all ? { filters: all } : {}), ...(history ? { history } : {}), ...(signal ? { signal } : {}), ...(onToken ? { onToken } : {}),
      });
      const passages = new Map<number, RetrievedPassage>();
      for (const s of result.sources) passages.set(s.n, await passageOf({ id: s.chunkId, documentId: s.documentId, path: s.path, text: s.text, score: s.score, ...(s.page !== undefined ? { page: s.page } : {}), ...(s.heading ? { heading: s.heading } : {}) }));
      return { answer: result.answer, found: result.found, citations: result.citations, passages, model: result.model };
    },

    async listDocuments({ pathPrefix, limit = 50, offset = 0, visibleTo } = {}) {
      const { total, documents } = await kb.store.listDocuments({ ...(pathPrefix ? { pathPrefix } : {}), limit, offset, ...(visibleTo ? { visibleTo } : {}) });
      return { total, documents: documents.map(summaryOf) };
    },

    async getDocument(id, { visibleTo } = {}) {
      const doc = await kb.store.getDocument(id, visibleTo ? { visibleTo } : {});
      if (!doc) return undefined;
      const chunks = (await kb.store.chunksOf(id)).map(({ id: chunkId, ordinal, page, heading, text }) => ({ id: chunkId, ordinal, text, ...(page !== undefined ? { page } : {}), ...(heading ? { heading } : {}) }));
      return { ...summaryOf(doc), chunks };
    },
  };
}

function withWhere(filters: SearchFilters | undefined, where: RetrievalFilter | undefined, visibleTo: string[] | undefined): SearchFilters | undefined {
  return where || visibleTo ? { ...filters, ...(where ? { where } : {}), ...(visibleTo ? { visibleTo } : {}) } : filters;
}

/** What `where` filters see: the front matter first, so path, format and tags cannot be overridden by it. */
export function attributesOf(doc: DocumentRow): Record<string, unknown> {
  return { ...doc.metadata, path: doc.path, format: doc.format, tags: doc.tags, ...(doc.title ? { title: doc.title } : {}) };
}

function summaryOf(d: DocumentRow): DocumentSummary {
  const url = originalUrl(d.metadata);
  return {
    id: d.id, path: d.path, format: d.format, tags: d.tags, size: d.size, indexedAt: d.indexedAt,
    ...(d.title ? { title: d.title } : {}), ...(url ? { url } : {}), ...(d.chunkCount !== undefined ? { chunkCount: d.chunkCount } : {}),
  };
}
