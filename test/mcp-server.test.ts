import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpHttpRouter } from '../src/mcp/mcp-http-router.js';
import { bearerPrincipal, listen, type TwoCollections, twoCollections } from './collections-fixture.js';

let kbs: TwoCollections;
let http: Awaited<ReturnType<typeof listen>>;
const audit: Array<{ principal: string; tool: string; collection?: string; ok: boolean }> = [];

beforeAll(async () => {
  kbs = await twoCollections();
  const app = express();
  app.use(mcpHttpRouter({ catalog: kbs.catalog, authenticate: (req) => bearerPrincipal(req.get('authorization')), version: '0.1.0', onToolCall: (c) => audit.push(c) }));
  http = await listen(app);
}, 120_000);

afterAll(async () => {
  await http?.close();
  await kbs?.close();
});

async function httpClient(key: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return client;
}

describe('MCP over Streamable HTTP', () => {
  it('lists read-only tools whose descriptions say what they return, with output schemas', async () => {
    const client = await httpClient('key-everything-0123456789');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['ask', 'get_document', 'list_collections', 'list_documents', 'search']);
    for (const tool of tools) {
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      expect(tool.annotations?.destructiveHint, tool.name).toBe(false);
      expect(tool.description, tool.name).toMatch(/Returns/);
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
    await client.close();
  });

  it('search returns passages with path, heading and score as structured content', async () => {
    const client = await httpClient('key-everything-0123456789');
    const result = await client.callTool({ name: 'search', arguments: { collection: 'hr', query: 'notice period when resigning', topK: 3 } });
    expect(result.isError).toBeFalsy();
    const s = result.structuredContent as { collection: string; passages: Array<{ path: string; heading?: string; score: number; text: string; documentId: number }> };
    expect(s.collection).toBe('hr');
    expect(s.passages.length).toBeGreaterThan(0);
    expect(s.passages.length).toBeLessThanOrEqual(3);
    expect(s.passages[0]!.path).toMatch(/notice-periods/);
    expect(s.passages[0]!.score).toBeGreaterThan(0);
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual(s);
    await client.close();
  });

  it('search honours filters', async () => {
    const client = await httpClient('key-everything-0123456789');
    const result = await client.callTool({ name: 'search', arguments: { query: 'policy', topK: 10, filters: { pathPrefix: 'data/finance/' } } });
    const passages = (result.structuredContent as { passages: Array<{ path: string }> }).passages;
    expect(passages.length).toBeGreaterThan(0);
    expect(passages.every((p) => p.path.startsWith('data/finance/'))).toBe(true);
    await client.close();
  });

  it('ask answers with citations that point at documents', async () => {
    const client = await httpClient('key-hr-only-0123456789');
    const result = await client.callTool({ name: 'ask', arguments: { collection: 'hr', question: 'How long is the notice period?' } });
    const a = result.structuredContent as { answer: string; found: boolean; citations: Array<{ n: number; path: string; snippet: string }> };
    expect(a.found).toBe(true);
    expect(a.citations.length).toBeGreaterThan(0);
    expect(a.answer).toContain(`[${a.citations[0]!.n}]`);
    expect(a.citations.some((c) => c.path.includes('notice-periods'))).toBe(true);
    await client.close();
  });

  it('lists and gets documents', async () => {
    const client = await httpClient('key-hr-only-0123456789');
    const list = (await client.callTool({ name: 'list_documents', arguments: { collection: 'hr', limit: 2 } })).structuredContent as { total: number; documents: Array<{ id: number; path: string }> };
    expect(list.total).toBe(7);
    expect(list.documents).toHaveLength(2);
    const doc = (await client.callTool({ name: 'get_document', arguments: { collection: 'hr', documentId: list.documents[0]!.id } })).structuredContent as { document: { path: string; chunks: unknown[] } };
    expect(doc.document.path).toBe(list.documents[0]!.path);
    expect(doc.document.chunks.length).toBeGreaterThan(0);
    const missing = await client.callTool({ name: 'get_document', arguments: { collection: 'hr', documentId: 999_999 } });
    expect(missing.isError).toBe(true);
    await client.close();
  });

  it('a key that may not read a collection cannot tell it from one that does not exist', async () => {
    const client = await httpClient('key-engineering-0123456789');
    const listed = (await client.callTool({ name: 'list_collections', arguments: {} })).structuredContent as { collections: Array<{ name: string; role: string }> };
    expect(listed.collections).toEqual([expect.objectContaining({ name: 'default', role: 'reader', default: true })]);
    const text = (r: Awaited<ReturnType<Client['callTool']>>) => (r.content as Array<{ text: string }>)[0]!.text.replaceAll('"hr"', '"X"').replaceAll('"nope"', '"X"');
    for (const tool of ['search', 'ask', 'list_documents', 'get_document'] as const) {
      const args = { search: { query: 'notice period' }, ask: { question: 'notice period?' }, list_documents: {}, get_document: { documentId: 1 } }[tool];
      const hidden = await client.callTool({ name: tool, arguments: { ...args, collection: 'hr' } });
      const absent = await client.callTool({ name: tool, arguments: { ...args, collection: 'nope' } });
      expect(hidden.isError, tool).toBe(true);
      expect(hidden.structuredContent, tool).toBeUndefined();
      expect(text(hidden), tool).toBe(text(absent));
      expect(JSON.stringify(hidden), tool).not.toMatch(/notice-periods|People policies/);
    }
    expect(audit.filter((a) => a.principal === 'eng' && a.collection === 'hr').every((a) => !a.ok)).toBe(true);
    await client.close();
  });

  it('refuses a request without a valid key, and the stateless endpoint refuses GET', async () => {
    const client = new Client({ name: 'test', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`), { requestInit: { headers: { authorization: 'Bearer wrong-key-0123456789' } } }))).rejects.toThrow(/401|Unauthorized|API key/);
    const get = await fetch(`${http.url}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
  });
});

describe('MCP over stdio (kb mcp)', () => {
  it('serves the tools to the SDK client from a real kb process', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js'), 'mcp', '--kb-dir', kbs.fixtures.hr.kbDir],
      cwd: process.cwd(),
      env: { ...process.env, KB_PROVIDER: 'local' } as Record<string, string>,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(5);
    const listed = (await client.callTool({ name: 'list_collections', arguments: {} })).structuredContent as { collections: Array<{ name: string; knowledgeBaseId: string }> };
    expect(listed.collections).toEqual([expect.objectContaining({ name: 'default', knowledgeBaseId: expect.stringMatching(/^[0-9A-Z]{10}$/) })]);
    const found = (await client.callTool({ name: 'search', arguments: { query: 'parental leave weeks', topK: 2 } })).structuredContent as { passages: Array<{ path: string }> };
    expect(found.passages[0]!.path).toMatch(/parental-leave/);
    await client.close();
  }, 60_000);
});
