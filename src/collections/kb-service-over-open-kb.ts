import { answerQuestion } from '../answer/answer-question.js';
import type { Answerer } from '../answer/answerer.js';
import type { KnowledgeBase } from '../app/open-knowledge-base.js';
import { originalUrl } from '../server/routes/documents.js';
import type { DocumentRow } from '../store/kb-store.js';
import type { RankedChunk } from '../types.js';
import type { DocumentSummary, KbService, RetrievedPassage } from './kb-service.js';
import { matchesFilter } from './match-filter.js';

/** How many more candidates are fetched when `where` is applied here rather than in the store query. */
const WHERE_OVERFETCH = 5;

/**
 * KbService over today's open knowledge base (store, retriever) and an answerer. A bridge until the app layer
 * (src/app/) implements KbService itself: `where` is applied here to over-fetched candidates, because the
 * store does not take it yet; once SearchFilters.where lands it goes into the store query instead.
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
    async retrieve(query, { k, filters, where, signal } = {}) {
      fresh();
      const topK = k === undefined ? undefined : where ? k * WHERE_OVERFETCH : k;
      const result = await kb.retriever.retrieve(query, { ...(topK ? { topK } : {}), ...(filters ? { filters } : {}), ...(signal ? { signal } : {}) });
      const passages = (await Promise.all(result.chunks.map(passageOf))).filter((p) => !where || matchesFilter(where, p.attributes));
      return k === undefined ? passages : passages.slice(0, k);
    },

    async ask(question, { k, filters, where, history, signal, onToken } = {}) {
      fresh();
      const retriever = where
        ? { retrieve: async (q: string, o: Parameters<KnowledgeBase['retriever']['retrieve']>[1] = {}) => {
            const r = await kb.retriever.retrieve(q, { ...o, topK: (o.topK ?? 6) * WHERE_OVERFETCH });
            const passages = await Promise.all(r.chunks.map(passageOf));
            return { ...r, chunks: r.chunks.filter((_, i) => matchesFilter(where, passages[i]!.attributes)).slice(0, o.topK ?? 6) };
          } }
        : kb.retriever;
      const result = await answerQuestion({
        question, retriever, answerer, minCoverage,
        ...(k ? { topK: k } : {}), ...(filters ? { filters } : {}), ...(history ? { history } : {}), ...(signal ? { signal } : {}), ...(onToken ? { onToken } : {}),
      });
      const passages = new Map<number, RetrievedPassage>();
      for (const s of result.sources) passages.set(s.n, await passageOf({ id: s.chunkId, documentId: s.documentId, path: s.path, text: s.text, score: s.score, ...(s.page !== undefined ? { page: s.page } : {}), ...(s.heading ? { heading: s.heading } : {}) }));
      return { answer: result.answer, found: result.found, citations: result.citations, passages, model: result.model };
    },

    async listDocuments({ pathPrefix, limit = 50, offset = 0 } = {}) {
      const { total, documents } = await kb.store.listDocuments({ ...(pathPrefix ? { pathPrefix } : {}), limit, offset });
      return { total, documents: documents.map(summaryOf) };
    },

    async getDocument(id) {
      const doc = await kb.store.getDocument(id);
      if (!doc) return undefined;
      const chunks = (await kb.store.chunksOf(id)).map(({ id: chunkId, ordinal, page, heading, text }) => ({ id: chunkId, ordinal, text, ...(page !== undefined ? { page } : {}), ...(heading ? { heading } : {}) }));
      return { ...summaryOf(doc), chunks };
    },
  };
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
