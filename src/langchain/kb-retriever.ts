import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { KbService, RetrievedPassage } from '../collections/kb-service.js';
import type { RetrievalFilter } from '../collections/retrieval-filter.js';
import type { SearchFilters } from '../types.js';

/** The metadata every Document carries: the same fields as an answer's citations. */
export interface KbDocumentMetadata {
  /** The document's path, for chains that read `source`. */
  source: string;
  path: string;
  page?: number;
  heading?: string;
  score: number;
  documentId: number;
  chunkId: number;
  title?: string;
  url?: string;
  collection?: string;
}

interface Common extends BaseRetrieverInput {
  /** Passages per query (default 6). */
  k?: number;
  filters?: SearchFilters;
}

export type KbRetrieverInput =
  | (Common & {
      /** In-process: the knowledge base itself. */
      service: KbService;
      /** A Bedrock-style attribute filter (in-process only until the HTTP API takes it). */
      where?: RetrievalFilter;
    })
  | (Common & {
      /** Over HTTP: the `kb serve` address, e.g. http://127.0.0.1:8080. */
      url: string;
      /** A reader key for that server (omit when its auth is off). */
      apiKey?: string;
      /** A collection other than the server's default. */
      collection?: string;
      /** Replaces the global fetch (proxies, tests). */
      fetch?: typeof fetch;
    });

/**
 * A LangChain retriever over a bedrock-kb knowledge base, in-process or over a server, so the knowledge base
 * drops into an existing chain. Documents carry the passage text and citation metadata (path, page, heading,
 * score, ids).
 */
export class KbRetriever extends BaseRetriever<KbDocumentMetadata> {
  static override lc_name(): string {
    return 'KbRetriever';
  }
  override lc_namespace = ['bedrock_kb', 'retrievers'];
  private readonly input: KbRetrieverInput;

  constructor(input: KbRetrieverInput) {
    super(input);
    this.input = input;
  }

  override async _getRelevantDocuments(query: string, _runManager?: CallbackManagerForRetrieverRun): Promise<Document<KbDocumentMetadata>[]> {
    const k = this.input.k ?? 6;
    if ('service' in this.input) {
      const { service, filters, where } = this.input;
      const passages = await service.retrieve(query, { k, ...(filters ? { filters } : {}), ...(where ? { where } : {}) });
      return passages.map((p) => toDocument(p));
    }
    return this.overHttp(query, k);
  }

  private async overHttp(query: string, k: number): Promise<Document<KbDocumentMetadata>[]> {
    const { url, apiKey, collection, filters, fetch: doFetch = fetch } = this.input as Extract<KbRetrieverInput, { url: string }>;
    const path = collection ? `/v1/collections/${encodeURIComponent(collection)}/retrieve` : '/v1/retrieve';
    const response = await doFetch(new URL(path, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ question: query, topK: k, ...(filters ? { filters } : {}) }),
    });
    const body = (await response.json().catch(() => undefined)) as { chunks?: ServerChunk[]; detail?: string; title?: string } | undefined;
    if (!response.ok || !Array.isArray(body?.chunks)) {
      throw new Error(`The knowledge base at ${url} answered ${response.status}: ${body?.detail ?? body?.title ?? 'no chunks in the response'}${response.status === 401 ? ' (pass apiKey)' : ''}`);
    }
    return body.chunks.map((c) =>
      toDocument({ chunkId: c.id, documentId: c.documentId, path: c.path, text: c.text, score: c.score, ...(c.page !== undefined ? { page: c.page } : {}), ...(c.heading ? { heading: c.heading } : {}), attributes: {} }, collection),
    );
  }
}

/** A chunk as POST /v1/retrieve returns it. */
interface ServerChunk {
  id: number;
  documentId: number;
  path: string;
  text: string;
  score: number;
  page?: number;
  heading?: string;
}

function toDocument(p: RetrievedPassage, collection?: string): Document<KbDocumentMetadata> {
  const metadata: KbDocumentMetadata = {
    source: p.url ?? p.path, path: p.path, score: p.score, documentId: p.documentId, chunkId: p.chunkId,
    ...(p.page !== undefined ? { page: p.page } : {}), ...(p.heading ? { heading: p.heading } : {}),
    ...(p.title ? { title: p.title } : {}), ...(p.url ? { url: p.url } : {}), ...(collection ? { collection } : {}),
  };
  return new Document({ pageContent: p.text, metadata, id: String(p.chunkId) });
}
