/**
 * The package's entry: what another project imports from 'bedrock-kb'. The CLI (`kb`) is the bin; this is the
 * library surface, kept to what does not open a database on import.
 */
export { KbRetriever, type KbRetrieverInput, type KbDocumentMetadata } from './langchain/kb-retriever.js';
export type { KbService, RetrievedPassage, RetrieveRequest, AskRequest, KbAnswer, DocumentSummary, DocumentDetail } from './collections/kb-service.js';
export type { RetrievalFilter } from './collections/retrieval-filter.js';
export type { SearchFilters, Citation, DocumentFormat } from './types.js';
