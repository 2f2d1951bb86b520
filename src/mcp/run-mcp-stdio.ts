import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Readable, Writable } from 'node:stream';
import type { CollectionCatalog } from '../collections/collection-catalog.js';
import { ANONYMOUS_PRINCIPAL, type ScopedPrincipal } from '../collections/scope.js';
import { createKbMcpServer } from './create-mcp-server.js';

export interface McpStdioOptions {
  catalog: CollectionCatalog;
  stdin: Readable;
  stdout: Writable;
  version: string;
  /** Whoever starts a local process may read its files anyway; a narrower principal can be given. */
  principal?: ScopedPrincipal;
}

/** Serves MCP over stdio until stdin ends (the client went away) or `signal` aborts. */
export async function runMcpStdio({ catalog, stdin, stdout, version, principal = ANONYMOUS_PRINCIPAL }: McpStdioOptions, signal?: AbortSignal): Promise<void> {
  const server = createKbMcpServer({ catalog, principal, version });
  const transport = new StdioServerTransport(stdin, stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  const stop = () => void server.close();
  stdin.once('end', stop);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await closed;
  } finally {
    stdin.off('end', stop);
    signal?.removeEventListener('abort', stop);
  }
}
