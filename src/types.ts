import type { RetrievalFilter } from './collections/retrieval-filter.js';
/** Shared data shapes. Plain types: schemas live where data enters (config, HTTP, model responses). */

export type DocumentFormat = 'markdown' | 'text' | 'html' | 'pdf' | 'docx';

/** What a block of clean text was in its document: answerers quote `text` and `list-item`, never `code`. */
export type BlockKind = 'text' | 'list-item' | 'code' | 'table-row';

/** A link's visible text and its target; the target is kept out of the clean text. */
export interface Link {
  text: string;
  url: string;
}

/** One paragraph, list item, code block or table row of a section's clean text. */
export interface TextBlock {
  kind: BlockKind;
  /** Offsets into the section's `text`, end exclusive. */
  start: number;
  end: number;
  links?: Link[];
  /** Source offset just past the block's markup, when known (the clean text can be shorter than its source). */
  sourceEnd?: number;
}

/** A contiguous piece of a document with one heading path and at most one page. */
export interface Section {
  /** Clean text: no markup; blocks separated by a blank line, list items and table rows by a line break. */
  text: string;
  /** 1-based page number for paged formats (PDF). */
  page?: number;
  /** Headings from the outermost to the innermost that contain this section. */
  headingPath: string[];
  /** Offset of `text` in the source: the file for Markdown, HTML and text; the reflowed text for PDF. */
  charStart: number;
  /** The blocks of `text`, in order; absent for plain text, whose blank-line paragraphs are the blocks. */
  blocks?: TextBlock[];
  /**
   * Anchors [offset in `text`, offset in the source], ascending, for text that is not a verbatim slice of
   * its source (markup removed). Absent: `text` is the source from `charStart` on.
   */
  sourceMap?: Array<[number, number]>;
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
  /** The text that is embedded: `context`, a blank line, then the chunk text. */
  indexText: string;
  /** Title and heading path, each once ("Guide > Setup > Linux"); keyword-indexed as its own, heavier field. */
  context: string;
  textHash: string;
  page?: number;
  headingPath: string[];
  charStart: number;
  charEnd: number;
  tokenEstimate: number;
  /** Kinds of the chunk's pieces, offsets into `text`; absent when the chunk is one plain paragraph run. */
  blocks?: ChunkBlock[];
  /** Link targets of the chunk's text. */
  links?: Link[];
}

/** A block of a chunk: offsets into the chunk's `text`, end exclusive. */
export interface ChunkBlock {
  kind: BlockKind;
  start: number;
  end: number;
}

export interface StoredChunk {
  id: number;
  documentId: number;
  path: string;
  ordinal: number;
  text: string;
  page?: number;
  heading?: string;
  /** Offsets of the chunk's source in the document (the file for text formats), end exclusive. */
  charStart: number;
  charEnd: number;
  /** Code blocks and table rows of `text` (offsets into it); an answerer quotes neither a code line nor a bare row. */
  blocks?: ChunkBlock[];
  links?: Link[];
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
  /** Keep documents whose attributes (front matter, path, format, tags, title) pass this Bedrock-style filter. */
  where?: RetrievalFilter;
  /**
   * The caller's access tags: keep documents without `access` front matter and those whose `access` (a tag or a
   * list) names one of these. Set by the server from the key, never by a request.
   */
  visibleTo?: string[];
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
  /** Input tokens billed at the input price (prompt-cache tokens are counted apart). */
  inputTokens: number;
  outputTokens: number;
  embeddingTokens: number;
  /** Prompt-cache tokens read and written, when the model reported them (priced at the cache rates). */
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
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
  /** Set when a Bedrock guardrail intervened: `answer` is then the guardrail's message. */
  guardrail?: GuardrailIntervention;
}

/** A guardrail's intervention: where it struck and why, from the guardrail's own assessment. */
export interface GuardrailIntervention {
  action: 'intervened';
  /** The question (and the sources sent with it), or the model's answer. */
  source: 'input' | 'output';
  /** What the assessment says it blocked, e.g. 'denied word "project-x"; denied topic "Legal advice"'. */
  reason: string;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}
