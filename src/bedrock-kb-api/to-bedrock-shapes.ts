import type { RetrievedPassage } from '../collections/kb-service.js';

/** Metadata keys the service puts on every result; clients (LangChain among them) read them. */
export const SOURCE_URI_KEY = 'x-amz-bedrock-kb-source-uri';
export const PAGE_NUMBER_KEY = 'x-amz-bedrock-kb-document-page-number';
export const CHUNK_ID_KEY = 'x-amz-bedrock-kb-chunk-id';
export const DATA_SOURCE_ID_KEY = 'x-amz-bedrock-kb-data-source-id';

/**
 * Where a passage came from, in the service's RetrievalResultLocation: WEB with the published address when the
 * document names one, otherwise CUSTOM with the document's path as its id (the file is on the server's disk,
 * not in S3).
 */
export function locationOf(p: RetrievedPassage) {
  return p.url ? { type: 'WEB', webLocation: { url: p.url } } : { type: 'CUSTOM', customDocumentLocation: { id: p.path } };
}

/**
 * The service's metadata for a passage: the document's attributes (front matter, path, format, tags) and the
 * x-amz-bedrock-kb-* keys. The source URI is the document's path, the key filters use for it too.
 */
export function metadataOf(p: RetrievedPassage, collection: string): Record<string, unknown> {
  return {
    ...jsonSafe(p.attributes),
    [SOURCE_URI_KEY]: p.path,
    [CHUNK_ID_KEY]: String(p.chunkId),
    [DATA_SOURCE_ID_KEY]: collection,
    ...(p.page !== undefined ? { [PAGE_NUMBER_KEY]: p.page } : {}),
  };
}

/** A KnowledgeBaseRetrievalResult (Retrieve) or, without the score, a RetrievedReference (citations). */
export function retrievalResultOf(p: RetrievedPassage, collection: string) {
  return { content: { type: 'TEXT', text: p.text }, location: locationOf(p), metadata: metadataOf(p, collection), score: p.score };
}

export function retrievedReferenceOf(p: RetrievedPassage, collection: string) {
  return { content: { type: 'TEXT', text: p.text }, location: locationOf(p), metadata: metadataOf(p, collection) };
}

/** Filter keys as clients name them, to the attribute the store filters on. */
export function attributeKeyFor(key: string): string {
  return key === SOURCE_URI_KEY ? 'path' : key;
}

/** Metadata values are JSON documents: dates and other objects become strings. */
function jsonSafe(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attributes)) {
    if (v === null || v === undefined) continue;
    out[k] = v instanceof Date ? v.toISOString() : typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : v;
  }
  return out;
}
