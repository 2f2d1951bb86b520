import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Collection, CollectionCatalog } from '../collections/collection-catalog.js';
import type { RetrievedPassage } from '../collections/kb-service.js';
import { accessFilter, readableCollection, roleIn, type ScopedPrincipal, visibleCollections } from '../collections/scope.js';
import * as s from './tool-schemas.js';

export interface KbMcpServerOptions {
  catalog: CollectionCatalog;
  /** Who the session is for; it sees only the collections it may read. */
  principal: ScopedPrincipal;
  version: string;
  /** Called once per tool call, for the audit line (key name, tool, collection). */
  onToolCall?: (call: { principal: string; tool: string; collection?: string; ok: boolean }) => void;
}

// Every tool only reads: clients may call them without asking the user, and repeat them freely.
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/**
 * An MCP server over the collections a principal may read: search, ask, list_collections, list_documents,
 * get_document. One per session (or per request, stateless): the principal is fixed at creation.
 */
export function createKbMcpServer({ catalog, principal, version, onToolCall }: KbMcpServerOptions): McpServer {
  const server = new McpServer({ name: 'bedrock-kb', version });

  /** Runs a tool body against a readable collection; unknown and out-of-scope collections read the same. */
  const inCollection = async (tool: string, name: string | undefined, body: (c: Collection) => Promise<Record<string, unknown>>): Promise<CallToolResult> => {
    const wanted = name ?? catalog.defaultName;
    const found = readableCollection(catalog, principal, wanted);
    if (!found) {
      onToolCall?.({ principal: principal.name, tool, collection: wanted, ok: false });
      return { isError: true, content: [{ type: 'text', text: `There is no collection "${wanted}"; list_collections lists the collections you can read.` }] };
    }
    const structured = { collection: found.name, ...(await body(found)) };
    onToolCall?.({ principal: principal.name, tool, collection: found.name, ok: true });
    return structuredResult(structured);
  };

  // The key's access tags reach every store query: a document they do not reach is never read.
  const visibleTo = accessFilter(principal);
  const visible = visibleTo ? { visibleTo } : {};

  server.registerTool('search', {
    title: 'Search the knowledge base',
    description: 'Ranked passages for a query from one collection. Returns passages, best first, each with the document path, page (PDF), heading, relevance score, document and chunk ids, and the passage text. No answer is written; use ask for that.',
    inputSchema: s.searchInput,
    outputSchema: s.searchOutput,
    annotations: { title: 'Search the knowledge base', ...READ_ONLY },
  }, async ({ collection, query, topK, filters }, extra) => inCollection('search', collection, async (c) => {
    const passages = await c.service.retrieve(query, { k: topK ?? 6, ...(filters ? { filters } : {}), ...visible, signal: extra.signal });
    return { query, passages: passages.map(passageOut) };
  }));

  server.registerTool('ask', {
    title: 'Answer from the knowledge base',
    description: 'Answers a question from one collection\'s documents only. Returns the answer text with [n] markers, whether anything relevant was found, and the citations: for each n the document path, page, heading, a snippet of the cited passage and its score.',
    inputSchema: s.askInput,
    outputSchema: s.askOutput,
    annotations: { title: 'Answer from the knowledge base', ...READ_ONLY },
  }, async ({ collection, question, topK, filters }, extra) => inCollection('ask', collection, async (c) => {
    const a = await c.service.ask(question, { ...(topK ? { k: topK } : {}), ...(filters ? { filters } : {}), ...visible, signal: extra.signal });
    const citations = a.citations.map((ct) => {
      const p = a.passages.get(ct.n);
      return { n: ct.n, path: ct.path, documentId: ct.documentId, snippet: ct.snippet, score: ct.score, ...opt('page', ct.page), ...opt('heading', ct.heading), ...opt('title', p?.title), ...opt('url', p?.url) };
    });
    return { answer: a.answer, found: a.found, citations };
  }));

  server.registerTool('list_collections', {
    title: 'List collections',
    description: 'The collections (knowledge bases) this key can read. Returns for each its name, its 10-character knowledge base id, a description when configured, this key\'s role in it, and whether it is the default.',
    outputSchema: s.listCollectionsOutput,
    annotations: { title: 'List collections', ...READ_ONLY },
  }, async () => {
    const collections = visibleCollections(catalog, principal).map((c) => ({
      name: c.name, knowledgeBaseId: c.knowledgeBaseId, ...opt('description', c.description), role: roleIn(principal, c.name)!, default: c.name === catalog.defaultName,
    }));
    onToolCall?.({ principal: principal.name, tool: 'list_collections', ok: true });
    return structuredResult({ collections });
  });

  server.registerTool('list_documents', {
    title: 'List documents',
    description: 'Documents indexed in one collection, by path, a page at a time. Returns the total and for each document its id, path, format, title, tags, size, chunk count and when it was indexed.',
    inputSchema: s.listDocumentsInput,
    outputSchema: s.listDocumentsOutput,
    annotations: { title: 'List documents', ...READ_ONLY },
  }, async ({ collection, pathPrefix, limit, offset }) => inCollection('list_documents', collection, async (c) =>
    c.service.listDocuments({ ...opt('pathPrefix', pathPrefix), ...opt('limit', limit), ...opt('offset', offset), ...visible })));

  server.registerTool('get_document', {
    title: 'Get a document',
    description: 'One document of a collection by id. Returns its metadata (path, format, title, tags, size) and its indexed text as chunks in order, each with page and heading.',
    inputSchema: s.getDocumentInput,
    outputSchema: s.getDocumentOutput,
    annotations: { title: 'Get a document', ...READ_ONLY },
  }, async ({ collection, documentId }) => {
    const result = await inCollection('get_document', collection, async (c) => {
      const document = await c.service.getDocument(documentId, visible);
      if (!document) throw new MissingDocument(documentId);
      return { document };
    }).catch((error: unknown) => {
      if (!(error instanceof MissingDocument)) throw error;
      return { isError: true, content: [{ type: 'text' as const, text: error.message }] };
    });
    return result;
  });

  return server;
}

class MissingDocument extends Error {
  constructor(id: number) {
    super(`There is no document ${id} in this collection; list_documents lists them.`);
  }
}

/** Structured content for clients that read it, the same JSON as text for those that do not. */
function structuredResult(structured: Record<string, unknown>): CallToolResult {
  return { structuredContent: structured, content: [{ type: 'text', text: JSON.stringify(structured) }] };
}

function passageOut(p: RetrievedPassage) {
  return {
    path: p.path, documentId: p.documentId, chunkId: p.chunkId, score: p.score, text: p.text,
    ...opt('page', p.page), ...opt('heading', p.heading), ...opt('title', p.title), ...opt('url', p.url),
  };
}

/** `{ [key]: value }` when value is set; exactOptionalPropertyTypes forbids explicit undefined. */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
