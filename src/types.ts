/** Shared data shapes. Plain types: schemas live where data enters (config, HTTP, model responses). */

export type DocumentFormat = 'markdown' | 'text' | 'html' | 'pdf' | 'docx';

/** A contiguous piece of a document with one heading path and at most one page. */
export interface Section {
  text: string;
  /** 1-based page number for paged formats (PDF). */
  page?: number;
  /** Headings from the outermost to the innermost that contain this section. */
  headingPath: string[];
  /** Offset of `text` in the document's full extracted text. */
  charStart: number;
}

export interface LoadedDocument {
  format: DocumentFormat;
  title?: string;
  tags: string[];
  metadata: Record<string, unknown>;
  sections: Section[];
  /** Problems that did not stop the load, e.g. "page 3 has no text layer (scanned?)". */
  warnings: string[];
}

/** A chunk as produced by the chunker, before it has an id. */
export interface ChunkDraft {
  ordinal: number;
  text: string;
  /** The text that is embedded and keyword-indexed: title and heading path, then the chunk text. */
  indexText: string;
  textHash: string;
  page?: number;
  headingPath: string[];
  charStart: number;
  charEnd: number;
  tokenEstimate: number;
}

export interface StoredChunk {
  id: number;
  documentId: number;
  path: string;
  ordinal: number;
  text: string;
  page?: number;
  heading?: string;
  charStart: number;
  charEnd: number;
}

export interface RankedChunk extends StoredChunk {
  /** Fused score, higher is better; comparable only within one result list. */
  score: number;
  /** Cosine similarity to the question, when the vector search saw this chunk. */
  similarity?: number;
  /** Raw BM25 score (positive, higher is better), when the keyword search saw this chunk. */
  bm25?: number;
  /** Ids of the chunks merged into this one (neighbours of the same section). */
  mergedIds: number[];
}

export interface SearchFilters {
  /** Keep paths that start with this prefix (relative to the indexed root, POSIX separators). */
  pathPrefix?: string;
  /** Keep paths that match this glob, e.g. "policies/**\/*.md". */
  pathGlob?: string;
  /** Keep these formats, e.g. ["pdf", "markdown"]. */
  formats?: DocumentFormat[];
  /** Keep documents carrying all of these tags. */
  tags?: string[];
}

/** A numbered source an answer can cite. */
export interface Source {
  n: number;
  chunkId: number;
  documentId: number;
  path: string;
  page?: number;
  heading?: string;
  text: string;
  score: number;
}

export interface Citation {
  n: number;
  documentId: number;
  path: string;
  page?: number;
  heading?: string;
  snippet: string;
  score: number;
  /** Whether the sentences that cite this source are lexically backed by its text. */
  supported?: boolean;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  embeddingTokens: number;
}

export interface AnswerResult {
  answer: string;
  /** False when the knowledge base held nothing relevant enough; the answer then says so. */
  found: boolean;
  citations: Citation[];
  sources: Source[];
  usage: Usage;
  cost?: { usd: number; byModel: Record<string, number> };
  /** Citation markers the model wrote that pointed to no source and were removed. */
  removedMarkers?: number;
  model: string;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}
