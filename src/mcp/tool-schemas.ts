import { z } from 'zod';
import { filtersSchema } from '../server/schemas.js';

/** Input and output shapes of the MCP tools; the SDK validates both and lists them as JSON Schema. */

const collection = z.string().min(1).max(100).optional().describe('Collection name from list_collections; the default collection when omitted');

export const searchInput = {
  collection,
  query: z.string().trim().min(1).max(4000).describe('What to search for, in natural language or keywords'),
  topK: z.number().int().min(1).max(50).optional().describe('How many passages to return (default 6)'),
  filters: filtersSchema.optional().describe('Restrict to documents by path prefix, path glob, formats or tags'),
};

export const askInput = {
  collection,
  question: z.string().trim().min(1).max(4000).describe('The question to answer from the knowledge base'),
  topK: searchInput.topK.describe('How many passages the answer may draw on (default 6)'),
  filters: searchInput.filters,
};

export const listDocumentsInput = {
  collection,
  pathPrefix: z.string().max(1000).optional().describe('Only documents whose path starts with this'),
  limit: z.number().int().min(1).max(500).optional().describe('Page size (default 50)'),
  offset: z.number().int().min(0).optional().describe('Documents to skip (default 0)'),
};

export const getDocumentInput = {
  collection,
  documentId: z.number().int().min(1).describe('Document id from search results or list_documents'),
};

const location = {
  path: z.string().describe('Path of the document relative to its indexed folder'),
  page: z.number().int().optional().describe('1-based page (PDF)'),
  heading: z.string().optional().describe('Heading path of the passage ("Guide > Setup")'),
  documentId: z.number().int(),
  title: z.string().optional(),
  url: z.string().optional().describe('Where the document is published, when known'),
};

export const passageOutput = z.object({ ...location, chunkId: z.number().int(), score: z.number().describe('Relevance, higher is better; comparable within one result'), text: z.string() });

export const searchOutput = { collection: z.string(), query: z.string(), passages: z.array(passageOutput) };

export const askOutput = {
  collection: z.string(),
  answer: z.string().describe('The answer; [n] markers refer to citations by n'),
  found: z.boolean().describe('False when the knowledge base held nothing relevant; the answer then says so'),
  citations: z.array(z.object({ n: z.number().int(), ...location, snippet: z.string(), score: z.number() })),
};

export const listCollectionsOutput = {
  collections: z.array(z.object({
    name: z.string(),
    knowledgeBaseId: z.string().describe('Id for the Bedrock Knowledge Bases-compatible API'),
    description: z.string().optional(),
    role: z.enum(['reader', 'admin']),
    default: z.boolean(),
  })),
};

const documentSummary = {
  id: z.number().int(), path: z.string(), format: z.string(), title: z.string().optional(), url: z.string().optional(),
  tags: z.array(z.string()), size: z.number().int(), indexedAt: z.string(), chunkCount: z.number().int().optional(),
};

export const listDocumentsOutput = { collection: z.string(), total: z.number().int(), documents: z.array(z.object(documentSummary)) };

export const getDocumentOutput = {
  collection: z.string(),
  document: z.object({
    ...documentSummary,
    chunks: z.array(z.object({ id: z.number().int(), ordinal: z.number().int(), page: z.number().int().optional(), heading: z.string().optional(), text: z.string() })),
  }),
};
