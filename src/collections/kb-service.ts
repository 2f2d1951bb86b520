import type { Citation, ChatTurn, DocumentFormat, SearchFilters } from '../types.js';
import type { RetrievalFilter } from './retrieval-filter.js';

/**
 * What the MCP server, the Bedrock-compatible API and the LangChain retriever need of one knowledge base.
 * The app layer (src/app/) implements it once per collection; these front ends never see a store.
 */
export interface KbService {
  retrieve(query: string, options?: RetrieveRequest): Promise<RetrievedPassage[]>;
  ask(question: string, options?: AskRequest): Promise<KbAnswer>;
  listDocuments(options?: { pathPrefix?: string; limit?: number; offset?: number; visibleTo?: string[] }): Promise<{ total: number; documents: DocumentSummary[] }>;
  /** Undefined when there is no such document, or the caller's access tags (`visibleTo`) do not reach it. */
  getDocument(id: number, options?: { visibleTo?: string[] }): Promise<DocumentDetail | undefined>;
}

export interface RetrieveRequest {
  /** Passages wanted (the service's default when unset). */
  k?: number;
  filters?: SearchFilters;
  /** A Bedrock-style filter over document attributes (path, format, tags, front matter); applied in the store query. */
  where?: RetrievalFilter;
  /** SEMANTIC: vectors only; HYBRID (default): vectors and keywords fused. */
  searchType?: 'HYBRID' | 'SEMANTIC';
  /** The caller's access tags (accessFilter of its principal): documents they do not reach are never retrieved. */
  visibleTo?: string[];
  signal?: AbortSignal;
}

export interface AskRequest extends Omit<RetrieveRequest, 'searchType'> {
  history?: ChatTurn[];
  /** Called with each piece of answer text as it is produced. */
  onToken?: (text: string) => void;
}

/** A ranked passage with where it came from; `attributes` are what `where` filters on. */
export interface RetrievedPassage {
  chunkId: number;
  documentId: number;
  /** Path relative to its indexed folder, POSIX separators. */
  path: string;
  page?: number;
  heading?: string;
  text: string;
  /** Higher is better; comparable within one result list. */
  score: number;
  title?: string;
  /** The document's published http(s) address, when its front matter names one. */
  url?: string;
  /** path, format, tags and the document's front-matter values. */
  attributes: Record<string, unknown>;
}

export interface KbAnswer {
  answer: string;
  /** False when nothing relevant enough was found; `answer` then says so. */
  found: boolean;
  /** Numbered as the [n] markers in `answer`. */
  citations: Citation[];
  /** The passages the citations point into, by citation number. */
  passages: Map<number, RetrievedPassage>;
  model: string;
}

export interface DocumentSummary {
  id: number;
  path: string;
  format: DocumentFormat;
  title?: string;
  url?: string;
  tags: string[];
  size: number;
  indexedAt: string;
  chunkCount?: number;
}

export interface DocumentDetail extends DocumentSummary {
  chunks: Array<{ id: number; ordinal: number; page?: number; heading?: string; text: string }>;
}
